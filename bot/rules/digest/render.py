"""Rendering a digest: what to show, long lists cut so that the whole digest fits in one
Telegram message, the buttons named; and the messages to a branch's secretaries and group."""

from __future__ import annotations

from datetime import date, datetime

from bot.i18n import Translate, pick_language
from bot.rules.digest import coverage
from bot.rules.digest.arguments import button, day_bounds
from bot.rules.digest.build import SHOW_NAMES, Digest, build, rate
from bot.rules.vocab import CARE
from bot.text import TEXT_LIMIT, cut, esc, utf16_len
from storage.rows import Branch, Buttons, DigestPerson, NewMessage
from storage.store import Store

SHOW_BRANCHES = 20  # sub-branch lines and buttons
NAME_MAX = 32  # characters of a person's or branch's name
DETAILS_MAX = 48  # characters of a need's details or a decline reason


def person_label(t: Translate, language: str, person: DigestPerson) -> str:
    """A named member with their branch (and, if silent, their last check-in)."""
    name, branch = esc(cut(person.name, NAME_MAX)), esc(cut(person.branch_name, NAME_MAX))
    if person.kind != "silent":
        return t(language, "digest.person", name=name, branch=branch)
    last = (person.last_day.strftime("%m-%d") if person.last_day
            else t(language, "digest.never"))
    return t(language, "digest.person_silent", name=name, branch=branch, last=last)


def _names(t: Translate, language: str, people: list[DigestPerson], total: int,
           shown: int) -> str:
    listed = people[:shown]
    text = t(language, "digest.separator").join(person_label(t, language, p) for p in listed)
    if total > len(listed):
        more = t(language, "digest.more", n=total - len(listed))
        text = f"{text} {more}" if text else more
    return text


