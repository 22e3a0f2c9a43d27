"""The daily rhythm: prompts, reminders, care messages, digests and escalations, each once.

Timers only wake; the ledger decides. `run_due` is the one function the scheduler's tick
(`bot.runtime.scheduler`: one JobQueue job a minute, and start-up), the demo and tests call with a
"now". For each branch, in its own timezone, a day holds
four runs at local clock times: the prompt (checkin_time), the reminder (reminder_time),
the rate escalation (reminder_time + 2h) and the digest (digest_time). Each local day gets
its prompt, reminder and digest once, in that order (`due_runs` has the rules):

- /settings keeps the times in order (prompt < reminder < digest, reminder + 2h before
  midnight: `check_order`); should times out of order reach the scheduler anyway (the
  config's defaults), it still never reminds before that day's prompt went out;
- a run is done when its time has come, while the day's next run has not (after downtime
  the prompt is sent late, until the digest's time, rather than a reminder to people never
  asked; the reminder then keeps its spacing after the prompt);
- a clock time the clocks skip (a DST gap) happens when they jump, one they show twice
  (the fall-back night) the first time (`moment`);
- it is not in the `runs` ledger for (branch, kind, local day), as the branch's
  timezone now reckons that day (`counted`: a timezone changed in the middle of a day);
- the branch existed before that moment (a branch made at 08:30 is not prompted for 08:00),
  and for the prompt, reminder and escalation, it existed before the day's prompt moment and
  the day is not one of its days off (the digest goes out on days off too).

Who gets what: the prompt goes to each reachable member of the branch itself (sub-branches
prompt their own members) who has not yet checked in today, with the five status buttons;
a member whose latest check-in (today, else yesterday) is unwell or quarantined gets the care
message instead, with the status buttons and a "report a need" button, and is not reminded
later that day. The reminder goes to reachable members without a check-in today.
The rate escalation tells the parent branch's secretaries when the branch's own check-in rate
is below `alert_below`; a critical need open longer than `critical_within_minutes` is told to
them once per need (ledger day "need:<id>"). A run's ledger row and its outbox rows are
written in one transaction, so a restart neither loses nor repeats one; the prompt and the
reminder of a big branch are written `PIECE` members at a time, each piece with the ledger
row's progress (`upto`) in one transaction, so that the writer's lock is held a few
milliseconds at a time, memory stays flat, and a run stopped half-way is resumed after the
last member queued.

The package: `values` (what /settings may hold, and the order of the day's times), `timetable`
(when each run is due), `messages` (what members are sent), `runs` (`run_due`).
"""

from bot.rules.rhythm.messages import (
    prompt_messages,
    reminder_messages,
    status_buttons,
)
from bot.rules.rhythm.runs import PIECE, run_due
from bot.rules.rhythm.timetable import counted, day_plan, due_runs, is_day_off, moment
from bot.rules.rhythm.values import (
    ESCALATE_AFTER,
    TIME_COLUMNS,
    BadValue,
    OrderProblem,
    check_order,
    format_minutes,
    order_problem,
    parse_clock,
    parse_days,
    parse_minutes,
    parse_value,
    parse_weekday,
)

__all__ = ["ESCALATE_AFTER", "PIECE", "TIME_COLUMNS", "BadValue",
           "OrderProblem", "check_order", "counted", "day_plan", "due_runs", "format_minutes",
           "is_day_off", "moment", "order_problem", "parse_clock", "parse_days", "parse_minutes",
           "parse_value", "parse_weekday", "prompt_messages", "reminder_messages", "run_due",
           "status_buttons"]
