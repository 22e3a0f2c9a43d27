"""`frontline households import`: households from a CSV or XLSX file, all rows or none."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import EXIT_USAGE, CliError, load, now, with_store
from storage.store import Store


def cmd_households_import(args: argparse.Namespace) -> None:
    """Import households from a CSV or XLSX file: all rows, or none if one is bad."""
    from bot.i18n import Translator
    from bot.rules.households import MAX_BYTES, import_households

    config = load(args)
    translate = Translator(config.defaults.locale)
    language = translate.default  # the problems are told in the config's default locale
    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CliError(f"{path}: the file is over {MAX_BYTES // 1024 // 1024} MB; "
                           "split it or remove columns")
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read the file ({exc.strerror})", EXIT_USAGE) from None

    async def work(store: Store) -> None:
        branch = await store.branches.get(args.branch)
        if branch is None:
            raise CliError(f"--branch: there is no branch #{args.branch} "
                           "(see: frontline branch list)")
        result = await import_households(store, branch.id, data, now=now(),
                                         only_good=args.only_good, file_name=path.name)
        for error in result.errors:
            print(f"{path}: {error.describe(translate, language)}", file=sys.stderr)
        if result.written:
            await store.audit.record(None, "households_import", branch_id=branch.id, allowed=True,
                                     detail={"created": result.created, "updated": result.updated,
                                      "skipped": len(result.errors), "file": path.name},
                                     at=now())
            skipped = f", {len(result.errors)} bad row(s) skipped" if result.errors else ""
            print(f"imported {path.name} into #{branch.id} “{branch.name}”: "
                  f"{result.created} created, {result.updated} updated{skipped}")
        elif result.errors:
            raise CliError(f"{path}: nothing imported ({len(result.errors)} problem(s); "
                           "fix them, or use --only-good to import the good rows)")

    asyncio.run(with_store(config, work))
