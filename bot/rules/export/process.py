"""`/export`'s workbook built in a child process (`child`), so that the bot's event loop shares
nothing with the build, not even the GIL: while it runs, a press waits only for the bot's own
work.

The child is this Python (`sys.executable`) importing this very package (the folder `bot`
was imported from goes first on its path: an installed package, or the checkout of an
editable one, never whatever the working directory holds). It opens the database read-only
and writes the workbook into a temporary file made here (0600: it holds members' health
statuses), which the caller sends and then removes (`discard`).

Failures are `ExportFailed`, with the reason in English for the log: the child crashed or
exited with an error (its standard error is logged), took longer than `TIMEOUT_S`, or the bot
began to stop (`stopping`, asked twice a second): then the child is killed at once rather
than holding the bot's shutdown for the rest of the build, and the file is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import bot
from bot.i18n import Translator
from bot.rules.access import Actor, may_lead
from bot.rules.export import ExportFile, NoBranch, audit, build_export
from storage.branches import Defaults
from storage.store import Store

logger = logging.getLogger(__name__)

TIMEOUT_S = 300.0  # a root of 100,000 members over 30 days takes some 10 s
# Subtrees from this many members build in a child when the bot makes a workbook of its own
# (the weekly report, `build_workbook`); a smaller one is cheaper in the bot's process than
# starting a child (some 0.4 s of CPU), and holds the event loop less than that.
ISOLATE_FROM = 5_000
POLL_S = 0.5  # how often a build looks whether the bot is stopping
CHILD = "bot.rules.export.child"  # the module the child runs (its `main`)
# The child's program: the package's folder first on its path, then the module's main().
_BOOT = ("import sys; sys.path[0] = sys.argv[1]; import importlib; "
         "importlib.import_module(sys.argv[2]).main()")
_STDERR_TAIL = 4000  # characters of the child's standard error logged
PREFIX, SUFFIX = "frontline-export-", ".xlsx"  # the temporary workbooks' names
LEFT_BEHIND_S = 3600.0  # older than any build (TIMEOUT_S) and its sending: left behind


class ExportFailed(Exception):
    """The child did not make the workbook; the message says why (English, for the log)."""

    def __init__(self, reason: str, *, interrupted: bool = False) -> None:
        super().__init__(reason)
        self.interrupted = interrupted  # the bot began to stop


def discard(found: ExportFile | None) -> None:
    """Remove an export's temporary file (if any)."""
    if found is not None and found.path is not None:
        found.path.unlink(missing_ok=True)


def remove_left_behind(*, older_than_s: float = LEFT_BEHIND_S) -> int:
    """Remove the temporary workbooks an earlier bot left behind; how many were removed.

    A workbook is removed once sent, and a child whose bot died removes its own; but a bot
    killed between the child's answer and `discard` (SIGKILL, the power) leaves one: members'
    health statuses in the temporary folder. Start-up removes ours (`frontline-export-*.xlsx`
    of this user) older than `older_than_s`, so that never one a running bot is still
    building or sending (another bot on the host may share the folder). The service's own
    temporary folder (systemd's PrivateTmp, the container's tmpfs) is emptied anyway.
    """
    removed = 0
    cutoff = time.time() - older_than_s
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*{SUFFIX}"):
        try:
            status = path.lstat()
            if status.st_uid == os.getuid() and status.st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    if removed:
        logger.warning("removed %d temporary workbook(s) an earlier run left behind", removed)
    return removed


async def export_in_child(store: Store, translate: Translator, actor: Actor, branch_id: int,
                          first: date, last: date, *, now: datetime, language: str,
                          stopping: Callable[[], bool] = lambda: False) -> ExportFile:
    """`/export`'s use case: the workbook of `branch_id`'s subtree over `first`..`last`, built
    in a child process into a temporary file (`found.path`, which the caller removes:
    `discard`), audit-logged, and so is a failure (`ExportFailed`, re-raised).

    The caller has checked that `actor` may lead `branch_id` (`bot.rules.access.may_lead`);
    the records carry the notes the reader may read (`bot.rules.records.may_read_notes`).
    """
    notes = await may_lead(store, actor, branch_id)
    try:
        found = await build_in_child(
            store.db.path, store.defaults, translate.default, language, branch_id, first, last,
            now=now, notes=notes, reader_id=actor.user_id, stopping=stopping)
    except ExportFailed as failed:
        logger.error("the export of branch %s for %s failed: %s", branch_id, actor.user_id,
                     failed)
        await audit(store, actor.user_id, branch_id, first, last, notes=notes, found=None,
                    by="chat", at=now, failed=str(failed))
        raise
    try:
        await audit(store, actor.user_id, branch_id, first, last, notes=notes, found=found,
                    by="chat", at=now)
    except BaseException:
        discard(found)
        raise
    return found


