"""The organization: joining by invite, branches and invites, linked groups, settings."""

from handlers.org import branches, groups, invites, join, links, settings

__all__ = ["branches", "groups", "invites", "join", "links", "settings"]
