"""The Bot API methods the sandbox answers, one function each, registered in :data:`METHODS`.

Each module registers its methods when imported; importing this package imports them all.
"""

from bot.sandbox.methods import chats, edits, media, messages, settings, updates
from bot.sandbox.methods.registry import METHODS, Method, method

__all__ = ["METHODS", "Method", "chats", "edits", "media", "messages", "method", "settings",
           "updates"]
