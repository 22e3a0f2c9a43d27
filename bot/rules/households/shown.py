"""A workbook cell as the sheet shows it: Excel keeps a typed "3-1" as the date 1 March and
shows it through the cell's number format ("m-d" shows "3-1", 'm"月"d"日"' shows "3月1日").

`date_text(value, number_format)` renders a date or time through its format, or returns None
when the format holds what cannot be rendered exactly here (a locale's own short date,
Excel's built-in 14 "mm-dd-yy", which Excel shows in the computer's short-date style; other
calendars; digit styles); the import then refuses the row, saying why, rather than store a
text the secretary never saw. `CJK_DATE_IDS` are the built-in formats of Chinese, Japanese
and Korean Excel that openpyxl does not know: it hands their cells over as plain numbers
(the date's serial), which are dates all the same.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

CJK_DATE_IDS = frozenset({*range(27, 37), *range(50, 59)})
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOKEN = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|am/pm|a/p|y+|m+|d+|h+|s+|.', re.IGNORECASE | re.S)
_LITERAL = set(" -/:.,()年月日时分秒號号周星期")


def date_text(value: date | time, number_format: str) -> str | None:
    """`value` as the number format shows it, or None if it cannot be told exactly."""
    fmt = number_format.split(";", 1)[0]
    if not fmt or fmt.lower() in ("general", "mm-dd-yy", "@"):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime(1900, 1, 1, value.hour, value.minute, value.second)
    tokens = _TOKEN.findall(fmt)
    twelve = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for index, token in enumerate(tokens):
        lower = token.lower()
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif token.startswith("["):
            inner = lower[1:-1]
            if inner in ("h", "hh"):
                out.append(f"{moment.hour:0{len(inner)}d}")
            elif not (inner.startswith("$-") or inner.isalpha()):
                return None  # a calendar, a digit style, a condition
        elif lower[0] == "y":
            out.append(f"{moment.year % 100:02d}" if len(token) <= 2 else str(moment.year))
        elif lower[0] == "m":
            if _is_minute(tokens, index) and len(token) <= 2:
                out.append(f"{moment.minute:0{len(token)}d}")
            elif len(token) <= 2:
                out.append(f"{moment.month:0{len(token)}d}")
            else:
                name = _MONTHS[moment.month - 1]
                out.append(name[0] if len(token) == 5 else name if len(token) == 4 else name[:3])
        elif lower[0] == "d":
            if len(token) <= 2:
                out.append(f"{moment.day:0{len(token)}d}")
            else:
                name = _DAYS[moment.weekday()]
                out.append(name if len(token) >= 4 else name[:3])
        elif lower[0] == "h":
            hour = (moment.hour % 12 or 12) if twelve else moment.hour
            out.append(f"{hour:0{min(len(token), 2)}d}")
        elif lower[0] == "s":
            out.append(f"{moment.second:0{min(len(token), 2)}d}")
        elif lower == "am/pm":
            out.append("AM" if moment.hour < 12 else "PM")
        elif lower == "a/p":
            out.append("A" if moment.hour < 12 else "P")
        elif token in _LITERAL:
            out.append(token)
        else:
            return None  # a fraction of a second, an era, an unknown letter
    return "".join(out)


def _is_minute(tokens: list[str], index: int) -> bool:
    """An m or mm is minutes right after an hour or right before seconds (Excel's rule)."""
    for token in reversed(tokens[:index]):
        if token[0].isalpha() or token.startswith("["):
            if token[0].lower() == "h" or token.lower() in ("[h]", "[hh]"):
                return True
            break
    for token in tokens[index + 1:]:
        if token[0].isalpha():
            return token[0].lower() == "s"
    return False
