"""The bot's small HTTP server: Telegram's webhook, /healthz, /readyz and /metrics.

One Starlette app served by uvicorn inside the bot's own event loop, as in PTB's
custom-webhook example (examples/customwebhookbot/starlettebot.py): the webhook route puts
each update on the Application's `update_queue`, which the running Application handles
like a polled one. Routes:

- POST `[webhook] path` (webhook mode only): the header X-Telegram-Bot-Api-Secret-Token
  must equal `[webhook] secret_token` (compared in constant time), else 403 and nothing is
  read further. Then the body must be one JSON update (at most `MAX_BODY` bytes), else 400;
  while the bot is stopping, 503 (Telegram tries again later: an update taken after the
  queue closed would be lost). Otherwise 200 at once; the update is handled after.
- GET /healthz: 200 "ok" while the process answers.
- GET /readyz: 200 when ready, else 503; the body says why (`bot.runtime.health`).
- GET /metrics: the Prometheus text format (`bot.runtime.metrics`).

`frontline run` binds the socket itself before anything else (`listen`), so that a port in
use is one line at start-up; uvicorn's own signal handling is off (the bot has its own,
`bot.runtime.lifecycle`), and so is its access log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.config import WebhookConfig
from bot.runtime.health import readiness
from bot.runtime.metrics import CONTENT_TYPE, exposition
from bot.runtime.services import Services
from handlers.core.context import SERVICES_KEY

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; more is not Telegram
GRACE_S = 2.0  # open connections get this long to finish when the server stops

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def asgi_app(application: AnyApplication, *, webhook: WebhookConfig | None = None,
             ) -> Starlette:
    """The ASGI app for a built Application; the webhook route only with `webhook`."""
    services: Services = application.bot_data[SERVICES_KEY]
    metrics = services.metrics

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        verdict = await readiness(services)
        return JSONResponse(verdict.as_json(), status_code=200 if verdict.ready else 503)

    async def metrics_page(request: Request) -> Response:
        return Response(await exposition(services), media_type=CONTENT_TYPE)

    routes = [Route("/healthz", healthz, methods=["GET"]),
              Route("/readyz", readyz, methods=["GET"]),
              Route("/metrics", metrics_page, methods=["GET"])]
    if webhook is not None:
        secret = webhook.secret_token.encode("ascii")

        async def telegram(request: Request) -> Response:
            given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
            if not secret or not hmac.compare_digest(given, secret):
                metrics.webhook_request("forbidden")
                return PlainTextResponse("forbidden", status_code=403)
            if not application.running:
                metrics.webhook_request("unavailable")
                return PlainTextResponse("stopping", status_code=503)
            update = await _update(request, application)
            if update is None:
                metrics.webhook_request("bad")
                return PlainTextResponse("not an update", status_code=400)
            await application.update_queue.put(update)
            services.receiving.posted()
            metrics.webhook_request("ok")
            return Response(status_code=200)

        routes.append(Route(webhook.path, telegram, methods=["POST"]))
    return Starlette(routes=routes)


async def _update(request: Request, application: AnyApplication) -> Update | None:
    """The request's body as an Update, or None if it is not one (or too big)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        return Update.de_json(data, application.bot)
    except Exception as exc:  # whatever a malformed body makes the parser raise
        logger.debug("a webhook request's body is not an update (%s: %s)",
                     type(exc).__name__, exc)
        return None


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (OSError if it cannot be had)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers (the bot has its own)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Nothing: `bot.runtime.lifecycle` handles SIGTERM and SIGINT."""
        yield


class HttpServer:
    """An ASGI app served on a bound socket, in the running event loop."""

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        self.sock = sock
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            # "Started server process", "Shutting down", ...: said once by `start`.
            logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        self.server = _Server(uvicorn.Config(
            app, lifespan="off", log_config=None, access_log=False, server_header=False,
            timeout_graceful_shutdown=int(GRACE_S)))
        self._task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        """host:port it listens on."""
        host, port = self.sock.getsockname()[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def start(self) -> None:
        """Start serving; returns once it accepts connections."""
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]), name="http")
        while not self.server.started:
            if self._task.done():
                self._task.result()  # its exception
                raise RuntimeError("the HTTP server stopped at start")
            await asyncio.sleep(0.01)
        logger.info("HTTP server listening on http://%s", self.address)

    async def stop(self) -> None:
        """Stop accepting connections; let the open ones finish (at most `GRACE_S`)."""
        task, self._task = self._task, None
        if task is None:
            return
        self.server.should_exit = True
        try:
            await asyncio.wait_for(task, GRACE_S + 3)
        except TimeoutError:
            logger.warning("the HTTP server did not stop in time")
