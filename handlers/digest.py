"""Handlers of digest (being written)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from handlers.context import Context


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    return []
