"""The organization: joining by invite or personal link, branches and their levels, invites
and personal links, linked groups, settings, members' changes and leaving."""

from handlers.org import branches, groups, invites, join, levels, links, members, reshape, settings

__all__ = ["branches", "groups", "invites", "join", "levels", "links", "members", "reshape",
           "settings"]
