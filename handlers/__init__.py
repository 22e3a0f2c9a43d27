"""Telegram handlers: `core/` for all, one folder per feature; `register` adds them in order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import broadcasts, checkin, coverage, households, needs, org, reports, tasks
from handlers.core import errors, help, identity, lang, members, pages


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler to the application.

    Group -1 loads the actor for every update; group 0 holds the features, in order:
    the conversations must come before the catch-alls of `help`, and `/broadcast` before the
    check-in note, so that a broadcast started while a note prompt is still open gets the
    next message (the explicit command is the newer intent).
    """
    application.add_handlers(identity.handlers(), group=-1)
    feature_handlers = [
        *org.join.handlers(),
        *broadcasts.compose.handlers(),
        *households.visits.handlers(),  # before needs: "needs help" continues into the need report
        *needs.handlers(),
        *tasks.assign.handlers(),
        *tasks.answers.handlers(),
        *tasks.board.handlers(),
        *tasks.teams.handlers(),
        *checkin.status.handlers(),
        *reports.records.handlers(),
        *org.settings.handlers(),
        *checkin.care.handlers(),  # the care message's "report a need" button
        *reports.digest.handlers(),
        *reports.chart.handlers(),
        *reports.export.handlers(),
        *reports.who.handlers(),
        *reports.search.handlers(),  # /roster, and /roster WORDS
        *org.branches.handlers(),
        *org.reshape.handlers(),
        *org.links.handlers(),
        *org.invites.handlers(),
        *broadcasts.acks.handlers(),
        *org.groups.handlers(),
        *lang.handlers(),
        *households.zones.handlers(),
        *households.household.handlers(),
        *org.roster_import.handlers(),  # captioned `/import roster`: before households' documents
        *households.imports.handlers(),  # documents in a private chat: before help's catch-all
        *coverage.today.handlers(),
        *coverage.handover.handlers(),
        *coverage.away.handlers(),
        *org.members.handlers(),  # /member, /move, /role, /rename, /phone, /remove, /leave
        *pages.handlers(),  # the pages of long lists (/roster, /who, /team, /task, ...)
        *members.handlers(),  # a candidate pressed when a name fits several members
        *help.handlers(),  # catch-alls: last
    ]
    application.add_handlers(feature_handlers, group=0)
    application.add_error_handler(errors.on_error)
