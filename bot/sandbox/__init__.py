"""An in-process fake of the Telegram Bot API for end-to-end tests, the demo and benchmarks.

A :class:`Sandbox` holds an in-memory model of users, chats, messages and files. Its
:meth:`Sandbox.request` returns a PTB :class:`~telegram.request.BaseRequest` that answers Bot API
calls from that model, so the real :class:`telegram.ext.Application` (including the
:class:`~telegram.ext.Updater` long polling) runs on top of it unchanged::

    sb = Sandbox()
    sb.add_user(42, "Ada")
    app = (
        ApplicationBuilder()
        .token(sb.token)
        .request(sb.request())
        .get_updates_request(sb.request())
        .build()
    )
    ...
    sb.user_sends(42, "/start")
    await sb.settle(app)
    assert "Welcome" in sb.last(42).plain

The sandbox checks what Telegram checks (text length, HTML markup, callback data size, edits
that change nothing, unknown chats, blocked users, stale callback queries) and answers with
the same HTTP status and description, so that bugs surface in tests. Faults (429, 5xx,
timeouts, 403, 400) can be scripted or injected at random.

The hot path is kept cheap: no deep copies, no logging, one ``json.dumps`` per response.
"""

from __future__ import annotations

from bot.sandbox.checks import SandboxError
from bot.sandbox.faults import FAULT_KINDS
from bot.sandbox.html import html_to_plain, parse_html
from bot.sandbox.models import SandboxMessage
from bot.sandbox.request import SandboxRequest
from bot.sandbox.server import Sandbox

__all__ = [
    "FAULT_KINDS",
    "Sandbox",
    "SandboxError",
    "SandboxMessage",
    "SandboxRequest",
    "html_to_plain",
    "parse_html",
]
