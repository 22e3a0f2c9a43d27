"""Telegram handlers, one module per feature; `register` adds them in order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import branches, checkin, errors, help, identity, lang, start, who


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler to the application.

    Group -1 loads the actor for every update; group 0 holds the features, in order:
    the check-in note conversation must come before the catch-alls of `help`.
    """
    application.add_handlers(identity.handlers(), group=-1)
    feature_handlers = [
        *start.handlers(),
        *checkin.handlers(),
        *who.handlers(),
        *branches.handlers(),
        *lang.handlers(),
        *help.handlers(),  # catch-alls: last
    ]
    application.add_handlers(feature_handlers, group=0)
    application.add_error_handler(errors.on_error)
