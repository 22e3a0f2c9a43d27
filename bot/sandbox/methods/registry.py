"""The table of Bot API methods the sandbox answers: ``@method("sendMessage")`` puts a function
into :data:`METHODS`, which the sandbox's dispatcher (`bot.sandbox.server`) reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from telegram.request import RequestData

from bot.sandbox.checks import JSONDict

if TYPE_CHECKING:
    from bot.sandbox.world import World

#: A method: given the world, the call's parameters and its files, the ``result`` of the
#: answer (made JSON by the dispatcher), or an :class:`~bot.sandbox.checks.ApiError`.
#: getUpdates alone answers with an awaitable (it waits for updates).
Method = Callable[["World", JSONDict, RequestData | None], Any]
M = TypeVar("M", bound=Method)

#: Bot API method name -> the function that answers it.
METHODS: dict[str, Method] = {}


def method(*names: str) -> Callable[[M], M]:
    """Register the decorated function as the answer to the Bot API methods ``names``."""

    def register(function: M) -> M:
        for name in names:
            if name in METHODS:
                raise RuntimeError(f"Bot API method {name} registered twice")
        METHODS.update(dict.fromkeys(names, function))
        return function

    return register
