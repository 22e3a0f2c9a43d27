"""The weekly report: once a week each branch's secretaries get the week of its subtree.

When: each branch has a weekly day (`weekly_day`, mon..sun) and a weekly time (`weekly_time`,
HH:MM), set with `/settings weeklyday` and `/settings weekly` and inherited down the tree like
the daily times; when no branch up the tree sets them, Monday, at the branch's own digest
time. A branch's report is due once per local week (Monday..Sunday in the branch's timezone):
from the weekly day at the weekly time (DST as the daily runs: `rhythm.moment`) until the end
of that week. After downtime it is caught up while the week lasts; once the week is over, it
is not sent (the next week's report follows at its time).

Which days: the 7 local days before the weekly day (with the default Monday: the week just
ended, Monday..Sunday), whenever within the week the report actually goes out, so a report
caught up on Thursday still covers the same days. A report whose days all ended before the
branch was made is not sent (a branch made on Wednesday gets its first report next week).

The ledger: kind `weekly`, keyed by the ISO date of the Monday of the local week the report is
due in (not of the days it covers). The daily runs read the ledger from today's date only
(`store.runs.since`); the weekly run reads its own rows from the earliest such Monday of the
branches it may send (`store.runs.weeks_since`), so this week's row is found whatever the day
of the week. A row of this week or a later one means done: never twice, also across a restart
(the row and the report's outbox rows are written in one transaction) or a change of weekly
day (a report already sent this week is not sent again for a later day), nor after a timezone
change moved the branch back into a week the ledger has left behind.

Who: each secretary of the branch in their language; a root branch's report also goes to the
configured admins who are not among its secretaries. Not to the branch's group: the daily
digest goes there.

What: `build` counts with the daily digest's counting, day by day; `render` writes it; the
files (the week's chart and export) plug into `weekly_attachments`.

The package: `timing` (when a report is due, which days it covers), `build` (counting),
`render` (the text), `attachments` (the files' hook), `runs` (readers, messages, `run_due`).
"""

from bot.rules.weekly.attachments import Attachment, weekly_attachments
from bot.rules.weekly.build import DayCounts, WeekCounts, WeeklyReport, build, worst_first
from bot.rules.weekly.render import render
from bot.rules.weekly.runs import KIND, readers, run_due, weekly_messages
from bot.rules.weekly.timing import Week, is_due, week_of

__all__ = ["KIND", "Attachment", "DayCounts", "Week", "WeekCounts", "WeeklyReport", "build",
           "is_due", "readers", "render", "run_due", "week_of", "weekly_attachments",
           "weekly_messages", "worst_first"]
