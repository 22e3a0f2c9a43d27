"""Every button's callback data, as a whole: `bot.rules.callbacks` is the only codec.

For each codec: what `pack` builds, `parse` reads back to the same button, fits Telegram's 64
bytes and matches the codec's `pattern` (what its handler is registered with); no other codec
reads it (two handlers would answer one button); and no text makes `parse` raise.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any, get_type_hints

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules import callbacks
from bot.rules.callbacks import Button
from tests.helpers import ROOT


def _values(spec: dataclasses.Field[Any], hint: Any) -> st.SearchStrategy[Any]:
    base = hint
    if getattr(hint, "__args__", None) and type(None) in hint.__args__:
        base = next(a for a in hint.__args__ if a is not type(None))
    if base is bool:
        found: st.SearchStrategy[Any] = st.booleans()
    elif base is int:
        found = st.integers(0, 10 ** spec.metadata.get("digits", 12) - 1)
    elif base is date:
        found = st.dates(date(1000, 1, 1), date(9999, 12, 31))
    elif "codes" in spec.metadata:
        found = st.sampled_from(sorted(spec.metadata["codes"]))
    else:
        found = st.from_regex(spec.metadata["regex"], fullmatch=True)
    return st.none() | found if spec.default is None else found


def _buttons(codec: type[Button]) -> st.SearchStrategy[Button]:
    hints = get_type_hints(codec)
    fields = {f.name: _values(f, hints[f.name]) for f in dataclasses.fields(codec)}  # type: ignore[arg-type]
    return st.builds(codec, **fields)


EVERY = st.sampled_from(Button.every).flatmap(_buttons)


def test_every_codec_is_declared_in_the_one_module() -> None:
    assert len(Button.every) >= 30
    packages = {codec.__module__.rpartition(".")[0] for codec in Button.every}
    assert packages == {"bot.rules.callbacks"}


@settings(max_examples=600)
@given(EVERY)
def test_what_a_button_packs_it_parses_back_and_nothing_else_reads(button: Button) -> None:
    data = button.pack()
    assert len(data.encode()) <= callbacks.LIMIT
    assert type(button).parse(data) == button
    assert re.match(type(button).pattern(), data)
    readers = [codec.__name__ for codec in Button.every if codec.parse(data) is not None]
    assert readers == [type(button).__name__]


@given(st.one_of(st.text(max_size=80), st.binary(max_size=80).map(repr),
                 st.sampled_from([c.prefix for c in Button.every]).flatmap(
                     lambda p: st.text(max_size=40).map(lambda t: f"{p}:{t}"))))
def test_no_text_makes_a_codec_raise(data: str) -> None:
    for codec in Button.every:
        parsed = codec.parse(data)
        assert parsed is None or (parsed.pack() == data and re.match(codec.pattern(), data))


def test_a_pattern_narrowed_to_one_value_matches_only_it() -> None:
    assert re.match(callbacks.Task.pattern(action="dec"), "tk:12:dec")
    assert not re.match(callbacks.Task.pattern(action="dec"), "tk:12:done")
    assert re.match(callbacks.DigestButton.pattern(), "dg:1:20261203")
    assert re.match(callbacks.DigestButton.pattern(), "dg:1:20261203:silent")


def test_values_outside_a_codec_are_refused_when_packing() -> None:
    for bad in (callbacks.Ack(broadcast=10 ** 12), callbacks.PageButton("who", "x" * 41, 1),
                callbacks.Move(code="short", confirm=True)):
        try:
            bad.pack()
        except (ValueError, KeyError):
            continue
        raise AssertionError(f"{bad} packed")


def test_callback_data_is_built_nowhere_else() -> None:
    """No module but the codecs' spells a prefix, a data format or a handler's pattern."""
    prefixes = sorted({c.prefix.split(":")[0] for c in Button.every}, key=len, reverse=True)
    spelled = re.compile(rf"""f?["']({'|'.join(prefixes)}):"""
                         r"""|^\s*_?[A-Z_]*PREFIX\s*=|pattern=r?f?["']""")
    offenders = []
    for top in ("bot", "handlers"):
        for path in (ROOT / top).rglob("*.py"):
            if path.name == "codec.py" or "callbacks" in path.parts or "sandbox" in path.parts:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if spelled.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
