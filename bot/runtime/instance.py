"""One running bot per database: `frontline run` holds `<database>.lock` while it runs.

Two bots on one database would each send every broadcast, reminder and digest, so every
recipient would get them twice. `frontline run` therefore takes an exclusive `flock` on a
file beside the database (`frontline.db.lock`, created 0600) before it opens the database,
and keeps it until the process ends; a second `run` on the same database, whichever config
file or relative path leads to it, is refused at once with one line saying which process
holds it (pid, host, since when). `frontline migrate` takes the same hold for the time of
the migration, so it is refused while the bot runs (a running bot must not have its schema
changed under it).

The other commands (`invite`, `branch add`, `branch list`, `households import`, `backup`)
do not take the hold: they are meant to be used while the bot runs, and SQLite serializes
their writes with the bot's (WAL, a busy timeout). They never migrate the schema either.

The kernel releases a `flock` when its process ends, however it ends (SIGKILL, a crash, a
power cut), so a stale hold never blocks a restart: the lock file itself stays, and its
contents (who held it last) are simply overwritten by the next holder. The file is never
deleted, because deleting it while another process waits on it would let two processes
hold two different files. The time is written in UTC and shown with its offset.

Locking is advisory and local: it protects against a second `frontline run` on this
machine (and on a network file system that supports `flock`), not against other programs.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import TracebackType

from storage.db import FILE_MODE

SUFFIX = ".lock"


class InUse(Exception):
    """Another process holds the database; the message says who, in one line."""


class LockUnavailable(Exception):
    """The lock file cannot be created or locked (permissions, ...); one line."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a database."""

    pid: int | None
    host: str
    since: datetime | None
    command: str

    def describe(self, zone: tzinfo) -> str:
        """`pid 123 on host since 2026-03-02 08:30:00+08:00 (frontline run)`, what is known."""
        pid = f"pid {self.pid}" if self.pid is not None else "another process"
        host = f" on {self.host}" if self.host else ""
        since = (f" since {self.since.astimezone(zone).isoformat(sep=' ', timespec='seconds')}"
                 if self.since is not None else "")
        command = f" ({self.command})" if self.command else ""
        return f"{pid}{host}{since}{command}"


def lock_path(database: Path) -> Path:
    """The lock file of a database: beside the real file, whatever path leads to it."""
    real = Path(os.path.realpath(database))
    return real.with_name(real.name + SUFFIX)


class InstanceLock:
    """An exclusive hold on a database for as long as this process wants it.

    Use as a context manager, or `acquire()` / `release()`.
    """

    def __init__(self, database: Path, *, zone: tzinfo = UTC,
                 command: str = "frontline run") -> None:
        self.database = Path(os.path.realpath(database))
        self.path = lock_path(database)
        self.zone = zone
        self.command = command
        self._fd: int | None = None

    def acquire(self, *, now: datetime | None = None) -> None:
        """Take the hold, or raise `InUse` naming its holder (never waits)."""
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        except OSError as exc:
            raise LockUnavailable(f"{self.path}: cannot create the lock file "
                                  f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise InUse(f"{self.database} is in use by {holder.describe(self.zone)}; "
                        "stop it first (one bot per database)") from None
        except OSError as exc:
            os.close(fd)
            raise LockUnavailable(f"{self.path}: cannot lock the file "
                                  f"({exc.strerror or exc})") from None
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "since": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
              "command": self.command}
        data = (json.dumps(me) + "\n").encode()
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        except OSError:
            pass  # the hold is what counts; the description is a courtesy
        self._fd = fd

    def release(self) -> None:
        """Give the hold up (the file stays; see the module docstring)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor releases the flock

    @property
    def held(self) -> bool:
        """True between `acquire` and `release`."""
        return self._fd is not None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read_holder(fd: int) -> Holder:
    """What the holder wrote in the lock file; empty fields where it is unreadable."""
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8"))
        pid = data.get("pid")
        since = datetime.fromisoformat(data["since"]) if data.get("since") else None
        return Holder(pid=pid if isinstance(pid, int) else None,
                      host=str(data.get("host") or ""), since=since,
                      command=str(data.get("command") or ""))
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        # Being written at this very moment, or damaged: the hold itself is certain.
        return Holder(pid=None, host="", since=None, command="")


def current_holder(database: Path) -> Holder | None:
    """Who holds the database now (`frontline status`), or None if nobody does.

    Looks without taking the hold: the lock file is opened read-only (and never created),
    a shared lock is tried without waiting and given back at once. A running bot's exclusive
    hold refuses it, and the holder is read from the file. The only cost is the instant of
    the test: a `frontline run` starting in that very microsecond is refused as if another
    bot held the database (exit 2; systemd's restart starts it again).
    """
    try:
        fd = os.open(lock_path(database), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None  # never held on this machine
    except OSError as exc:
        raise LockUnavailable(f"{lock_path(database)}: cannot read the lock file "
                              f"({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        except OSError as exc:
            raise LockUnavailable(f"{lock_path(database)}: cannot test the lock "
                                  f"({exc.strerror or exc})") from None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
