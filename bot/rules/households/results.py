"""What an import tells: why a row or a file is refused (`RowError`, its reasons catalog keys
under `imports.reason.` rendered in the reader's language, so the CLI and the chat share
them), and what it did (`ImportResult`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from bot.i18n import Translator
from storage.households import HouseholdInput

REASON = "imports.reason."


@dataclass(frozen=True, slots=True)
class Reason:
    """One problem as a catalog key (under `imports.reason.`) and the values to fill in."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a line of the file (None: the whole file) cannot be imported.

    `key` and `values` name the first reason in the catalog (`imports.reason.<key>`);
    `more` holds further reasons found on the same line.
    """

    line: int | None
    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    more: tuple[Reason, ...] = ()

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every reason of this line, the first one first."""
        return (Reason(self.key, self.values), *self.more)

    def render(self, translate: Translator, language: str,
               escape: Callable[[str], str] | None = None) -> str:
        """The reasons in `language`, without the line; `escape` is applied to text values."""
        def fill(value: object) -> object:
            return escape(value) if escape is not None and isinstance(value, str) else value

        return translate(language, "imports.separator").join(
            translate(language, REASON + reason.key,
                      **{name: fill(value) for name, value in reason.values.items()})
            for reason in self.reasons)

    def describe(self, translate: Translator, language: str,
                 escape: Callable[[str], str] | None = None) -> str:
        """`line N: reasons` (or the reasons alone for the whole file) in `language`."""
        reason = self.render(translate, language, escape)
        if self.line is None:
            return reason
        return translate(language, "imports.line", line=self.line, reason=reason)

    def __str__(self) -> str:
        return self.describe(_english(), "en")


@cache
def _english() -> Translator:
    return Translator("en")


@dataclass(slots=True)
class ImportResult:
    """What an import did: households created and updated, and the problems found."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    good_rows: int = 0
    zones: list[str] = field(default_factory=list)  # of the rows written, in file order
    households: list[HouseholdInput] = field(default_factory=list)  # as written

    @property
    def written(self) -> bool:
        """True if anything was written."""
        return self.created + self.updated > 0
