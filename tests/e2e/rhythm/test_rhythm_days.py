"""Each local day gets its prompt, reminder and digest once, in that order: /settings refuses
times out of order (for the branch and the sub-branches that inherit them), DST gaps and
folds, a timezone changed in the middle of a day, and the timezones the scheduler accepts.
The days are walked with the real application's `run_due` on the sandbox clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import is_timezone, suggest_timezone, timezones
from bot.config import ConfigError, config_from_mapping, valid_timezone
from bot.rules import rhythm
from bot.sandbox.harness import SandboxBot
from tests.helpers import ADMIN, SEC_A, SEC_A1, Org, build_org, make_bot

SHANGHAI, BERLIN, LOS_ANGELES = (ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin"),
                                 ZoneInfo("America/Los_Angeles"))
@dataclass(frozen=True)
class Event:
    """A run of Alpha's daily rhythm, as its ledger recorded it."""

    at: datetime
    kind: str
    day: str  # the local day the run was for


class Walk:
    """Calls run_due at every step of a stretch of time, as the minute tick would, and
    notes each run of Alpha (whose members and secretary get the messages) when it is done:
    the ledger records it with the messages it queued, in one transaction."""

    def __init__(self, bot: SandboxBot, branch: int) -> None:
        self.bot = bot
        self.branch = branch
        self.events: list[Event] = []
        self.queued = 0
        self._seen: dict[tuple[str, str], datetime] = {}

    async def at(self, when: datetime) -> None:
        self.bot.clock.set(when)
        self.queued += await rhythm.run_due(self.bot.store, self.bot.services.translate, when)
        runs = await self.bot.store.runs.times(self.branch)
        for (kind, day), done in sorted(runs.items(), key=lambda item: item[1]):
            if self._seen.get((kind, day)) != done:
                self.events.append(Event(done, kind, day))
        self._seen = runs

    async def through(self, start: datetime, end: datetime,
                      step: timedelta = timedelta(minutes=10)) -> None:
        when = start
        while when <= end:
            await self.at(when)
            when += step

    def kinds(self, zone: ZoneInfo, local_day: date, *, main: bool = True) -> list[str]:
        """The kinds of runs done during a local day of `zone`, in order."""
        return [e.kind for e in self.events if e.at.astimezone(zone).date() == local_day
                and (not main or e.kind != "escalate_rate")]

    def when(self, kind: str, zone: ZoneInfo, local_day: date) -> list[str]:
        """The local clock times at which `kind` was done that day."""
        return [e.at.astimezone(zone).strftime("%H:%M") for e in self.events
                if e.kind == kind and e.at.astimezone(zone).date() == local_day]


async def _rhythm(bot: SandboxBot, branch: int, **times: str) -> None:
    for column, value in times.items():
        await bot.store.schedules.set_setting(branch, column, value)


# --- /settings keeps the day in order ---------------------------------------------------------

async def test_settings_refuses_a_reminder_before_the_prompt(bot: SandboxBot, org: Org) -> None:
    t = bot.services.translate
    for command, key, times in (
            ("reminder 07:00", "settings.order_prompt", ("08:00", "07:00", "20:00")),
            ("reminder 08:00", "settings.order_prompt", ("08:00", "08:00", "20:00")),
            ("checkin 10:30", "settings.order_prompt", ("10:30", "10:00", "20:00")),
            ("digest 09:00", "settings.order_digest", ("08:00", "10:00", "09:00")),
            ("digest 10:00", "settings.order_digest", ("08:00", "10:00", "10:00")),
            ("reminder 22:00", "settings.order_digest", ("08:00", "22:00", "20:00"))):
        answer = await bot.send(SEC_A, f"/settings {command}")
        assert answer.plain == t("zh", "settings.bad_order", why=t(
            "zh", key, checkin=times[0], reminder=times[1], digest=times[2])), command
    settings = {s.column: s for s in await bot.store.schedules.settings(org.a)}
    assert all(settings[c].own is None for c in rhythm.TIME_COLUMNS)
    # In order, each step: later times move the reminder first, then the prompt.
    for command in ("digest 23:30", "reminder 21:59", "checkin 21:00", "checkin 06:00",
                    "reminder 06:01"):
        assert "已改为" in (await bot.send(SEC_A, f"/settings {command}")).plain, command
    answer = await bot.send(SEC_A, "/settings reminder 22:00")
    assert answer.plain == t("zh", "settings.bad_order", why=t(
        "zh", "settings.order_escalate", checkin="06:00", reminder="22:00", digest="23:30"))
    refused = [e for e in await bot.store.audit.entries() if e[2] == "settings" and not e[4]]
    assert len(refused) == 7


