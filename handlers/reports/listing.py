"""The lines `/who`, `/roster` and `/roster NAME` are made of: a member's name (linked to
their Telegram profile: only secretaries read these lists), their status, counts, and the
people on the roster who have not joined yet, told apart from those who have not checked in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.rules.digest import rollup
from handlers.core.context import Context
from handlers.core.members import linked
from handlers.core.replies import esc, status_label
from storage.roster import RosterEntry
from storage.rows import STATUSES, RosterRow


def name(context: Context, row: RosterRow) -> str:
    """A member as listed: their name linked to their profile, @username, unreachable."""
    text = linked(esc(row.name), row.member_id)
    if row.username:
        text += f" @{esc(row.username)}"
    if not row.reachable:
        text += " " + context.t("who.unreachable")
    return text


def member(context: Context, row: RosterRow, title: str | None = None) -> str:
    """A roster line: `• name · secretary: status — note`, a secretary called by `title` (what
    their branch calls its secretaries, `bot.rules.branches`) when given."""
    role = " · " + (title or context.t("role.secretary")) if row.role == "secretary" else ""
    note = f" — {esc(row.note)}" if row.note else ""
    return context.t("roster.member", name=name(context, row) + role,
                     status=status_label(context, row.status)) + note


def not_joined(context: Context, entry: RosterEntry) -> str:
    """A roster line of someone not yet joined: `• name: ⏳ not yet joined`."""
    return context.t("roster.member", name=esc(entry.name),
                     status=context.t("roster.not_joined"))


def counts(context: Context, found: Mapping[str, int]) -> str:
    """Today's check-ins by status, in one line."""
    parts = [f"{status_label(context, s)} {n}" for s, n in found.items()]
    return context.t("who.counts", counts=" · ".join(parts) if parts else context.t("who.none"))


def marks(context: Context, tally: rollup.BranchTally, waiting: int = 0) -> str:
    """Today's statuses of a part in short: `🟢 12 · 🤒 1 · ❔ 3 · ⏳ 2`."""
    parts = [f"{context.t(f'roster.mark.{s}')} {tally.statuses[s]}"
             for s in STATUSES if tally.statuses.get(s)]
    if tally.missing:
        parts.append(f"{context.t('roster.mark.none')} {tally.missing}")
    if waiting:
        parts.append(f"{context.t('roster.mark.waiting')} {waiting}")
    return " · ".join(parts)


def waiting_section(context: Context, people: Sequence[RosterEntry], *,
                    branches: bool) -> list[str]:
    """`/who`'s section of the people not yet joined, with how to send them their link
    (nothing when there are none); `branches`: say each one's branch."""
    if not people:
        return []
    lines = ["", context.t("who.waiting_header", n=len(people))]
    lines.extend(context.t("who.waiting_line", name=esc(p.name), branch=esc(p.branch_name))
                 if branches else f"• {esc(p.name)}" for p in people)
    lines.append(context.t("who.waiting_hint"))
    return lines
