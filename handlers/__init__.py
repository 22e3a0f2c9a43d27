"""Telegram handlers, one module per feature; `register` adds them in order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    acks,
    assign,
    away,
    branches,
    broadcast,
    care,
    checkin,
    coverage,
    digest,
    errors,
    groups,
    handover,
    help,
    household,
    identity,
    imports,
    lang,
    needs,
    pages,
    records,
    settings,
    start,
    tasks,
    teams,
    visits,
    who,
    zones,
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler to the application.

    Group -1 loads the actor for every update; group 0 holds the features, in order:
    the conversations must come before the catch-alls of `help`, and `/broadcast` before the
    check-in note, so that a broadcast started while a note prompt is still open gets the
    next message (the explicit command is the newer intent).
    """
    application.add_handlers(identity.handlers(), group=-1)
    feature_handlers = [
        *start.handlers(),
        *broadcast.handlers(),
        *visits.handlers(),  # before needs: "needs help" continues into the need report
        *needs.handlers(),
        *assign.handlers(),
        *tasks.handlers(),
        *teams.handlers(),
        *checkin.handlers(),
        *records.handlers(),
        *settings.handlers(),
        *care.handlers(),  # the care message's "report a need" button
        *digest.handlers(),
        *who.handlers(),
        *branches.handlers(),
        *acks.handlers(),
        *groups.handlers(),
        *lang.handlers(),
        *zones.handlers(),
        *household.handlers(),
        *imports.handlers(),  # documents in a private chat: before help's catch-all
        *coverage.handlers(),
        *handover.handlers(),
        *away.handlers(),
        *pages.handlers(),  # the pages of long lists (/roster, /who, /team, /task, ...)
        *help.handlers(),  # catch-alls: last
    ]
    application.add_handlers(feature_handlers, group=0)
    application.add_error_handler(errors.on_error)
