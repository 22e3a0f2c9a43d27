"""Virtual time for the sandbox: an event loop that skips its idle waits.

`VirtualTimeLoop` is asyncio's own selector loop whose clock (`loop.time()`) is the real
monotonic clock plus every wait it skipped. When the loop has nothing to do but wait for a
timer (a pacing wait, a retry_after pause, the sandbox's network latency, a backoff), it
moves its clock to that timer instead of sleeping. When work runs outside the loop (a
database statement on aiosqlite's thread, `asyncio.to_thread`), it waits for real: what
costs time on a real machine, CPU and database, still costs it here. So a benchmark of an
hour of paced sending at 30 messages a second takes the seconds its real work takes, with
rates, latencies and in-flight behaviour as they would be (the network is the sandbox's).

Everything that waits must wait on the loop's clock for this to hold: the outbox worker, the
sandbox's latency and flood control, and PTB's JobQueue all do.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import aiosqlite.core

T = TypeVar("T")


class _SkippingSelector:
    """Wraps the loop's selector: an idle wait with a timeout is skipped, not slept."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop) -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._inner.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None or self._loop.outside > 0:
            # Waiting for the outside world (a thread, a socket): wait for real, but never
            # longer than the next timer.
            return self._inner.select(timeout)
        self._loop.skipped += timeout
        return []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop on virtual time (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0.0  # seconds of idle waiting skipped so far
        self.excluded = 0.0  # seconds of work that is not ours (the sandbox's), not counted
        self._frozen_at: float | None = None
        self.outside = 0  # pieces of work under way outside the loop
        inner: Any = self._selector  # type: ignore[has-type]
        self._selector = _SkippingSelector(inner, self)

    def time(self) -> float:
        """The loop's clock: real monotonic time plus the waits it skipped, less the work
        that was not ours."""
        if self._frozen_at is not None:
            return self._frozen_at
        return time.monotonic() + self.skipped - self.excluded

    @contextmanager
    def not_ours(self) -> Iterator[None]:
        """Stop the clock while the code inside runs: the sandbox's work stands for
        Telegram's servers, whose time is not the bot's. Must not wait on the loop."""
        if self._frozen_at is not None:
            yield
            return
        self._frozen_at = self.time()
        began = time.monotonic()
        try:
            yield
        finally:
            self.excluded += time.monotonic() - began
            self._frozen_at = None

    def run_in_executor(  # type: ignore[override]
            self, executor: Executor | None, func: Callable[..., T],
            *args: Any) -> asyncio.Future[T]:
        """Run `func` in a thread; the loop waits for real while it runs."""
        self.outside += 1
        future = super().run_in_executor(executor, func, *args)
        future.add_done_callback(lambda _: self._outside_done())
        return future

    def _outside_done(self) -> None:
        self.outside -= 1


@contextmanager
def counting_database_work() -> Iterator[None]:
    """Count aiosqlite's statements as work outside the loop while they run (`run` does;
    the tests' loop factory keeps it on for the whole session)."""
    original = aiosqlite.core.Connection._execute

    @wraps(original)
    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        if not isinstance(loop, VirtualTimeLoop):
            return await original(self, fn, *args, **kwargs)
        loop.outside += 1
        try:
            return await original(self, fn, *args, **kwargs)
        finally:
            loop.outside -= 1

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]


@contextmanager
def not_ours() -> Iterator[None]:
    """`VirtualTimeLoop.not_ours` on the running loop if it is one; else nothing."""
    loop = asyncio.get_running_loop()
    if isinstance(loop, VirtualTimeLoop):
        with loop.not_ours():
            yield
    else:
        yield


def run(main: Coroutine[Any, Any, T] | Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a new `VirtualTimeLoop` (like `asyncio.run`)."""
    coro = main() if callable(main) else main
    with counting_database_work(), asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coro)  # type: ignore[arg-type]
