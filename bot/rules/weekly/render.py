"""Rendering a weekly report: one HTML message (at most 4096 UTF-16 units) in a reader's
language; the sub-branch lines are cut shorter until it fits."""

from __future__ import annotations

from bot.i18n import Translate
from bot.rules.digest.build import rate
from bot.rules.rhythm.values import DAYS
from bot.rules.weekly.build import WeekCounts, WeeklyReport
from bot.text import TEXT_LIMIT, cut, esc, utf16_len

NAME_MAX = 32  # characters of a branch's name in a sub-branch line
SHOW_BRANCHES = (20, 12, 8, 5, 3, 0)  # sub-branch lines, tried in turn until the text fits


def _child(t: Translate, language: str, child: WeekCounts) -> str:
    issues = [t(language, key, n=n) for key, n in (
        ("weekly.problem_open", child.needs_open),
        ("weekly.problem_critical", child.needs_open_critical),
        ("weekly.problem_overdue", child.overdue)) if n]
    problems = (" · " + " · ".join(issues)) if issues else ""
    name = esc(cut(child.name, NAME_MAX))
    if not child.member_days:
        return t(language, "weekly.child_empty", branch=name, problems=problems)
    return t(language, "weekly.child_line", branch=name, checked=child.checked,
             asked=child.member_days, rate=child.rate, problems=problems)


def _lines(t: Translate, language: str, report: WeeklyReport, branches: int) -> list[str]:
    c, lang = report.total, language
    lines = [t(lang, "weekly.header", branch=esc(cut(report.branch.name, 64)),
               first=report.first.isoformat(), last=report.last.isoformat())]
    if not c.member_days:
        lines.append(t(lang, "weekly.no_members"))
    else:
        lines.append(t(lang, "weekly.members", n=c.members))
        lines.append(t(lang, "weekly.checked", checked=c.checked, asked=c.member_days,
                       rate=c.rate))
        for day in report.days:
            name = t(lang, f"weekly.short_{DAYS[day.day.weekday()]}")
            if day.members:
                lines.append(t(lang, "weekly.day_line", name=name, day=day.day.strftime("%m-%d"),
                               checked=day.checked, members=day.members, rate=day.rate))
            else:
                lines.append(t(lang, "weekly.day_empty", name=name,
                               day=day.day.strftime("%m-%d")))
    if report.unwell or report.quarantined:
        lines.append(t(lang, "weekly.care", unwell=report.unwell,
                       quarantined=report.quarantined))
    if c.needs_opened or c.needs_resolved or c.needs_open:
        lines.append(t(lang, "weekly.needs", opened=c.needs_opened, resolved=c.needs_resolved,
                       open=c.needs_open, critical=c.needs_open_critical))
    if c.assigned or c.done or c.declined or c.overdue:
        lines.append(t(lang, "weekly.tasks", assigned=c.assigned, done=c.done,
                       declined=c.declined, overdue=c.overdue))
    if report.coverage is not None:
        cov = report.coverage
        lines.append(t(lang, "weekly.coverage", covered=cov.covered, households=cov.households,
                       rate=cov.rate))
    if report.broadcasts:
        lines.append(t(lang, "weekly.acks", broadcasts=report.broadcasts, acks=report.acks,
                       recipients=report.recipients, rate=rate(report.acks, report.recipients)))
    if report.children and branches:
        lines.append(t(lang, "weekly.children_header", n=len(report.children)))
        lines.extend(_child(t, lang, child) for child in report.children[:branches])
        if len(report.children) > branches:
            lines.append("  " + t(lang, "weekly.more_branches",
                                  n=len(report.children) - branches))
    elif report.children:
        lines.append(t(lang, "weekly.children_cut", n=len(report.children)))
    return lines


def render(t: Translate, language: str, report: WeeklyReport) -> str:
    """The weekly report as one HTML message, in `language`."""
    text = ""
    for branches in SHOW_BRANCHES:
        text = "\n".join(_lines(t, language, report, branches))
        if utf16_len(text) <= TEXT_LIMIT:
            return text
    return text  # cannot happen: without sub-branch lines the report is a few hundred units
