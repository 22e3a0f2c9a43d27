"""One way to write a phone number, so that a roster re-import, a search and a lookup find
the same person whatever the spacing.

Decision: separators (spaces, dashes, dots, brackets) go; a leading `+` or `00` makes the
number international (`+` and digits); China's country code is dropped from a Chinese mobile
number (`+86 138 0013 8000` is `13800138000`), since the first organizations write their
members' numbers without it. Anything else with fewer than 5 or more than 15 digits is not a
phone number.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.()（）]+")
_CHINA_MOBILE = re.compile(r"^\+861\d{10}$")


def normal_phone(text: str) -> str | None:
    """`text` as a phone number written one way, or None if it is not one."""
    raw = _SEPARATORS.sub("", text.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    international = raw.startswith("+")
    digits = raw[1:] if international else raw
    if not (digits.isascii() and digits.isdigit()) or not 5 <= len(digits) <= 15:
        return None
    phone = ("+" if international else "") + digits
    if _CHINA_MOBILE.match(phone):
        return phone[3:]
    return phone
