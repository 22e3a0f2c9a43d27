"""The organization: joining by invite, branches and invites, linked groups, settings."""

from handlers.org import branches, groups, join, levels, reshape, settings

__all__ = ["branches", "groups", "join", "levels", "reshape", "settings"]