async def test_settings_order_in_english() -> None:
    async with make_bot() as bot:
        await build_org(bot, english=(SEC_A,))
        answer = await bot.send(SEC_A, "/settings reminder 7:30")
        t = bot.services.translate
        assert answer.plain == t("en", "settings.bad_order", why=t(
            "en", "settings.order_prompt", checkin="08:00", reminder="07:30", digest="20:00"))
        assert "before they were ever asked" in answer.plain


async def test_settings_judges_the_sub_branches_that_inherit(bot: SandboxBot, org: Org) -> None:
    t = bot.services.translate
    assert "已改为" in (await bot.send(SEC_A1, "/settings reminder 09:15")).plain
    # Alpha's prompt at 09:30 is fine for Alpha (reminder 10:00) but Alpha-1 inherits it
    # with its own reminder at 09:15.
    answer = await bot.send(SEC_A, "/settings checkin 09:30")
    times = {"checkin": "09:30", "reminder": "09:15", "digest": "20:00"}
    assert answer.plain == t("zh", "settings.bad_order", why=t(
        "zh", "settings.order_prompt", **times) + t(
        "zh", "settings.order_branch", branch="Alpha-1", id=org.a1,
        times=t("zh", "settings.order_times", **times)))
    assert "Alpha-1" in answer.plain
    assert "已改为" in (await bot.send(SEC_A, "/settings checkin 09:00")).plain
    # Beta's own times are out of order (set before /settings checked them): a change of
    # the root that Beta inherits is judged on Beta, one that leaves Beta alone is not.
    await _rhythm(bot, org.b, checkin_time="07:00", reminder_time="06:00")
    answer = await bot.send(ADMIN, f"/settings {org.root} digest 21:00")
    assert "未修改" in answer.plain and "Beta" in answer.plain
    await _rhythm(bot, org.b, digest_time="19:00")
    assert "已改为" in (await bot.send(ADMIN, f"/settings {org.root} digest 21:00")).plain
    # Clearing a value (inherit) is judged too.
    assert "已改为" in (await bot.send(SEC_A1, "/settings reminder 11:00")).plain
    assert "已改为" in (await bot.send(SEC_A1, "/settings checkin 10:30")).plain
    answer = await bot.send(SEC_A1, "/settings reminder inherit")
    assert answer.plain == t("zh", "settings.bad_order", why=t(
        "zh", "settings.order_prompt", checkin="10:30", reminder="10:00", digest="21:00"))
    a1 = {s.column: s for s in await bot.store.schedules.settings(org.a1)}
    assert (a1["checkin_time"].effective, a1["reminder_time"].effective) == ("10:30", "11:00")


# --- the scheduler: in order, once, across DST and timezone changes ------------------------

async def test_misordered_times_never_remind_before_the_prompt(bot: SandboxBot,
                                                               org: Org) -> None:
    """Times that slipped past /settings (the config's defaults, an old database): the
    reminder never goes out without that day's prompt before it."""
    await _rhythm(bot, org.root, reminder_time="07:00")
    walk = Walk(bot, org.a)
    day = date(2026, 3, 3)
    await walk.through(datetime(2026, 3, 3, 0, 0, tzinfo=SHANGHAI),
                       datetime(2026, 3, 3, 23, 30, tzinfo=SHANGHAI))
    assert walk.kinds(SHANGHAI, day) == ["prompt", "digest", "digest_chart"]


@pytest.mark.parametrize(("zone", "night"), [
    (BERLIN, date(2026, 3, 29)), (LOS_ANGELES, date(2026, 3, 8))])
