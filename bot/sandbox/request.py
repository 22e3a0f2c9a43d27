"""PTB's request interface, answered by a `Sandbox` instead of the network."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.sandbox import vtime

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox


class SandboxRequest(BaseRequest):
    """A :class:`~telegram.request.BaseRequest` answered by a :class:`Sandbox`."""

    def __init__(self, sandbox: Sandbox) -> None:
        """Bind the request to ``sandbox``.

        Args:
            sandbox: The sandbox that answers the calls.
        """
        self._sandbox = sandbox
        self.initialized = False

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (nothing really times out in the sandbox)."""
        return 5.0

    async def initialize(self) -> None:
        """Mark the request as initialized (idempotent)."""
        self.initialized = True

    async def shutdown(self) -> None:
        """Mark the request as shut down (idempotent)."""
        self.initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call (POST) or file download (GET) from the sandbox.

        Args:
            url: The Bot API URL; the method name is its last path segment.
            method: ``"POST"`` for API calls, ``"GET"`` for file downloads.
            request_data: The call's parameters and uploaded files.
            read_timeout: Ignored.
            write_timeout: Ignored.
            connect_timeout: Ignored.
            pool_timeout: Ignored.

        Returns:
            The HTTP status code and the JSON payload.

        Raises:
            telegram.error.TimedOut: For an injected ``"timeout"`` fault.
        """
        sandbox = self._sandbox
        if sandbox._latency or sandbox._jitter:
            # Half the round trip there (plus jitter), half back: Telegram acts, and counts
            # its limits, when the request arrives.
            there = sandbox._latency / 2 + sandbox._latency_rng.uniform(0, sandbox._jitter)
            await asyncio.sleep(there)
            answer = await self._answer(url, method, request_data)
            await asyncio.sleep(sandbox._latency / 2)
            return answer
        return await self._answer(url, method, request_data)

    async def _answer(self, url: str, method: str,
                      request_data: RequestData | None) -> tuple[int, bytes]:
        if url.endswith("/getUpdates"):  # it waits for updates: not a piece of work
            return await self._sandbox.handle(url, method, request_data)
        # On virtual time, the sandbox's own work is Telegram's, not the bot's.
        with vtime.not_ours():
            return await self._sandbox.handle(url, method, request_data)
