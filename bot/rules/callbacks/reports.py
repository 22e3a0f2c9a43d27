"""Reports: the digest, /who, the pages of long lists:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.rules.codec import Button, digits, one_of, token

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


@dataclass(frozen=True)
class DigestButton(Button, prefix="dg"):
    """A digest's buttons: a sub-branch's digest, or its unwell / silent members."""

    branch: int
    day: date
    kind: str | None = field(default=None, metadata=one_of("unwell", "silent"))


@dataclass(frozen=True)
class WhoRemind(Button, prefix="who:rm"):
    """/who's "remind them now": the daily reminder to the branch's subtree's silent members."""
    branch: int


@dataclass(frozen=True)
class PageButton(Button, prefix="pg"):
    """◀ ▶ of a long list: the view's name, its argument and the page."""

    view: str = field(metadata=token(r"[a-z]{1,8}"))
    argument: str = field(metadata=token(r"[0-9A-Za-z_.-]{0,40}"))
    page: int = field(metadata=digits(5))
