"""Typed codecs for callback data (aiogram's `CallbackData` is the model); the buttons
themselves are declared in `bot.rules.callbacks`.

A codec is a frozen dataclass whose fields are what the button carries:
`Ack(broadcast=7).pack()` is `"ack:7"`, `Ack.parse("ack:7")` is `Ack(broadcast=7)` and
`Ack.pattern()` is the anchored regex a `CallbackQueryHandler` takes. `parse` returns None for
anything that is not exactly such data, so a handler never parses text itself.

Field kinds, from the annotation: `int` (1-12 digits), `date` (YYYYMMDD), `bool` (y/n), and
`str` with its alphabet in the field's metadata: `one_of(...)` (fixed words, optionally coded
shorter: `one_of(member="m", secretary="s")`) or `token(...)` (a regex). `int` may be narrowed
with `digits(n)`. A field whose default is None is optional and must be the last.
"""


from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from functools import cache
from typing import Any, ClassVar, Self, get_type_hints

LIMIT = 64  # bytes: Telegram's limit for callback_data

_INT = r"\d{1,12}"


def one_of(*words: str, **coded: str) -> dict[str, Any]:
    """Field metadata: the value is one of `words` (or of `coded`'s keys, sent as its values)."""
    codes = {word: word for word in words} | coded
    return {"codes": codes}


def digits(most: int) -> dict[str, Any]:
    """Field metadata: an `int` of at most `most` digits (a page number)."""
    return {"digits": most}


def token(regex: str) -> dict[str, Any]:
    """Field metadata: the value is free text matching `regex` (no ':')."""
    assert ":" not in regex
    return {"regex": regex}


@dataclasses.dataclass(frozen=True)
class _Kind:
    regex: str
    dump: Any  # value -> text
    load: Any  # text -> value


def _kind(spec: dataclasses.Field[Any], hint: Any) -> _Kind:
    base = hint
    if getattr(hint, "__args__", None) and type(None) in hint.__args__:
        base = next(a for a in hint.__args__ if a is not type(None))
    if base is bool:
        return _Kind("[yn]", lambda v: "y" if v else "n", lambda t: t == "y")
    if base is int:
        regex = rf"\d{{1,{spec.metadata['digits']}}}" if "digits" in spec.metadata else _INT
        return _Kind(regex, lambda v: str(int(v)), int)
    if base is date:
        return _Kind(r"\d{8}", lambda v: f"{v:%Y%m%d}",
                     lambda t: datetime.strptime(t, "%Y%m%d").date())
    if "codes" in spec.metadata:
        codes: dict[str, str] = spec.metadata["codes"]
        words = {code: word for word, code in codes.items()}
        alternatives = sorted(codes.values(), key=len, reverse=True)
        return _Kind("|".join(re.escape(code) for code in alternatives),
                     lambda v: codes[v], lambda t: words[t])
    if "regex" in spec.metadata:
        return _Kind(spec.metadata["regex"], str, str)
    raise TypeError(f"no kind for field {spec.name}: {hint}")


class Button:
    """Base of the codecs: subclasses are frozen dataclasses declared with a prefix."""

    prefix: ClassVar[str]
    every: ClassVar[list[type[Button]]] = []

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        assert re.fullmatch(r"[a-z0-9]{1,6}(:[a-z]{1,6}){0,2}", prefix), prefix
        cls.prefix = prefix
        Button.every.append(cls)

    @classmethod
    @cache
    def _fields(cls) -> tuple[tuple[str, _Kind, bool], ...]:
        hints = get_type_hints(cls)
        found = []
        for spec in dataclasses.fields(cls):  # type: ignore[arg-type]
            optional = spec.default is None
            found.append((spec.name, _kind(spec, hints[spec.name]), optional))
        assert all(not optional for _, _, optional in found[:-1]), "only the last may be optional"
        return tuple(found)

    @classmethod
    @cache
    def _regex(cls) -> re.Pattern[str]:
        parts = [re.escape(cls.prefix)]
        for _, kind, optional in cls._fields():
            part = f":({kind.regex})"
            parts.append(f"(?:{part})?" if optional else part)
        return re.compile("^" + "".join(parts) + "$")

    def pack(self) -> str:
        """The callback data of this button."""
        parts = [self.prefix]
        for name, kind, optional in self._fields():
            value = getattr(self, name)
            if value is None and optional:
                continue
            parts.append(kind.dump(value))
        data = ":".join(parts)
        if not self._regex().match(data) or len(data.encode()) > LIMIT:
            raise ValueError(f"not a valid {type(self).__name__}: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | object) -> Self | None:
        """The button `data` stands for, or None if it is not exactly one of these."""
        if not isinstance(data, str):
            return None
        match = cls._regex().match(data)
        if match is None:
            return None
        values = {}
        for (name, kind, _), text in zip(cls._fields(), match.groups(), strict=True):
            try:
                values[name] = None if text is None else kind.load(text)
            except ValueError:  # 20261399 matches \d{8} but is no day
                return None
        return cls(**values)

    @classmethod
    def later(cls, placeholder: str, **values: Any) -> str:
        """The data of a button for a row not yet written: its one missing `int` field (the
        row's id) is `placeholder`, which storage replaces with the id when it writes the row."""
        missing = [name for name, _, optional in cls._fields()
                   if name not in values and not optional]
        assert len(missing) == 1, missing
        sentinel = 10 ** 12 - 1
        data = cls(**values, **{missing[0]: sentinel}).pack()
        assert data.count(str(sentinel)) == 1
        return data.replace(str(sentinel), placeholder)

    @classmethod
    def pattern(cls, **fixed: Any) -> str:
        """The regex of this codec's data for a `CallbackQueryHandler`; `fixed` narrows
        fields to one value (`Task.pattern(action="dec")`) or a tuple of them."""
        parts = [re.escape(cls.prefix)]
        for name, kind, optional in cls._fields():
            regex = kind.regex
            if name in fixed:
                wanted = fixed[name] if isinstance(fixed[name], tuple) else (fixed[name],)
                regex = "|".join(re.escape(kind.dump(value)) for value in wanted)
            part = f":(?:{regex})"
            parts.append(f"(?:{part})?" if optional and name not in fixed else part)
        return "^" + "".join(parts) + "$"
