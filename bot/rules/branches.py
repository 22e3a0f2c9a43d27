"""What a branch's level and its leaders are called, and naming them (`/branch levels`,
`/branch titles`, `/branch title`, and the command line's `branch levels|titles|title`).

An organization calls the levels of its tree what it calls them (街道党工委 / 社区党委 /
党支部 / 网格党小组) and their leaders too (书记, 组长): per depth of the tree, or per branch; a
branch's own name wins, then its level's, then the catalogue's word in the reader's language
(支部 / 书记, branch / secretary). The organization's names are its own words, shown as they
are in every language, like branch names.

Every text that names a specific branch's secretary role gets it from `leader_title` or
`role_title` here (/me, /start, joining, invites, the tree view, refusals that name a branch);
texts about secretaries in general (help, "ask your secretary") keep the catalogue's word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.i18n import Translator
from bot.rules import people
from bot.rules.access import Actor
from bot.rules.deps import Deps
from storage.levels import Level, Naming
from storage.rows import Branch
from storage.store import Store

NAME_MAX = 20  # characters of a level's name or a leader's title
LEVELS_MAX = 12  # levels named at once
UNSET = ("", "-", "—")  # what clears a name: the default (or the level's) is used
SEPARATORS = ("/", "／")

_TRANSLATE = Translator()


@dataclass(frozen=True)
class Answer:
    """What a use case of the tree tells whoever asked: a catalogue key and its values (names
    as typed: the chat escapes them for HTML, the command line prints them as they are);
    `ok` when the change was made, or when the change asked about may go ahead."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    ok: bool = False
    branch: Branch | None = None


def title_of(naming: Naming | None, language: str) -> str:
    """The leader title of names as `store.levels.of_branches` reads them."""
    return (naming.leader_title if naming and naming.leader_title
            else _TRANSLATE(language, "role.secretary"))


def level_of(naming: Naming | None, language: str) -> str:
    """The level name of names as `store.levels.of_branches` reads them."""
    return (naming.level_name if naming and naming.level_name
            else _TRANSLATE(language, "branch.level_default"))


async def leader_titles(store: Store, branch_ids: Iterable[int],
                        language: str) -> dict[int, str]:
    """What the secretaries of each branch are called (for a list of many branches)."""
    ids = list(branch_ids)
    found = await store.levels.of_branches(ids)
    return {i: title_of(found.get(i), language) for i in ids}


async def leader_title(store: Store, branch_id: int | None, language: str) -> str:
    """What the secretaries of the branch are called: 组长 for a 党小组's, say; 书记 (or
    "secretary") where the organization named none."""
    if branch_id is None:
        return title_of(None, language)
    return title_of((await store.levels.of_branches([branch_id])).get(branch_id), language)


async def level_name(store: Store, branch_id: int, language: str) -> str:
    """What the branch's level is called: 党小组, say; 支部 (or "branch") if not named."""
    return level_of((await store.levels.of_branches([branch_id])).get(branch_id), language)


async def role_title(store: Store, branch_id: int | None, role: str | None,
                     language: str) -> str:
    """A role in a branch as a text names it: a secretary by the branch's leader title,
    a member or an admin by the catalogue's word."""
    if role == "secretary":
        return await leader_title(store, branch_id, language)
    return _TRANSLATE(language, f"role.{role or 'member'}")


# --- naming -----------------------------------------------------------------------------------


def split_names(text: str) -> list[str | None] | None:
    """`街道党工委/社区党委/-/网格党小组` as names from the root down (None: unnamed, "-" or
    nothing between two slashes); None if too many or one is too long."""
    for separator in SEPARATORS[1:]:
        text = text.replace(separator, SEPARATORS[0])
    names = [" ".join(part.split()) for part in text.split(SEPARATORS[0])]
    if len(names) > LEVELS_MAX or any(len(name) > NAME_MAX for name in names):
        return None
    return [None if name in UNSET else name for name in names]


def one_name(text: str) -> str | None:
    """A branch's own level name or title as typed ("-": the level's)."""
    text = " ".join(text.split())
    return None if text in UNSET else text


async def may_name_levels(store: Store, actor: Actor | None) -> bool:
    """The levels are named for the whole tree: by an admin (or the command line, `actor`
    None) or a secretary of a root branch."""
    if actor is None or actor.is_admin:
        return True
    if actor.person is None or actor.person.role != "secretary" or actor.branch_id is None:
        return False
    home = await store.branches.get(actor.branch_id)
    return home is not None and home.parent_id is None


async def levels(store: Store) -> list[Level]:
    """The named levels, from the root down."""
    return await store.levels.all()


async def name_levels(deps: Deps, actor: Actor | None, what: str, text: str) -> Answer:
    """`/branch levels A/B/C` (`what` "levels") or `/branch titles T1/T2` ("titles"): name
    the tree's levels, or their leaders, from the root down; audit-logged."""
    action = f"branch_{what}"
    if not await may_name_levels(deps.store, actor):
        await people.audit(deps, actor, action, branch_id=None, allowed=False,
                           reason="branch.levels_forbidden")
        return Answer("branch.levels_forbidden")
    names = split_names(text)
    if names is None:
        return Answer("branch.levels_too_long", {"max": NAME_MAX, "levels": LEVELS_MAX})
    while names and names[-1] is None:
        names.pop()
    column = "name" if what == "levels" else "leader_title"
    await deps.store.levels.set_all(column, names)
    await people.audit(deps, actor, action, branch_id=None, allowed=True, names=names)
    return Answer(f"branch.{what}_set", ok=True)


async def name_branch(deps: Deps, actor: Actor | None, branch: Branch, level: str,
                      title: str, language: str) -> Answer:
    """`/branch title ID LEVEL TITLE`: the branch's own level name and leader title ("-":
    its level's); the actor's rights over the branch were checked (`scope`). The answer
    says what the branch's level and leaders are called now, in `language`."""
    level_text, title_text = one_name(level), one_name(title)
    if any(len(text or "") > NAME_MAX for text in (level_text, title_text)):
        return Answer("branch.title_too_long", {"max": NAME_MAX})
    await deps.store.levels.set_branch(branch.id, level_text, title_text)
    await people.audit(deps, actor, "branch_title", branch_id=branch.id, allowed=True,
                       level=level_text, title=title_text)
    return Answer("branch.title_set", {
        "name": branch.name, "id": branch.id,
        "level": await level_name(deps.store, branch.id, language),
        "title": await leader_title(deps.store, branch.id, language)}, ok=True, branch=branch)
