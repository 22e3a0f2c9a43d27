"""`/record` (a member's record over a period), `/commend` and `/note` (secretaries)."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.clock import FIRST_DAY, OutOfRange, local_day
from bot.i18n import duration
from bot.rules import lookup, records
from bot.rules.access import may_lead
from bot.rules.records import Record
from bot.text import cut
from handlers.core import members, pages
from handlers.core.context import Context
from handlers.core.guards import named_member
from handlers.core.replies import esc, refuse, reply, say, status_label, utf16_len
from handlers.reports import leadership
from storage.rows import Person

TEXT_MAX = 500


def render(context: Context, name: str, branch: str, record: Record, *,
           link: int | None = None) -> list[str]:
    """The record as lines of HTML, in the reader's language; with `link` (the member's id,
    for a secretary reading someone else's record), the name links to their profile."""
    t = context.t
    shown = members.linked(esc(name), link) if link is not None else esc(name)
    lines = [t("record.header", name=shown, branch=esc(branch),
               first=record.first_day.isoformat(), last=record.last_day.isoformat(),
               days=record.days)]
    statuses = " · ".join(f"{status_label(context, s)} {n}"
                          for s, n in sorted(record.statuses.items(), key=lambda x: -x[1]))
    lines.append(t("record.checkins", done=record.checkin_days, days=record.days,
                   rate=round(100 * record.checkin_rate), statuses=statuses or "—"))
    lines.append(t("record.tasks", tasks=record.tasks, accepted=record.accepted,
                   declined=record.declined, done=record.done, overdue=record.overdue))
    if record.median_answer is not None:
        lines.append(t("record.answer", duration=duration(
            context.services.translate, context.language,
            record.median_answer.total_seconds() / 60)))
    else:
        lines.append(t("record.answer_none"))
    lines.append(t("record.needs", n=record.needs_reported))
    for kind in ("commendation", "note"):
        entries = [e for e in record.conduct if e.kind == kind]
        if entries:
            lines.append(t(f"record.{kind}_header", n=len(entries)))
            lines.extend(t("record.conduct_line", day=e.at.strftime("%m-%d"),
                           author=esc(e.author_name), text=esc(e.text)) for e in entries)
    return lines


async def _bad_period(update: Update, context: Context, words: list[str],
                      wrong: ValueError) -> None:
    if isinstance(wrong, OutOfRange):
        await say(update, context.t("record.out_of_range", value=esc(cut(wrong.text, 30)),
                                    first=wrong.first.isoformat(), last=wrong.last.isoformat()))
    else:
        await say(update, context.t("record.bad_period", value=esc(cut(" ".join(words), 30)),
                                    max=records.MAX_DAYS))


@members.resumable("record")
async def record(update: Update, context: Context) -> None:
    """`/record [member] [period]`: a record; members may only see their own."""
    actor = context.me
    args = members.words(update, context)
    now = context.clock.now()
    person = actor.person
    target: Person | None = person
    period_words = args
    if args:
        today = local_day(now, person.timezone if person and person.timezone
                          else context.config.defaults.timezone)
        try:
            records.parse_period(" ".join(args), today)
        except (OutOfRange, records.BadPeriod) as wrong:
            await _bad_period(update, context, args, wrong)
            return
        except ValueError:  # not a period: a member named by a secretary (else refused)
            match = await named_member(update, context, "record", args[0])
            if match is None:
                return
            target = await lookup.person(context.store, match.member_id)
            period_words = args[1:]
    if target is None or target.branch_id is None or not target.timezone:
        await reply(update, context.t("checkin.not_member"))
        return
    try:
        first, last = records.parse_period(" ".join(period_words),
                                           local_day(now, target.timezone))
    except ValueError as wrong:
        await _bad_period(update, context, period_words, wrong)
        return
    await pages.show(update, context, "record", f"{target.id}.{first:%Y%m%d}.{last:%Y%m%d}")


