"""The words a member may type for a check-in status: `/checkin 身体不适 头疼`, `/checkin sick`.

Accepted, in either language whatever the member's: the status's number on the keyboard (1-5),
its code (`on_duty`), the words on its button (`🤒 身体不适`, `Unwell`, with or without the
icon, or the icon alone), its short word in the catalogue (`status.unwell_word`), and the common
synonyms below. Case, spaces, hyphens and underscores do not matter ("On duty", "on-duty").
The synonyms live here rather than in the catalogues because they are what members type, not
what the bot says: some are words the glossary keeps out of the bot's own texts (待命, 居家隔离).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator
from bot.rules.vocab import Status

SYNONYMS: dict[Status, tuple[str, ...]] = {
    Status.ON_DUTY: ("在岗", "上岗", "到岗", "在班", "值班", "上班", "正常",
                     "on duty", "duty", "working", "at work", "present", "here", "ok", "fine"),
    Status.AVAILABLE: ("可调用", "待命", "备勤", "机动", "有空", "空闲", "随时",
                       "available", "free", "standby", "on call", "ready"),
    Status.UNWELL: ("身体不适", "今日不适", "不适", "不舒服", "生病", "病了", "有病", "发烧",
                    "发热", "头疼", "头痛", "感冒", "咳嗽", "病假",
                    "unwell", "sick", "ill", "fever", "not well", "sick leave"),
    Status.QUARANTINED: ("隔离", "隔离中", "居家隔离", "集中隔离", "封控", "被隔离",
                         "quarantined", "quarantine", "in quarantine", "isolating", "isolation",
                         "self-isolating", "isolated"),
    Status.OFF: ("休息", "休假", "请假", "轮休", "调休", "不上班",
                 "off", "day off", "rest", "resting", "leave", "on leave", "off duty"),
}

WORDS_READ = 3  # "🟢 On duty" as on its button: a status named in up to three words


def normal(word: str) -> str:
    """A word as compared: lower case, letters and digits only (no icon, space or hyphen)."""
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _icon(label: str) -> str | None:
    """The icon in front of a button's words ("🤒" of "🤒 身体不适"), if it has one."""
    first = label.split()[0] if label.split() else ""
    return first if first and not normal(first) else None


def vocabulary(translate: Translator) -> dict[str, Status]:
    """Every accepted word (as `normal` makes it, icons as they are) and its status."""
    known: dict[str, Status] = {}
    for number, status in enumerate(Status, start=1):
        words = [str(number), status.value, *SYNONYMS[status]]
        for language in translate.catalogs:
            label = translate(language, f"status.{status}")
            words += [label, translate(language, f"status.{status}_word")]
            icon = _icon(label)
            if icon:
                known[icon] = status
        for word in words:
            known.setdefault(normal(word), status)
    known.pop("", None)
    return known


def status_of(translate: Translator, words: Sequence[str]) -> tuple[Status, int] | None:
    """The status the first words name and how many words that took (the most that name one:
    "🟢 On duty" is three), or None."""
    known = vocabulary(translate)
    for count in range(min(WORDS_READ, len(words)), 0, -1):
        phrase = " ".join(words[:count]).strip()
        found = known.get(phrase) or known.get(normal(phrase))
        if found is not None:
            return found, count
    return None


def choices(translate: Translator, language: str) -> list[str]:
    """The statuses as a member would type them, in `language`: the button's words without
    their icon."""
    names = []
    for status in Status:
        label = translate(language, f"status.{status}")
        icon = _icon(label)
        names.append(label[len(icon):].strip() if icon else label)
    return names
