"""The organization: joining by invite, branches and invites, linked groups, settings, members'
changes and leaving."""

from handlers.org import branches, groups, join, levels, members, reshape, settings

__all__ = ["branches", "groups", "join", "levels", "members", "reshape", "settings"]
