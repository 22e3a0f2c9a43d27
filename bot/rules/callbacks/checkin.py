"""The daily check-in's buttons, and the language choice:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import LANGUAGES
from bot.rules.codec import Button, one_of
from bot.rules.vocab import Status

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


@dataclass(frozen=True)
class Checkin(Button, prefix="ck"):
    """A status button of the check-in (also under the daily prompt)."""

    status: str = field(metadata=one_of(*Status))


@dataclass(frozen=True)
class CheckinNote(Button, prefix="ck:note"):
    """"Add a note" under a check-in's answer."""


@dataclass(frozen=True)
class CareNeed(Button, prefix="care:need"):
    """The care message's "report a need" button."""


@dataclass(frozen=True)
class Lang(Button, prefix="lang"):
    """Switch to a language."""

    code: str = field(metadata=one_of(*LANGUAGES))
