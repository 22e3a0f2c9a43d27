"""The daily digest: a branch's rollup over its whole subtree, worst sub-branch first.

One day, one clock: the digest looks at the check-ins of the given local day in every
branch of the subtree (a subtree spanning timezones is read with the day of the digest's
branch, a simplification: the digest is sent at that branch's evening), and counts needs,
tasks and broadcasts in that day's instants in the digest's branch's timezone. "Still
open" and "overdue" are judged at the end of that day, or now if the day is not over, so
a past day's digest shows the state of that evening.

Everything is counted in SQL (`storage.digest`); this package picks what to show, cuts long
lists so that the whole digest fits in one Telegram message, and names the buttons:
`dg:<branch>:<YYYYMMDD>` for a sub-branch's digest, `dg:<branch>:<YYYYMMDD>:unwell|silent`
for a full list of names.

The package: `arguments` (a day typed, a button's data), `build` (counting), `render` (the
message, and the messages to a branch's secretaries and group), `coverage` (the households
section), `rollup` (`/who` and `/roster` over a large subtree, by direct sub-branch).
"""

from bot.rules.digest.arguments import (
    LISTS,
    button,
    day_bounds,
    in_range,
    looks_like_day,
    parse_button,
    parse_day,
    today_of,
)
from bot.rules.digest.build import (
    SHOW_NAMES,
    Digest,
    build,
    full_list,
    problems,
    rate,
    worst_first,
)
from bot.rules.digest.render import digest_messages, person_label, render, render_list

__all__ = ["LISTS", "SHOW_NAMES", "Digest", "build", "button", "day_bounds",
           "digest_messages", "full_list", "in_range", "looks_like_day", "parse_button",
           "parse_day", "person_label", "problems", "rate", "render", "render_list", "today_of",
           "worst_first"]
