"""The real bot running on the sandbox: used by `frontline demo`, the tests and benchmarks.

It starts the Application exactly as `run_polling` does (initialize, post_init, Updater
polling, start) but on the sandbox's requests and a manual clock, and stops it the same way.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from bot.clock import ManualClock
from bot.config import Config, StorageConfig
from bot.rules.invites import create_invite
from bot.runtime.app import FrontlineApp, build_application
from bot.runtime.services import Services
from bot.sandbox import Sandbox, SandboxMessage
from handlers.core.context import SERVICES_KEY
from storage.store import Store


class SandboxBot:
    """The Frontline application on an in-process fake Telegram.

    Use as `async with SandboxBot(config) as bot:`; `config.storage.path` decides where the
    database lives (a temporary directory when `db_path` is not given and the config keeps
    the default path).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        clock: ManualClock | None = None,
        sandbox: Sandbox | None = None,
        db_path: str | Path | None = None,
        outbox_rate: float | None = None,
        paid_rate: float | None = None,
    ) -> None:
        self.clock = clock or ManualClock(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
        self.sandbox = sandbox or Sandbox(now=self.clock.now)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        config = config or Config()
        if db_path is None and config.storage.path == StorageConfig().path:
            self._tmp = tempfile.TemporaryDirectory(prefix="frontline-")
            db_path = Path(self._tmp.name) / "frontline.db"
        if db_path is not None:
            config = replace(config, storage=StorageConfig(path=Path(db_path)))
        self.config = config
        self.app: FrontlineApp = build_application(
            config, token=self.sandbox.token, request=self.sandbox.request(),
            get_updates_request=self.sandbox.request(), clock=self.clock,
            outbox_rate=outbox_rate, paid_rate=paid_rate, create_database=True)
        self.running = False

    @property
    def services(self) -> Services:
        """The application's services."""
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services

    @property
    def store(self) -> Store:
        """The application's database."""
        return self.services.store

    async def start(self) -> None:
        """Start the application as `run_polling` would, with long polling on the sandbox."""
        app = self.app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
        await app.start()
        self.running = True

    async def stop(self) -> None:
        """Stop it as `run_polling` would."""
        if not self.running:
            return
        self.running = False
        app = self.app
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> SandboxBot:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    async def settle(self) -> None:
        """Wait until every queued update was fetched and handled (and the scheduler's run
        under way, such as the start-up catch-up, is done)."""
        scheduler = self.services.scheduler
        if scheduler is not None:
            await scheduler.idle()
        await self.sandbox.settle(self.app)

    async def drain(self, seconds: float = 30.0) -> None:
        """Wait until the outbox has sent everything pending (and updates are handled)."""
        await self.settle()
        outbox = self.services.outbox
        assert outbox is not None
        outbox.wake()
        try:
            await asyncio.wait_for(outbox.idle(), seconds)
        except TimeoutError:
            pending = await self.store.outbox.pending(after_id=0, limit=3)
            raise TimeoutError(f"the outbox is not idle after {seconds} s ({outbox.state()}); "
                               f"first pending rows: {pending}") from None
        await self.settle()

    async def send(self, user_id: int, text: str, *, chat_id: int | None = None) -> SandboxMessage:
        """A user sends text; returns the bot's last message in that chat afterwards."""
        self.sandbox.user_sends(user_id, text, chat_id=chat_id)
        await self.settle()
        return self.sandbox.last(chat_id if chat_id is not None else user_id)

    async def send_document(self, user_id: int, data: bytes, file_name: str,
                            caption: str | None = None, *, chat_id: int | None = None,
                            mime_type: str = "application/octet-stream") -> SandboxMessage:
        """A user sends a file (with an optional caption); returns the bot's last message.

        The bot can fetch the bytes through ``getFile`` and the file download, as from Telegram.
        """
        self.sandbox.user_sends_document(user_id, file_name, data, caption=caption,
                                         chat_id=chat_id, mime_type=mime_type)
        await self.settle()
        return self.sandbox.last(chat_id if chat_id is not None else user_id)

    async def press(self, user_id: int, button: str, *,
                    chat_id: int | None = None) -> SandboxMessage:
        """A user presses the button (by label or data) on the latest message that has it."""
        self.sandbox.press(user_id, button, chat_id=chat_id)
        await self.settle()
        return self.sandbox.last(chat_id if chat_id is not None else user_id)

    def user(self, user_id: int, first_name: str, *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "zh") -> int:
        """Add a Telegram user to the sandbox; returns the id."""
        self.sandbox.add_user(user_id, first_name, last_name=last_name, username=username,
                              language_code=language_code)
        return user_id

    async def invite_code(self, branch_id: int, role: str = "member", **kwargs: object) -> str:
        """Make an invite as the CLI would (no actor) and return its code."""
        invite = await create_invite(self.store, branch_id, role, created_by=None,
                                     now=self.clock.now(), **kwargs)  # type: ignore[arg-type]
        return invite.code

    async def join(self, user_id: int, branch_id: int, role: str = "member") -> None:
        """The user joins the branch through a fresh invite, as a real person would."""
        code = await self.invite_code(branch_id, role)
        await self.send(user_id, f"/start {code}")
