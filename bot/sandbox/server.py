"""The fake Bot API server: :class:`Sandbox` is a world with users and faults that answers
each HTTP request of PTB's :class:`~telegram.request.BaseRequest` from the method table
(`bot.sandbox.methods`)."""

from __future__ import annotations

import json

from telegram.request import RequestData

from bot.sandbox.actions import UserActions
from bot.sandbox.checks import ApiError, JSONDict, Response
from bot.sandbox.faults import Faults
from bot.sandbox.methods import METHODS
from bot.sandbox.methods.media import download
from bot.sandbox.models import SandboxMessage
from bot.sandbox.request import SandboxRequest
from bot.sandbox.wire import message_json
from bot.sandbox.world import World


class Sandbox(UserActions, Faults):
    """An in-memory fake Telegram: users, chats, messages, files, faults.

    Its state and what it received are described in :class:`~bot.sandbox.world.World`, what
    users do in :class:`~bot.sandbox.users.Users` and
    :class:`~bot.sandbox.actions.UserActions`, faults in :class:`~bot.sandbox.faults.Faults`;
    ``Sandbox(...)`` takes :class:`~bot.sandbox.world.World`'s arguments.
    """

    def request(self) -> SandboxRequest:
        """Return a new :class:`SandboxRequest` bound to this sandbox.

        Returns:
            A request object for ``ApplicationBuilder().request()`` /
            ``.get_updates_request()``.
        """
        return SandboxRequest(self)

    async def handle(self, url: str, method: str, request_data: RequestData | None) -> Response:
        """Answer one HTTP request (what :meth:`SandboxRequest.do_request` delegates to).

        Args:
            url: The request URL.
            method: The HTTP method.
            request_data: The parameters and files.

        Returns:
            The HTTP status code and payload.
        """
        if method == "GET":
            return download(self, url)
        name = url.rpartition("/")[2]
        params: JSONDict = request_data.parameters if request_data is not None else {}
        polling = name == "getUpdates"
        if polling:
            self.get_updates_calls += 1
        elif self.record_calls:
            self.calls.append((name, params))
        if self._faulty():
            failure = self._check_faults(name, params)
            if failure is not None:
                return failure
        answer = METHODS.get(name)
        if answer is None:
            return ApiError(404, "Not Found").response()  # as Telegram answers an unknown method
        try:
            result = answer(self, params, request_data)
            if polling:
                result = await result
        except ApiError as exc:
            self.refused.append((name, params, exc.description))
            return exc.response()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # tests/test_broadcast.py makes a user send a photo with these (there is no
    # user_sends_photo); the names are the ones world.py had before the split.
    _store_file = World.store_file
    _add_message = World.add_message
    _queue = World.queue

    def _message_json(self, msg: SandboxMessage) -> JSONDict:
        return message_json(self, msg)
