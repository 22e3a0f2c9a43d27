"""Inline keyboards from the (label, callback data) rows the rules and the outbox hold."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def keyboard(rows: Sequence[Sequence[Sequence[str]]] | None) -> InlineKeyboardMarkup | None:
    """Inline buttons from (label, callback data) rows (pairs, or lists as the outbox stores
    them); empty rows are left out, and no rows is no keyboard."""
    kept = [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in rows or () if row]
    return InlineKeyboardMarkup(kept) if kept else None
