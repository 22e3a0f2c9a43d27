"""`frontline branch rename|move|archive|levels|titles|title`: the chat's `/branch` commands
on the command line, with an admin's rights, the same rules (`bot.rules.branch_changes`,
`bot.rules.branches`) and the same answers, in one language (--lang, else the config's
`[defaults] locale`). A move or an archive is done at once: the command is its own
confirmation."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import EXIT_USAGE, CliError, load, with_store
from bot.config import Config
from bot.rules.branches import Answer
from bot.runtime.services import Services
from storage.levels import Level
from storage.rows import Branch
from storage.store import Store

NAME_MAX = 64  # characters of a branch's name (as in the chat)


def deps_of(config: Config, store: Store) -> Services:
    """What the use cases need, for one command: the command line's clock (the system's),
    no outbox running (what they queue is sent by the bot, when it runs)."""
    from bot.cli.common import CommandClock
    from bot.i18n import Translator

    return Services(config, store, CommandClock(), Translator(config.defaults.locale))


def told(config: Config, args: argparse.Namespace, answer: Answer) -> str:
    """The answer as the command prints it, in the run's language."""
    from bot.i18n import Translator

    translate = Translator(config.defaults.locale)
    return translate(args.lang or translate.default, answer.key, **answer.values)


async def _branch(store: Store, branch_id: int, what: str) -> Branch:
    branch = await store.branches.get(branch_id)
    if branch is None or branch.archived:
        raise CliError(f"{what}: there is no branch #{branch_id} (see: frontline branch list)")
    return branch


def _levels(deps: Services, language: str, found: list[Level]) -> list[str]:
    from bot.rules import branches

    t = deps.translate
    level, title = branches.level_of(None, language), branches.title_of(None, language)
    if not found:
        return [t(language, "branch.levels_none", level=level, title=title)]
    return [t(language, "branch.levels_header"), *(
        t(language, "branch.level_line", depth=found_level.depth + 1,
          level=found_level.name or level, title=found_level.leader_title or title)
        for found_level in found)]


def _run(args: argparse.Namespace, act: str) -> None:
    config = load(args)

    async def work(store: Store) -> None:
        from bot.rules import branch_changes, branches

        deps = deps_of(config, store)
        language = args.lang or deps.translate.default
        branch = (await _branch(store, args.id, "ID")
                  if act in ("rename", "move", "archive", "title") else None)
        if act == "move":
            await _branch(store, args.parent, "PARENT_ID")
        if act == "levels" and not args.names:
            print("\n".join(_levels(deps, language, await branches.levels(store))))
            return
        if act == "rename":
            name = " ".join(args.name).strip()
            if not name or len(name) > NAME_MAX:
                raise CliError(f"NAME: expected the branch's new name, at most {NAME_MAX} "
                               "characters", EXIT_USAGE)
            answer = await branch_changes.rename(deps, None, args.id, name)
        elif act == "move":
            answer = await branch_changes.move(deps, None, args.id, args.parent)
        elif act == "archive":
            answer = await branch_changes.archive(deps, None, args.id)
        elif act in ("levels", "titles"):
            answer = await branches.name_levels(deps, None, act, " ".join(args.names))
        else:
            assert branch is not None
            answer = await branches.name_branch(deps, None, branch, args.level, args.title,
                                                language)
        if not answer.ok:
            raise CliError(told(config, args, answer))
        print(told(config, args, answer))

    asyncio.run(with_store(config, work))


def cmd_branch_rename(args: argparse.Namespace) -> None:
    """Rename a branch."""
    _run(args, "rename")


def cmd_branch_move(args: argparse.Namespace) -> None:
    """Move a branch (with its subtree) under another."""
    _run(args, "move")


def cmd_branch_archive(args: argparse.Namespace) -> None:
    """Archive an empty branch with its subtree."""
    _run(args, "archive")


def cmd_branch_levels(args: argparse.Namespace) -> None:
    """Name the tree's levels from the root down."""
    _run(args, "levels")


def cmd_branch_titles(args: argparse.Namespace) -> None:
    """Name each level's secretaries from the root down."""
    _run(args, "titles")


def cmd_branch_title(args: argparse.Namespace) -> None:
    """One branch's own level name and leader title."""
    _run(args, "title")