async def test_a_prompt_inside_the_dst_gap(bot: SandboxBot, org: Org, zone: ZoneInfo,
                                           night: date) -> None:
    """02:30 does not exist on the spring-forward night: the prompt goes when the clocks
    jump (03:00), the reminder (03:00) keeps its half hour after it; every other day as
    set."""
    await bot.store.schedules.set_setting(org.root, "timezone", zone.key)
    assert "已改为" in (await bot.send(ADMIN, f"/settings {org.root} checkin 02:30")).plain
    assert "已改为" in (await bot.send(ADMIN, f"/settings {org.root} reminder 03:00")).plain
    walk = Walk(bot, org.a)
    before, after = night - timedelta(days=1), night + timedelta(days=1)
    await walk.through(datetime.combine(before, datetime.min.time(), zone),
                       datetime.combine(after, datetime.max.time(), zone))
    for day in (before, night, after):
        assert walk.kinds(zone, day) == ["prompt", "reminder", "digest", "digest_chart"], day
    assert walk.when("prompt", zone, before) == ["02:30"]
    assert walk.when("reminder", zone, before) == ["03:00"]
    assert walk.when("prompt", zone, night) == ["03:00"]
    assert walk.when("reminder", zone, night) == ["03:30"]
    assert walk.when("digest", zone, night) == ["20:00"]
    assert walk.when("prompt", zone, after) == ["02:30"]


async def test_the_fall_back_night_runs_once(bot: SandboxBot, org: Org) -> None:
    """02:00-03:00 happens twice when Berlin's clocks go back: each run once, the first time."""
    await bot.store.schedules.set_setting(org.root, "timezone", "Europe/Berlin")
    await _rhythm(bot, org.root, checkin_time="02:00", reminder_time="02:30")
    walk = Walk(bot, org.a)
    night = date(2026, 10, 25)
    await walk.through(datetime(2026, 10, 24, 22, tzinfo=UTC),
                       datetime(2026, 10, 25, 22, 30, tzinfo=UTC))
    assert walk.kinds(BERLIN, night) == ["prompt", "reminder", "digest", "digest_chart"]
    # 02:00 and 02:30 summer time, the first time the clocks show them
    assert [e.at for e in walk.events if e.kind in ("prompt", "reminder")] == [
        datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]


async def test_timezone_changed_west_in_the_middle_of_a_day(bot: SandboxBot, org: Org) -> None:
    """Shanghai to Los Angeles at 09:00 in Shanghai (17:00 of the day before in Los Angeles):
    that evening gets nothing more, the next Los Angeles day its prompt, reminder and digest,
    in that order, once."""
    walk = Walk(bot, org.a)
    await walk.through(datetime(2026, 3, 2, 19, tzinfo=SHANGHAI),
                       datetime(2026, 3, 3, 8, 50, tzinfo=SHANGHAI))
    assert [(e.kind, e.day) for e in walk.events] == [
        ("digest", "2026-03-02"), ("digest_chart", "2026-03-02"), ("prompt", "2026-03-03")]
    switch = datetime(2026, 3, 3, 9, tzinfo=SHANGHAI)
    bot.clock.set(switch)
    answer = await bot.send(ADMIN, f"/settings {org.root} timezone America/Los_Angeles")
    assert "America/Los_Angeles" in answer.plain
    await walk.through(switch, datetime(2026, 3, 4, 0, 30, tzinfo=LOS_ANGELES))
    after = [e for e in walk.events if e.at >= switch]
    first = after[0].at.astimezone(LOS_ANGELES)
    assert first.date() == date(2026, 3, 3)  # nothing more on the evening of the 2nd
    day = date(2026, 3, 3)
    assert walk.kinds(LOS_ANGELES, day) == ["prompt", "reminder", "digest", "digest_chart"]
    assert walk.when("prompt", LOS_ANGELES, day) == ["08:00"]
    assert walk.when("reminder", LOS_ANGELES, day) == ["10:00"]
    assert walk.when("digest", LOS_ANGELES, day) == ["20:00"]
    assert {e.day for e in after} == {"2026-03-03"}


async def test_timezone_changed_east_in_the_middle_of_a_day(bot: SandboxBot, org: Org) -> None:
    """Los Angeles to Shanghai at 09:00 in Los Angeles (01:00 of the next day in Shanghai):
    the new Shanghai day gets its prompt, reminder and digest, in order, once."""
    await bot.store.schedules.set_setting(org.root, "timezone", "America/Los_Angeles")
    walk = Walk(bot, org.a)
    await walk.through(datetime(2026, 3, 3, 7, tzinfo=LOS_ANGELES),
                       datetime(2026, 3, 3, 8, 50, tzinfo=LOS_ANGELES))
    assert [(e.kind, e.day) for e in walk.events] == [("prompt", "2026-03-03")]
    switch = datetime(2026, 3, 3, 9, tzinfo=LOS_ANGELES)
    bot.clock.set(switch)
    assert "已改为" in (await bot.send(ADMIN, f"/settings {org.root} timezone Asia/Shanghai")
                     ).plain
    await walk.through(switch, datetime(2026, 3, 4, 23, 50, tzinfo=SHANGHAI))
    after = [e for e in walk.events if e.at >= switch]
    assert [(e.kind, e.day) for e in after] == [
        ("prompt", "2026-03-04"), ("reminder", "2026-03-04"), ("escalate_rate", "2026-03-04"),
        ("digest", "2026-03-04"), ("digest_chart", "2026-03-04")]
    assert walk.when("prompt", SHANGHAI, date(2026, 3, 4)) == ["00:00", "08:00"]