def _parse_view(argument: str) -> tuple[int, date, date] | None:
    parts = argument.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts) \
            or len(parts[0]) > 12 or len(parts[1]) != 8 or len(parts[2]) != 8:
        return None
    try:
        first, last = (date(int(p[:4]), int(p[4:6]), int(p[6:])) for p in parts[1:])
    except ValueError:
        return None
    return int(parts[0]), first, last


@pages.view("record")
async def record_view(update: Update, context: Context, argument: str) -> pages.Page | None:
    """A member's record over a period: to themself, or to a secretary over their branch
    (who alone sees the notes)."""
    actor = context.me
    parsed = _parse_view(argument)
    target = await lookup.person(context.store, parsed[0]) if parsed else None
    if parsed is None or target is None or target.branch_id is None or not target.timezone:
        await say(update, context.t("button.stale"))
        return None
    _, first, last = parsed
    today = local_day(context.clock.now(), target.timezone)
    if not FIRST_DAY <= first <= last <= today or (last - first).days >= records.MAX_DAYS:
        await say(update, context.t("record.out_of_range", value=f"{first}..{last}",
                                    first=FIRST_DAY.isoformat(), last=today.isoformat()))
        return None
    store = context.store
    if target.id != actor.user_id and not await may_lead(store, actor, target.branch_id):
        await refuse(update, context, "deny.outside_scope", action="record",
                     branch_id=target.branch_id, branch=esc(target.branch_name or ""))
        return None
    notes = await records.may_read_notes(store, actor, target)
    found = await records.member_record(store, target.id, target.timezone, first, last,
                                        context.clock.now(), notes=notes)
    lines = render(context, target.display_name, target.branch_name or "", found,
                   link=target.id if target.id != actor.user_id else None)
    lead = await leadership.block(context, target, first, last)
    if lead:
        lines += ["", *lead]
    return pages.Page("\n".join(lines), argument)


async def _conduct(update: Update, context: Context, kind: str) -> None:
    command = "commend" if kind == "commendation" else "note"
    args = members.words(update, context)
    actor = context.me
    if len(args) < 2:
        if not actor.leads:
            await refuse(update, context, "deny.secretary_only_nobranch", action=command,
                         command=f"/{command}")
            return
        await reply(update, context.t(f"record.{command}_usage"))
        return
    text = " ".join(args[1:]).strip()
    if utf16_len(text) > TEXT_MAX:
        await reply(update, context.t("record.too_long", length=utf16_len(text), max=TEXT_MAX))
        return
    match = await named_member(update, context, command, args[0])
    if match is None:
        return
    author = actor.person.display_name if actor.person else ""
    await records.add_conduct(context.services, actor.user_id, author, match.member_id,
                              match.branch_id, kind, text)
    await reply(update, context.t(f"record.{command}_saved", name=esc(match.name)))


@members.resumable("commend")
async def commend(update: Update, context: Context) -> None:
    """`/commend <member> <reason>`: a commendation on the record; the member is told."""
    await _conduct(update, context, "commendation")


@members.resumable("note")
async def note(update: Update, context: Context) -> None:
    """`/note <member> <text>`: a note on the member's record (they are not told)."""
    await _conduct(update, context, "note")


async def week_summary(context: Context) -> str | None:
    """One line for `/me`: the last 7 days of the member's own record."""
    actor = context.actor
    if actor is None or actor.person is None or not actor.person.timezone:
        return None
    now = context.clock.now()
    today = local_day(now, actor.person.timezone)
    first, last = records.parse_period(None, today)
    found = await records.member_record(context.store, actor.person.id, actor.person.timezone,
                                        first, last, now, notes=False)
    commended = sum(1 for e in found.conduct if e.kind == "commendation")
    return context.t("record.me_line", done=found.checkin_days, days=found.days,
                     tasks_done=found.done, tasks=found.tasks, commended=commended)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Handlers of this module."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("record", record, filters=private),
        CommandHandler("commend", commend, filters=private),
        CommandHandler("note", note, filters=private),
    ]


