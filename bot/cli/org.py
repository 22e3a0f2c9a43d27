"""The organization: `frontline init` (the database and the root branch), `invite`, and
`branch add` / `branch list` (`branch rename|move|archive|levels|titles|title` are in
`bot.cli.tree`)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli.botapi import ask_username
from bot.cli.common import EXIT_USAGE, CliError, config_path, load, local_time, now, with_store
from bot.rules.invites import create_invite, deep_link, parse_duration
from storage.store import Store


def cmd_init(args: argparse.Namespace) -> None:
    """Create the database and the root branch."""
    config = load(args)
    name = args.org.strip()
    if not name:
        raise CliError("--org: expected the organization's name", EXIT_USAGE)

    async def work(store: Store) -> None:
        roots = await store.branches.roots()
        if roots:
            raise CliError(f"{config.storage.path}: already initialized: root branch "
                           f"#{roots[0].id} “{roots[0].name}”")
        branch_id = await store.branches.create(name, None, at=now())
        await store.audit.record(None, "init", branch_id=branch_id, allowed=True,
                                 detail={"name": name}, at=now())
        print(f"created {config.storage.path} with root branch #{branch_id} “{name}”")
        print(f"next: frontline invite --config {config_path(args)} --branch {branch_id} "
              "--role secretary")

    asyncio.run(with_store(config, work, create=True, migrate=True))


def cmd_invite(args: argparse.Namespace) -> None:
    """Print an invite link."""
    if args.branch is None or args.role is None:
        raise CliError("invite: expected --branch ID and --role member|secretary (or: "
                       "frontline invite list, frontline invite revoke CODE)", EXIT_USAGE)
    config = load(args)
    try:
        expires = parse_duration(args.expires) if args.expires else None
    except ValueError:
        raise CliError(f"--expires: expected a duration like 30m, 12h, 7d or 2w, got "
                       f"{args.expires!r}", EXIT_USAGE) from None
    if args.uses is not None and args.uses < 1:
        raise CliError("--uses: expected a whole number of at least 1", EXIT_USAGE)
    username = config.telegram.username or ask_username(config)

    async def work(store: Store) -> None:
        branch = await store.branches.get(args.branch)
        if branch is None:
            raise CliError(f"--branch: there is no branch #{args.branch} "
                           "(see: frontline branch list)")
        kwargs: dict[str, Any] = {}
        if args.uses is not None:
            kwargs["uses"] = args.uses
        if expires is not None:
            kwargs["expires_in"] = expires
        invite = await create_invite(store, branch.id, args.role, created_by=None, now=now(),
                                     **kwargs)
        uses = ("unlimited uses" if invite.uses_left is None
                else f"{invite.uses_left} use" if invite.uses_left == 1
                else f"{invite.uses_left} uses")
        until = (local_time(invite.expires_at, branch.timezone) if invite.expires_at
                 else "never")
        print(f"{args.role} invite for #{branch.id} “{branch.name}” ({uses}, expires {until})")
        print(deep_link(username, invite.code))
        print(f"code: {invite.code}")

    asyncio.run(with_store(config, work))


def cmd_branch_add(args: argparse.Namespace) -> None:
    """Add a branch under a parent."""
    config = load(args)
    name = " ".join(args.name).strip()
    if not name:
        raise CliError("NAME: expected the new branch's name", EXIT_USAGE)

    async def work(store: Store) -> None:
        from bot.cli.tree import deps_of, told
        from bot.rules import branch_changes

        parent = await store.branches.get(args.parent)
        if parent is None or parent.archived:
            raise CliError(f"--parent: there is no branch #{args.parent}")
        answer = await branch_changes.add(deps_of(config, store), None, parent, name)
        if not answer.ok:
            raise CliError(told(config, args, answer))
        branch_id = answer.values["id"]
        print(f"created branch #{branch_id} “{name}” under #{parent.id} “{parent.name}”")

    asyncio.run(with_store(config, work))


def cmd_branch_list(args: argparse.Namespace) -> None:
    """Print the branch tree."""
    config = load(args)

    async def work(store: Store) -> None:
        nodes = await store.branches.whole_tree()
        if not nodes:
            print("no branches yet: run frontline init")
        for node in nodes:
            level = f" · {node.level_name}" if node.level_name else ""
            print(f"{'  ' * node.depth}#{node.id} {node.name}{level}  "
                  f"({node.members} members, {node.timezone})")

    asyncio.run(with_store(config, work))
