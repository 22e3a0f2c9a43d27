"""Who may do what: roles and branch scope, always read from the database.

Admins (from the config) may act everywhere. A secretary acts on their own branch and
every branch below it. A member acts only on themself.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.rows import Person
from storage.store import Store


@dataclass(frozen=True)
class Actor:
    """The person behind an update, as the database knows them."""

    user_id: int
    person: Person | None
    is_admin: bool
    language: str

    @property
    def branch_id(self) -> int | None:
        """The actor's own branch, if they belong to one."""
        return self.person.branch_id if self.person else None

    @property
    def is_member(self) -> bool:
        """True if the actor belongs to a branch."""
        return self.branch_id is not None

    @property
    def leads(self) -> bool:
        """True if the actor is a secretary somewhere or an admin."""
        return self.is_admin or bool(self.person and self.person.role == "secretary")


async def home_branch(store: Store, actor: Actor) -> int | None:
    """The branch a leader acts on by default: their own, or the root for an admin."""
    if actor.person and actor.person.role == "secretary":
        return actor.person.branch_id
    if actor.is_admin:
        roots = await store.branches.roots()
        if roots:
            return roots[0].id
    return None


async def may_lead(store: Store, actor: Actor, branch_id: int) -> bool:
    """True if the actor may act as a secretary over `branch_id`."""
    if actor.is_admin:
        return await store.branches.get(branch_id) is not None
    if actor.person is None or actor.person.role != "secretary" or actor.branch_id is None:
        return False
    return await store.branches.is_within(actor.branch_id, branch_id)
