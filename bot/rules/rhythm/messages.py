"""What the members are sent: the morning prompt, the care message and the reminder, with the
check-in keyboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.i18n import Translator, pick_language
from bot.rules.callbacks import CareNeed, Checkin
from bot.rules.vocab import CARE
from bot.text import esc
from storage.rows import STATUSES, Buttons, NewMessage, Recipient
from storage.schedule import Schedule, Target


def speak(contact: Recipient, translate: Translator, schedule: Schedule) -> str:
    """The language to write to a member in (theirs, else the branch's)."""
    return pick_language(contact.language, contact.telegram_language, schedule.locale)


def status_buttons(translate: Translator, language: str) -> Buttons:
    """The five status buttons, as the check-in keyboard lays them out."""
    buttons = [(translate(language, f"status.{s}"), Checkin(s).pack()) for s in STATUSES]
    return [buttons[:2], buttons[2:]]


def _latest(target: Target) -> str | None:
    return target.today or target.yesterday


def _keyboard(translate: Translator, language: str, care: bool,
              keyboards: dict[tuple[str, bool], Buttons]) -> Buttons:
    """The status buttons (and the care message's "report a need"), made once per language
    for all the messages of a run: the outbox turns each distinct keyboard into JSON once."""
    found = keyboards.get((language, care))
    if found is None:
        found = status_buttons(translate, language)
        if care:
            found.append([(translate(language, "care.need_button"), CareNeed().pack())])
        keyboards[(language, care)] = found
    return found


def _member_message(translate: Translator, schedule: Schedule, target: Target, key: str,
                    day: date, keyboards: dict[tuple[str, bool], Buttons], care: bool = False,
                    to_visit: int = 0) -> NewMessage:
    contact = target.contact
    language = speak(contact, translate, schedule)
    values: dict[str, Any] = {"name": esc(contact.name), "branch": esc(schedule.name),
                              "day": day.isoformat()}
    if care:
        values["status"] = translate(language, f"status.{_latest(target)}")
    text = translate(language, key, **values)
    if to_visit:
        text += "\n" + translate(language, "rhythm.to_visit", n=to_visit)
    return NewMessage(contact.member_id, contact.member_id, text,
                      _keyboard(translate, language, care, keyboards))


def prompt_messages(translate: Translator, schedule: Schedule, targets: Sequence[Target],
                    day: date, to_visit: Mapping[int, int] | None = None, *,
                    late: bool = False) -> list[NewMessage]:
    """The morning prompt, or the care message for the unwell and quarantined. A member who
    holds households is told how many are to be visited today (`to_visit`). A prompt sent
    late (after downtime, past the reminder's time) does not say good morning."""
    out = []
    keyboards: dict[tuple[str, bool], Buttons] = {}
    for target in targets:
        if not target.reachable:
            continue
        if _latest(target) in CARE:
            out.append(_member_message(translate, schedule, target, "care.message", day,
                                       keyboards, care=True))
        elif target.today is None:
            out.append(_member_message(
                translate, schedule, target, "rhythm.prompt_late" if late else "rhythm.prompt",
                day, keyboards, to_visit=(to_visit or {}).get(target.contact.member_id, 0)))
    return out


def reminder_messages(translate: Translator, schedule: Schedule, targets: Sequence[Target],
                      day: date) -> list[NewMessage]:
    """The reminder, to the silent (those cared for this morning are not nagged)."""
    keyboards: dict[tuple[str, bool], Buttons] = {}
    return [_member_message(translate, schedule, t, "rhythm.reminder", day, keyboards)
            for t in targets
            if t.reachable and t.today is None and t.yesterday not in CARE]
