"""The roster's storage: people listed before they join, and claiming a row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from storage import roster
from storage.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def test_a_claimed_row_gives_the_member_its_name_and_is_no_longer_waiting(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    await store.initialize()
    try:
        root = await store.branches.create("东湖社区党委", None, at=NOW)
        child = await store.branches.create("第一支部", root, at=NOW)
        zhang = await store.roster.add(child, "member", "张伟", phone="13800138000",
                                       notes={"楼栋": "3"}, at=NOW)
        await store.roster.add(child, "member", "李娜", at=NOW)
        assert [e.name for e in await store.roster.waiting(root)] == ["张伟", "李娜"]
        assert await store.roster.waiting(root, subtree=False) == []
        assert await store.roster.waiting_counts(root) == {child: 2}

        await store.people.save(501, "Wei", None, "weiz", "zh", at=NOW)
        async with store.db.transaction() as tx:
            assert await roster.claim(tx, zhang, 501, "2026-12-01T09:00:00+00:00")
            assert not await roster.claim(tx, zhang, 502, "2026-12-01T09:00:00+00:00")
        person = await store.people.get(501)
        assert person is not None
        assert (person.display_name, person.phone) == ("张伟", "13800138000")
        entry = await store.roster.get(zhang)
        assert entry is not None and entry.member_id == 501 and not entry.waiting
        assert entry.notes == {"楼栋": "3"}
        assert await store.roster.of_member(501) == entry
        assert await store.roster.waiting_counts(root) == {child: 1}
    finally:
        await store.shutdown()
