"""One way to write a phone number (bot.rules.roster.phones)."""

from __future__ import annotations

import pytest

from bot.rules.roster.phones import normal_phone


@pytest.mark.parametrize(("text", "expected"), [
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("+49 (30) 1234567", "+49301234567"),
    ("（010）6552 9988", "01065529988"),
    ("张伟", None),
    ("1234", None),
    ("+1234567890123456", None),
    ("", None),
])
def test_a_phone_is_written_one_way(text: str, expected: str | None) -> None:
    assert normal_phone(text) == expected
