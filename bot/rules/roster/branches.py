"""Which branch a roster row names, and which role, as seen from the importer's scope.

**Branch**: empty (the person stays where they are; a new person goes to the top of the
scope), a branch id (`12` or `#12`), or a path of names separated by `/`: from the top of
the whole tree or of the scope (`东湖社区党委/第一支部`), without the top's name, or as many of
its last names as tell one branch of the scope apart, down to a bare name that is unique in
the scope. Names are compared as written, ignoring case, full-width forms and extra spaces.
A number that is no branch's id is read as a name. A branch outside the scope, an archived
branch, a name no branch has and a name several branches of the scope have are refused,
each with its reason.

**Role**: empty (kept; a new person is a member), 成员 / member, 书记 / secretary, ignoring
case, or the title the branch's secretaries have there (`branches.leader_title`, else the
title of the branch's level in `levels`, e.g. 组长).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.rules.tables import Reason, nfkc, shown
from storage.roster_imports import Node

MEMBER, SECRETARY = "member", "secretary"
ROLE_WORDS = {"member": MEMBER, "成员": MEMBER, "secretary": SECRETARY, "书记": SECRETARY}
# What a roster's 身份 column says of an ordinary member in the organizations this serves
# (their standing, not a role in Frontline): read as member. A deputy leads beside the
# secretary, so 副书记 is a secretary; any other word is refused by line, never guessed.
ROLE_WORDS |= {word: MEMBER for word in ("党员", "预备党员", "团员", "群众", "志愿者", "队员",
                                          "组员", "居民")}
ROLE_WORDS |= {"副书记": SECRETARY}
IDS_SHOWN = 5  # branch ids listed for an ambiguous name
_SLASH = re.compile(r"\s*/\s*")

Resolved = tuple[int | None, Reason | None]  # (branch id or None for "not given", refusal)


def name_key(text: str) -> str:
    """A name as compared: full-width forms folded, spaces squeezed, case ignored."""
    return " ".join(nfkc(text).split()).casefold()


class Branches:
    """The branch tree as seen from one scope (`root_id` and every branch below it)."""

    def __init__(self, nodes: list[Node], levels: Mapping[int, str], root_id: int) -> None:
        self.root_id = root_id
        self.nodes = {node.id: node for node in nodes}
        self.depth: dict[int, int] = {}
        self.paths: dict[int, tuple[str, ...]] = {}
        for node in nodes:
            self._path(node.id)
        self.scope = {node_id for node_id in self.paths if self._within(node_id)}
        # What each branch's secretaries are called there, if anything (as written).
        self.titles = {node.id: title for node in nodes
                       if (title := node.leader_title or levels.get(self.depth[node.id]))}
        self._title_keys = {node_id: name_key(title) for node_id, title in self.titles.items()}
        # Every tail of every branch's path (its last name, its last two, ...): the branches
        # each tail names, live and archived apart.
        self.tails: dict[tuple[str, ...], list[int]] = {}
        self.archived_tails: dict[tuple[str, ...], list[int]] = {}
        for node_id, path in self.paths.items():
            index = self.archived_tails if self.nodes[node_id].archived else self.tails
            for start in range(len(path)):
                index.setdefault(path[start:], []).append(node_id)
        self._resolved: dict[str, Resolved] = {}

    def _path(self, node_id: int) -> tuple[str, ...]:
        """The names from the tree's top down to the branch (a cycle is cut)."""
        found = self.paths.get(node_id)
        if found is not None:
            return found
        chain: list[int] = []
        current: int | None = node_id
        while current is not None and current in self.nodes and current not in chain \
                and current not in self.paths:
            chain.append(current)
            current = self.nodes[current].parent_id
        above = self.paths.get(current, ()) if current is not None else ()
        depth = self.depth.get(current, -1) if current is not None else -1
        for step in reversed(chain):
            above = (*above, name_key(self.nodes[step].name))
            depth += 1
            self.paths[step], self.depth[step] = above, depth
        return self.paths[node_id]

    def _within(self, node_id: int) -> bool:
        seen: set[int] = set()
        current: int | None = node_id
        while current is not None and current not in seen:
            if current == self.root_id:
                return True
            seen.add(current)
            node = self.nodes.get(current)
            current = node.parent_id if node else None
        return False

    def name(self, branch_id: int) -> str:
        """The branch's name."""
        node = self.nodes.get(branch_id)
        return node.name if node else f"#{branch_id}"

    def resolve(self, cell: str) -> Resolved:
        """The branch a row's cell names within the scope (None: not given), or why not."""
        found = self._resolved.get(cell)
        if found is None:
            found = self._resolved[cell] = self._resolve(cell)
        return found

    def _resolve(self, cell: str) -> Resolved:
        text = nfkc(cell).strip()
        if not text:
            return None, None
        digits = text.removeprefix("#").strip()
        if digits.isascii() and digits.isdigit() and int(digits) in self.nodes:
            return self._one([int(digits)], [], cell)
        tail = tuple(name_key(part) for part in _SLASH.split(text) if part.strip())
        return self._one(self.tails.get(tail, []), self.archived_tails.get(tail, []), cell)

    def _one(self, live: list[int], archived: list[int], cell: str) -> Resolved:
        value = shown(cell)
        alive = [i for i in live if not self.nodes[i].archived]
        inside = [i for i in alive if i in self.scope]
        if len(inside) == 1:
            return inside[0], None
        if len(inside) > 1:
            ids = " ".join(f"#{i}" for i in sorted(inside)[:IDS_SHOWN])
            return None, Reason("ambiguous_branch", {"value": value, "n": len(inside),
                                                     "ids": ids})
        if alive:
            return None, Reason("branch_outside", {"value": value})
        if archived or len(live) > len(alive):
            return None, Reason("branch_archived", {"value": value})
        return None, Reason("unknown_branch", {"value": value})

    def role(self, cell: str, branch_id: int) -> str | Reason | None:
        """The role a row's cell names in the branch (None: not given), or why not."""
        if not cell:
            return None
        key = name_key(cell)
        found = ROLE_WORDS.get(key)
        if found is not None:
            return found
        if key == self._title_keys.get(branch_id):
            return SECRETARY
        title = self.titles.get(branch_id)
        words = ["成员", "书记", "member", "secretary", *([shown(title)] if title else [])]
        return Reason("unknown_role", {"value": shown(cell), "words": " / ".join(words)})
