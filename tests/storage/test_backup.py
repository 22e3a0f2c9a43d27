"""Online copies of a live database (storage/backup.py): taken in steps from one snapshot
while another connection writes, never started over, checked before they are given their
name."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from storage.backup import CopyFailed, copy_database, integrity
from storage.store import Store


def seed(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.executemany("INSERT INTO audit_log(at, action, allowed, detail) VALUES"
                         " ('2026-03-02T00:00:00+00:00', 'seed', 1, ?)",
                         [("x" * 500,) for _ in range(2000)])
        conn.commit()


def hidden_or_beside(path: Path) -> list[str]:
    """Temporary files (.NAME.partial) and SQLite's files beside a database."""
    return [p.name for p in path.parent.iterdir()
            if p.name.startswith(".") or p.name.startswith(f"{path.name}-")]


async def test_a_copy_in_steps_is_one_snapshot_while_another_connection_writes(
        store: Store, tmp_path: Path) -> None:
    source = Path(store.db.path)
    seed(source)
    writer = sqlite3.connect(source, timeout=5, isolation_level=None)
    written = []

    def write_between_steps(remaining: int, total: int) -> None:
        """Another connection commits a pair of rows after each of the copy's first 30 steps
        (not more: a copy that started over at each write would never end)."""
        if len(written) >= 30:
            return
        writer.execute("BEGIN IMMEDIATE")
        for _ in range(2):
            writer.execute("INSERT INTO audit_log(at, action, allowed, detail) VALUES"
                           " ('2026-03-02T00:00:00+00:00', 'pair', 1, ?)", (str(remaining),))
        writer.execute("COMMIT")
        written.append(remaining)

    try:
        copied = copy_database(source, tmp_path / "copy.db", pages=8,
                               on_step=write_between_steps)
    finally:
        writer.close()
    assert copied.steps > 30 and len(written) == 30
    # Never started over: each step copied its pages once.
    assert copied.steps == -(-copied.pages // 8)
    copy = tmp_path / "copy.db"
    assert integrity(copy) == "ok"
    with closing(sqlite3.connect(copy)) as conn:
        # The snapshot taken when the copy began: the seed, none of the writes made since.
        assert conn.execute("SELECT action, count(*) FROM audit_log GROUP BY action"
                            ).fetchall() == [("seed", 2000)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert hidden_or_beside(copy) == []
    assert await store.db.fetchone("SELECT count(*) FROM audit_log WHERE action = 'pair'") == (
        60,)


async def test_a_damaged_copy_is_removed_and_an_older_file_kept(
        store: Store, tmp_path: Path) -> None:
    source = Path(store.db.path)
    seed(source)
    dest = tmp_path / "copy.db"
    dest.write_bytes(b"the previous copy")

    def cut(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])

    with pytest.raises(CopyFailed, match=r"copy\.db: the copy"):
        copy_database(source, dest, before_check=cut)
    assert dest.read_bytes() == b"the previous copy"
    assert hidden_or_beside(dest) == []  # no temporary file left
