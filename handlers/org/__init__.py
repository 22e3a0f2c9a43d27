"""The organization: joining by invite or personal link, branches and their levels, invites
and personal links, the roster's import, linked groups, settings, members' changes and
leaving."""

from handlers.org import (
                          branches,
                          groups,
                          invites,
                          join,
                          levels,
                          links,
                          members,
                          reshape,
                          roster_import,
                          settings,
)

__all__ = ["branches", "groups", "invites", "join", "levels", "links", "members", "reshape",
           "roster_import", "settings"]