async def build_workbook(store: Store, translate: Translator, language: str, root_id: int,
                         first: date, last: date, *, now: datetime, notes: bool,
                         members: int) -> ExportFile:
    """The workbook in memory (`data`), for a subtree of `members` members: built in this
    process below `ISOLATE_FROM` members, else in a child (then read back, and its file
    removed). Raises as `build_export` and `build_in_child` do."""
    if members < ISOLATE_FROM:
        return await build_export(store, translate, language, root_id, first, last, now=now,
                                  notes=notes)
    found = await build_in_child(store.db.path, store.defaults, translate.default, language,
                                 root_id, first, last, now=now, notes=notes, reader_id=None)
    try:
        assert found.path is not None
        data = await asyncio.to_thread(found.path.read_bytes)
    finally:
        discard(found)
    return replace(found, data=data, path=None)


def package_root() -> Path:
    """The folder the `bot` package was imported from (what the child imports too)."""
    return Path(bot.__file__).resolve().parent.parent


async def build_in_child(db_path: str, defaults: Defaults, locale: str, language: str,
                         root_id: int, first: date, last: date, *, now: datetime, notes: bool,
                         reader_id: int | None, limit_s: float | None = None,
                         stopping: Callable[[], bool] = lambda: False) -> ExportFile:
    """`build_export` in a child process, into a temporary file (`found.path`; the caller
    removes it, see `discard`), given `limit_s` seconds (None: `TIMEOUT_S`).

    Raises:
        NoBranch: no live branch `root_id`.
        ExportFailed: see the module's docstring (nothing is left behind).
    """
    fd, name = tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX)
    os.close(fd)
    path = Path(name)
    request = {"db": db_path, "defaults": asdict(defaults), "locale": locale,
               "language": language, "root": root_id, "first": first.isoformat(),
               "last": last.isoformat(), "now": now.isoformat(), "notes": notes,
               "reader": reader_id, "out": name}
    try:
        answer = await _run(request, TIMEOUT_S if limit_s is None else limit_s, stopping)
        if answer.get("error") == "no_branch":
            raise NoBranch(root_id)
        return ExportFile(answer["file_name"], int(answer["size"]), list(answer["sheets"]),
                          list(answer["rows"]), path=path)
    except BaseException:
        _remove(path)
        raise


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _run(request: dict[str, Any], limit_s: float,
               stopping: Callable[[], bool]) -> dict[str, Any]:
    """Start the child, hand it the request, wait for its answer (see the module)."""
    with tempfile.TemporaryFile() as errors:
        # Started here, not in a thread: it takes a millisecond, and a cancellation must never
        # lose the handle of a child that did start.
        child = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-c", _BOOT, str(package_root()), CHILD], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=errors, start_new_session=True)
        assert child.stdin is not None
        try:
            child.stdin.write(json.dumps(request).encode() + b"\n")
            child.stdin.flush()
            # Waited for in a worker thread: the event loop goes on answering everyone.
            waiting = asyncio.ensure_future(asyncio.to_thread(_answer_of, child))
            waiting.add_done_callback(_retrieved)  # also when it is given up on
            deadline = time.monotonic() + limit_s
            while not waiting.done():
                await asyncio.wait({waiting}, timeout=POLL_S)
                if waiting.done():
                    break
                if stopping():
                    raise ExportFailed("the bot is stopping", interrupted=True)
                if time.monotonic() > deadline:
                    raise ExportFailed(f"took longer than {limit_s:.0f} s")
            out = waiting.result()
        except BaseException:
            _end(child)
            _log_errors(errors, logging.WARNING)
            raise
        finally:
            with contextlib.suppress(OSError):
                child.stdin.close()
        status = child.returncode
        if status != 0 or not out.strip():
            _log_errors(errors, logging.ERROR)
            if status < 0:
                raise ExportFailed(f"the child was killed by signal {_signal_name(-status)}")
            raise ExportFailed(f"the child exited with status {status}")
        _log_errors(errors, logging.WARNING)
    answer: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return answer


def _answer_of(child: subprocess.Popen[bytes]) -> bytes:
    """The child's standard output, once it has exited (it prints one line, at the end)."""
    assert child.stdout is not None
    out = child.stdout.read()
    child.wait()
    child.stdout.close()
    return out


def _retrieved(waiting: asyncio.Future[bytes]) -> None:
    if not waiting.cancelled():
        waiting.exception()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _end(child: subprocess.Popen[bytes]) -> None:
    """Kill the child now (its output pipe closes, so the waiting thread ends and reaps it)."""
    with contextlib.suppress(ProcessLookupError):
        child.kill()


def _log_errors(errors: IO[bytes], level: int) -> None:
    """Log what the child wrote on its standard error (its last characters), if anything."""
    errors.seek(0)
    text = errors.read().decode("utf-8", "replace").strip()
    if text:
        logger.log(level, "the export's child process said: %s", text[-_STDERR_TAIL:])
