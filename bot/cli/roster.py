"""`frontline roster import`: the organization's roster (名册) from a CSV or XLSX file, all
rows or none, checked and written by the same use case as `/import roster` in chat."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import EXIT_USAGE, CliError, load, now, with_store
from bot.i18n import Count, Translator
from storage.rows import Branch
from storage.store import Store


def cmd_roster_import(args: argparse.Namespace) -> None:
    """Import a roster: every row, or none if one is bad (unless --only-good)."""
    from bot.rules.roster.imports import import_roster
    from bot.rules.roster.rows import MAX_BYTES

    config = load(args)
    translate = Translator(config.defaults.locale)
    # One language for the run, the problems and the summary: --lang, else the config's.
    language = args.lang or translate.default

    def t(key: str, **values: object) -> str:
        return translate(language, key, **values)

    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_BYTES:
            size = f"{path.stat().st_size / 1024 / 1024:.1f}"
            raise CliError(f"{path}: " + t("rosterimport.reason.too_big", size=size,
                                           limit=MAX_BYTES // 1024 // 1024))
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read the file ({exc.strerror})", EXIT_USAGE) from None

    async def work(store: Store) -> None:
        branch = await _branch(store, args.branch, t)
        result = await import_roster(store, branch.id, data, now=now(), file_name=path.name,
                                     only_good=args.only_good, write=not args.dry_run)
        for error in result.errors:
            print(f"{path}: {error.describe(translate, language)}", file=sys.stderr)
        if result.refused:
            raise CliError(t("rosterimport.cli.nothing_fix", file=str(path),
                             n=Count(len(result.errors))))
        print(t("rosterimport.preview", file=path.name, rows=result.rows,
                counts=result.counts_text(t)))
        if result.not_moved:
            print(t("rosterimport.not_moved"))
            for item in result.not_moved:
                print(t("rosterimport.not_moved_line", line=item.line, name=item.name,
                        branch=item.branch,
                        role=translate(language, f"role.{item.role}"),
                        wanted_branch=item.wanted_branch,
                        wanted_role=translate(language, f"role.{item.wanted_role}")))
        if args.dry_run:
            print(t("rosterimport.cli.dry_run"))
        elif result.written:
            print(t("rosterimport.cli.done", file=path.name, id=branch.id, branch=branch.name,
                    counts=result.counts_text(t, errors=False)))
            if result.errors:
                print(t("rosterimport.cli.skipped", n=Count(len(result.errors))))
            print(t("rosterimport.cli.waiting", n=Count(result.waiting), id=branch.id))
        elif result.errors:
            # --only-good helps only when a good row changes something (and it was not given).
            advice = ("nothing" if result.changes else
                      "nothing_else" if result.good_rows else "nothing_fix")
            raise CliError(t(f"rosterimport.cli.{advice}", file=str(path),
                             n=Count(len(result.errors))))
        else:
            print(t("rosterimport.cli.unchanged", file=path.name))

    asyncio.run(with_store(config, work))


async def _branch(store: Store, branch_id: int | None, t: Callable[..., str]) -> Branch:
    """The branch named by --branch, else the organization's one top branch."""
    if branch_id is not None:
        branch = await store.branches.get(branch_id)
        if branch is None:
            raise CliError(t("rosterimport.cli.no_branch", id=branch_id))
        return branch
    roots = await store.branches.roots()
    if not roots:
        raise CliError(t("rosterimport.cli.no_root"))
    if len(roots) > 1:
        raise CliError(t("rosterimport.cli.several_roots", n=Count(len(roots))), EXIT_USAGE)
    return roots[0]
