"""The organization: joining by invite, branches and invites, linked groups, settings, the
roster's import."""

from handlers.org import branches, groups, join, roster_import, settings

__all__ = ["branches", "groups", "join", "roster_import", "settings"]
