"""The conduct use case called directly (`records.add_conduct`): a commendation is recorded,
audited and sent to the member in their language; a note is recorded and audited, and
nobody is told (the commands are in test_records and test_notes_private)."""

from __future__ import annotations

from datetime import timedelta

from bot.rules import records
from bot.sandbox.harness import SandboxBot
from tests.e2e.counting import Counting, audited
from tests.helpers import MEM_A1, MEM_A2, SEC_A, build_org, t


async def test_a_commendation_is_told_in_the_members_language(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(MEM_A1,))
    deps = Counting(bot)
    before = len(bot.sandbox.bot_messages(MEM_A1))
    await records.add_conduct(deps, SEC_A, "Sa <b>", MEM_A1, org.a, "commendation", "<i>ok</i>")
    assert deps.wakes == 1
    assert await audited(bot, "commend") == [(SEC_A, {"member": MEM_A1})]
    await bot.drain()
    assert len(bot.sandbox.bot_messages(MEM_A1)) == before + 1
    assert bot.sandbox.last(MEM_A1).plain == t("record.commended", "en", author="Sa &lt;b&gt;",
                                               text="&lt;i&gt;ok&lt;/i&gt;")


async def test_a_note_tells_nobody(bot: SandboxBot) -> None:
    org = await build_org(bot)
    deps = Counting(bot)
    before = len(bot.sandbox.bot_messages(MEM_A2))
    await records.add_conduct(deps, SEC_A, "Sa", MEM_A2, org.a, "note", "late twice")
    assert deps.wakes == 0
    assert await audited(bot, "note") == [(SEC_A, {"member": MEM_A2})]
    await bot.drain()
    assert len(bot.sandbox.bot_messages(MEM_A2)) == before
    now = bot.clock.now()
    entries = await bot.store.records.conduct_entries(MEM_A2, now - timedelta(days=1),
                                                      now + timedelta(days=1))
    assert [(e.kind, e.text) for e in entries] == [("note", "late twice")]
