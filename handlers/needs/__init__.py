"""Needs: `/need` (report one, also for a household after a visit) and `/needs` (list, resolve,
cancel). Rules are in `bot.rules.needs`."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from handlers.core.context import Context
from handlers.needs import listing, report


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """The handlers of needs, in order: the report conversation, then the listing's."""
    return [*report.handlers(), *listing.handlers()]
