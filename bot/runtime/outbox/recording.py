"""The outbox worker's outcomes written to the database, and the broadcasts' reports."""

from __future__ import annotations

import asyncio
import logging

from bot.runtime.outbox.state import WorkerState

logger = logging.getLogger(__package__)

DELIVERED = frozenset({"sent", "skipped", "unreachable"})  # see storage.health.DELIVERED
RECORD_RETRY = 0.5  # first wait before writing outcomes again; doubles up to MAX_RECORD_RETRY
MAX_RECORD_RETRY = 10.0


class Recording(WorkerState):
    """Writes outcomes in batches (retrying while it cannot) and reports broadcasts."""

    async def _record_loop(self) -> None:
        """Write the outcomes as they come, in one transaction each time; retry on failure."""
        retry = RECORD_RETRY
        while True:
            if not self._outcomes:
                if self._stopping and not self._sending:
                    return
                self._outcomes_ready.clear()
                await self._outcomes_ready.wait()
                continue
            batch = list(self._outcomes)
            try:
                await self.store.outbox.record(batch, at=self.clock.now())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._cannot_write(exc)
                if self._stopping and not self._sending:
                    return  # the rows stay pending: sent again at the next start
                await self.sleep(retry)
                retry = min(retry * 2, MAX_RECORD_RETRY)
                continue
            retry = RECORD_RETRY
            del self._outcomes[:len(batch)]
            if any(outcome.state in DELIVERED for outcome in batch):
                # Delivered (sent, skipped, unreachable): a failed message is not progress
                # (`bot.rules.health.outbox_stuck`).
                self.last_progress = self.clock.now()
            for outcome in batch:
                self._claimed.pop(outcome.row_id, None)
                self._written_since_read.add(outcome.row_id)
                if outcome.broadcast_id is not None:
                    self._touched.add(outcome.broadcast_id)
            if self._unwritable is not None:
                logger.warning("the database can be written again; sending resumes")
                self._unwritable = None
                self._writable.set()
            self._move()

    def _cannot_write(self, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if self._unwritable is None:
            # Once per incident: the log must not fill with a line a second.
            logger.error("cannot record what was sent (%s); sending is paused until the "
                         "database can be written", reason)
            self._writable.clear()
        self._unwritable = reason

    # --- broadcasts ------------------------------------------------------------------------------

    async def _report_touched(self) -> None:
        """Progress for the broadcasts that moved (at most every `progress_interval`), and
        the final report for those that finished."""
        touched, self._touched = self._touched, set()
        for broadcast_id in sorted(touched):
            try:
                finished = await self.store.broadcasts.finish(broadcast_id, at=self.clock.now())
            except Exception:
                logger.exception("could not mark broadcast %d finished", broadcast_id)
                self._touched.add(broadcast_id)
                continue
            if finished:
                await self._report(broadcast_id, finished=True)
            else:
                await self._maybe_progress(broadcast_id)

    async def _maybe_progress(self, broadcast_id: int) -> None:
        now = self.pacer.now()
        if now - self._last_progress.get(broadcast_id, 0.0) >= self.progress_interval:
            # Outcomes written while the broadcast was being marked finished touch it once
            # more after its final report: that report stays the last word.
            row = await self.store.broadcasts.get(broadcast_id)
            if row is not None and row.finished_at is not None:
                return
            self._last_progress[broadcast_id] = now
            await self._report(broadcast_id, finished=False)

    async def _report(self, broadcast_id: int, *, finished: bool) -> None:
        if self.progress is None:
            return
        try:
            await self.progress(broadcast_id, finished)
        except Exception:
            logger.exception("could not report the progress of a broadcast")
        if finished:
            self._last_progress.pop(broadcast_id, None)

    async def _finish_broadcasts(self) -> None:
        await self._report_touched()
        for broadcast_id in await self.store.broadcasts.unfinished():
            if await self.store.broadcasts.finish(broadcast_id, at=self.clock.now()):
                await self._report(broadcast_id, finished=True)