# --- the timezones the scheduler can use ----------------------------------------------------

@pytest.mark.parametrize("name", ["Asia/Shanghai", "UTC", "Europe/Berlin",
                                  "America/Los_Angeles"])
def test_usable_timezones_pass_the_config(name: str) -> None:
    assert valid_timezone(name) and is_timezone(name)
    config = config_from_mapping({"defaults": {"timezone": name}}, source="config.toml")
    assert config.defaults.timezone == name


@pytest.mark.parametrize(("name", "hint"), [
    ("posix/Asia/Shanghai", "Asia/Shanghai"), ("right/Europe/Berlin", "Europe/Berlin"),
    ("asia/shanghai", "Asia/Shanghai"), ("localtime", None), ("Factory", None),
    ("Mars/Base", None), ("/etc/localtime", None), ("../zoneinfo/UTC", None)])
def test_unusable_timezones_fail_the_config_with_a_hint(name: str, hint: str | None) -> None:
    assert not valid_timezone(name)
    with pytest.raises(ConfigError) as raised:
        config_from_mapping({"defaults": {"timezone": name}}, source="config.toml")
    message = str(raised.value)
    assert message.startswith("config.toml: [defaults] timezone: expected an IANA timezone")
    assert repr(name) in message
    assert (f"did you mean {hint}?" in message) if hint else ("did you mean" not in message)


def test_the_usable_timezones() -> None:
    names = timezones()
    assert "Asia/Shanghai" in names and "UTC" in names and "Etc/UTC" in names
    assert not any(n.startswith(("posix/", "right/")) for n in names)
    assert "localtime" not in names and "posixrules" not in names and "Factory" not in names
    for name in names:  # each one loads and has a local day
        assert datetime(2026, 3, 3, tzinfo=UTC).astimezone(ZoneInfo(name)).date()
    assert suggest_timezone("POSIX/asia/shanghai") == "Asia/Shanghai"
    assert suggest_timezone("Mars/Base") is None


async def test_settings_accepts_exactly_the_usable_timezones(bot: SandboxBot, org: Org) -> None:
    t = bot.services.translate
    answer = await bot.send(SEC_A, "/settings timezone posix/Asia/Shanghai")
    assert answer.text == t("zh", "settings.bad_timezone_meant", value="posix/Asia/Shanghai",
                             meant="Asia/Shanghai")
    answer = await bot.send(SEC_A, "/settings timezone localtime")
    assert answer.text == t("zh", "settings.bad_timezone", value="localtime")
    settings = {s.column: s for s in await bot.store.schedules.settings(org.a)}
    assert settings["timezone"].own is None
    for typed, stored in (("Europe/Berlin", "Europe/Berlin"), ("UTC", "UTC"),
                          ("europe/berlin", "Europe/Berlin"), ("Asia/Shanghai", "Asia/Shanghai")):
        assert "已改为" in (await bot.send(SEC_A, f"/settings timezone {typed}")).plain
        settings = {s.column: s for s in await bot.store.schedules.settings(org.a)}
        assert settings["timezone"].own == stored


async def test_a_branch_in_any_usable_timezone_gets_its_rhythm(bot: SandboxBot, org: Org) -> None:
    """What /settings and the config accept, the scheduler runs (it used to skip a branch
    whose zone the config had let through, all day, with a log line)."""
    await bot.send(ADMIN, f"/settings {org.root} timezone UTC")
    walk = Walk(bot, org.a)
    await walk.through(datetime(2026, 3, 3, 7, 50, tzinfo=UTC),
                       datetime(2026, 3, 3, 8, 10, tzinfo=UTC))
    assert walk.kinds(UTC, date(2026, 3, 3)) == ["prompt"]