def _age(t: Translate, language: str, created_at: str, as_of: datetime) -> str:
    minutes = max(0, int((as_of - datetime.fromisoformat(created_at)).total_seconds() // 60))
    if minutes < 60:
        return t(language, "need.age_minutes", n=minutes)
    if minutes < 48 * 60:
        return t(language, "need.age_hours", n=minutes // 60)
    return t(language, "need.age_days", n=minutes // 1440)


def _lines(t: Translate, language: str, d: Digest, now: datetime, *, private: bool,
           names: int, branches: int) -> tuple[list[str], Buttons]:
    c, lang = d.total, language
    lines = [t(lang, "digest.header", branch=esc(cut(d.branch.name, 64)),
               day=d.day.isoformat())]
    buttons: Buttons = []
    waiting = t(lang, "digest.waiting", n=d.waiting_total) if d.waiting_total else ""
    if c.members == 0:
        lines.append(t(lang, "digest.no_members") + waiting)
    else:
        if c.members_before:
            delta = c.checked - c.checked_before
            lines.append(t(lang, "digest.checked", checked=c.checked, members=c.members,
                           rate=rate(c.checked, c.members),
                           delta=(f"+{delta}" if delta > 0
                                  else ("±0" if delta == 0 else f"−{-delta}")),
                           before=c.checked_before,
                           before_rate=rate(c.checked_before, c.members_before)))
        else:  # nobody was a member the day before: there is nothing to compare with
            lines.append(t(lang, "digest.checked_first", checked=c.checked, members=c.members,
                           rate=rate(c.checked, c.members)))
        lines[-1] += waiting
        statuses = [(s, getattr(c, s)) for s in ("on_duty", "available", "unwell",
                                                 "quarantined", "off")]
        parts = [f"{t(lang, f'status.{s}')} {n}" for s, n in statuses if n]
        missing = c.members - c.checked
        if missing:
            parts.append(f"{t(lang, 'status.none')} {missing}")
        lines.append(" · ".join(parts))
    if private:
        for kind in CARE:
            total = getattr(c, kind)
            if total:
                people = [p for p in d.people if p.kind == kind]
                lines.append(t(lang, f"digest.{kind}", n=total,
                               names=_names(t, lang, people, total, names)))
    if c.silent:
        people = [p for p in d.people if p.kind == "silent"]
        lines.append(t(lang, "digest.silent", n=c.silent,
                       names=_names(t, lang, people, c.silent, names)))
    if c.needs_opened or c.needs_resolved or c.needs_open:
        lines.append(t(lang, "digest.needs", opened=c.needs_opened, resolved=c.needs_resolved,
                       open=c.needs_open, critical=c.needs_open_critical,
                       stale=c.needs_stale))
        as_of = min(now, day_bounds(d.day, d.branch.timezone)[1])
        for need in d.needs:
            lines.append(t(lang, "digest.need_line", id=need.id,
                           urgency=t(lang, f"need.urg_{need.urgency}"),
                           category=t(lang, f"need.cat_{need.category}"),
                           branch=esc(cut(need.branch_name, NAME_MAX)),
                           age=_age(t, lang, need.created_at, as_of),
                           details=esc(cut(need.details, DETAILS_MAX))))
        if c.needs_open > len(d.needs):
            lines.append("  " + t(lang, "digest.more_items", n=c.needs_open - len(d.needs)))
    if c.assigned or c.accepted or c.declined or c.done or c.overdue:
        lines.append(t(lang, "digest.tasks", tasks=c.tasks, assigned=c.assigned,
                       accepted=c.accepted,
                       declined=c.declined, done=c.done, overdue=c.overdue))
        for decline in d.declines:
            reason = (esc(cut(decline.reason, DETAILS_MAX)) if decline.reason
                      else t(lang, "digest.no_reason"))
            lines.append(t(lang, "digest.decline_line", name=esc(cut(decline.name, NAME_MAX)),
                           task=esc(cut(decline.title, DETAILS_MAX)), id=decline.task_id,
                           reason=reason))
        if c.declined > len(d.declines):
            lines.append("  " + t(lang, "digest.more_items", n=c.declined - len(d.declines)))
    handover: Buttons = []
    if d.coverage is not None:
        section, handover = coverage.lines(t, lang, d.coverage, private=private,
                                                  branches=branches, names=names)
        lines.extend(section)
    if d.broadcasts:
        lines.append(t(lang, "digest.acks", acks=d.acks, recipients=d.recipients,
                       rate=rate(d.acks, d.recipients), broadcasts=d.broadcasts))
    if d.children:
        lines.append(t(lang, "digest.children_header", n=len(d.children)))
        for child in d.children[:branches]:
            issues = [t(lang, key, n=n) for key, n in (
                ("digest.problem_unwell", child.unwell),
                ("digest.problem_quarantined", child.quarantined),
                ("digest.problem_critical", child.needs_open_critical),
                ("digest.problem_overdue", child.overdue),
                ("digest.problem_waiting", d.waiting.get(child.branch_id, 0))) if n]
            problems = (" · " + " · ".join(issues)) if issues else ""
            name = esc(cut(child.name, NAME_MAX))
            if child.members:
                lines.append(t(lang, "digest.child_line", branch=name, checked=child.checked,
                               members=child.members, rate=rate(child.checked, child.members),
                               problems=problems))
            else:
                lines.append(t(lang, "digest.child_empty", branch=name, problems=problems))
        if len(d.children) > branches:
            lines.append("  " + t(lang, "digest.more_branches", n=len(d.children) - branches))
    if private:
        row = []
        care = c.unwell + c.quarantined
        if care > min(names, d.shown):
            row.append((t(lang, "digest.button_unwell", n=care),
                        button(d.branch.id, d.day, "unwell")))
        if c.silent > min(names, d.shown):
            row.append((t(lang, "digest.button_silent", n=c.silent),
                        button(d.branch.id, d.day, "silent")))
        if row:
            buttons.append(row)
        drill = [(t(lang, "digest.button_branch", branch=cut(child.name, 24)),
                  button(child.branch_id, d.day)) for child in d.children[:branches]]
        buttons.extend(drill[i:i + 2] for i in range(0, len(drill), 2))
        buttons.extend(handover)
    return lines, buttons


def render(t: Translate, language: str, digest: Digest, now: datetime, *,
           private: bool = True) -> tuple[str, Buttons]:
    """The digest as one HTML message (≤ 4096 UTF-16 units) and its buttons.

    `private` is for a secretary's chat: names of the unwell and quarantined and the
    buttons are left out of a group's copy (health is not the whole group's business).
    Long lists are cut shorter and shorter until the message fits.
    """
    lines: list[str] = []
    buttons: Buttons = []
    for names, branches in ((SHOW_NAMES, SHOW_BRANCHES), (6, 12), (3, 8), (1, 5), (0, 3)):
        lines, buttons = _lines(t, language, digest, now, private=private,
                                names=min(names, digest.shown), branches=branches)
        text = "\n".join(lines)
        if utf16_len(text) <= TEXT_LIMIT:
            return text, buttons
    cut: list[str] = []
    size = 0
    for line in lines:  # last resort; cannot happen with the caps above
        size += utf16_len(line) + 1
        if size > TEXT_LIMIT - 2:
            cut.append("…")
            break
        cut.append(line)
    return "\n".join(cut), buttons


def render_list(t: Translate, language: str, branch: Branch, day: date, kind: str,
                people: list[DigestPerson]) -> list[str]:
    """A full list behind a digest button, as lines (the handler splits long ones)."""
    lines = [t(language, f"digest.list_{kind}", branch=esc(cut(branch.name, 64)),
               day=day.isoformat(), n=len(people))]
    for person in people:
        label = person_label(t, language, person)
        if kind == "unwell":
            label = f"{t(language, f'status.{person.kind}')} · {label}"
        lines.append(f"• {label}")
    if not people:
        lines.append(t(language, "digest.list_empty"))
    return lines


async def digest_messages(store: Store, translate: Translate, branch_id: int, day: date,
                          now: datetime) -> list[NewMessage]:
    """The digest of `branch_id` for `day`: to each secretary of the branch, and its group.

    Each secretary gets it in their language (the branch's locale if unknown), with the
    names of the unwell and the buttons; the linked group, if any, gets it in the branch's
    locale without them.
    """
    branch = await store.branches.get(branch_id)
    if branch is None:
        return []
    digest = await build(store, branch, day, now)
    rendered: dict[str, tuple[str, Buttons]] = {}
    messages = []
    for secretary in await store.people.branch_secretaries(branch_id):
        language = pick_language(secretary.language, secretary.telegram_language,
                                 branch.locale)
        if language not in rendered:
            rendered[language] = render(translate, language, digest, now)
        text, buttons = rendered[language]
        messages.append(NewMessage(secretary.member_id, secretary.member_id, text,
                                   buttons or None))
    if branch.group_chat_id is not None:
        text, _ = render(translate, branch.locale, digest, now, private=False)
        messages.append(NewMessage(branch.group_chat_id, None, text))
    return messages
