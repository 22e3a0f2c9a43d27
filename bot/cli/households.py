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
    from bot.i18n import Count, Translator
    from bot.rules.households import MAX_BYTES, import_households

    config = load(args)
    translate = Translator(config.defaults.locale)
    # One language for the run, the problems and the summary: --lang, else the config's.
    language = args.lang or translate.default
    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_BYTES:
            size = f"{path.stat().st_size / 1024 / 1024:.1f}"
            raise CliError(f"{path}: " + translate(language, "imports.reason.too_big", size=size,
                                                   limit=MAX_BYTES // 1024 // 1024))
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read the file ({exc.strerror})", EXIT_USAGE) from None

    async def work(store: Store) -> None:
        branch = await store.branches.get(args.branch)
        if branch is None:
            raise CliError(translate(language, "imports.cli.no_branch", id=args.branch))
        result = await import_households(store, branch.id, data, now=now(),
                                         only_good=args.only_good, file_name=path.name)
        for error in result.errors:
            print(f"{path}: {error.describe(translate, language)}", file=sys.stderr)
        if result.written:
            await store.audit.record(None, "households_import", branch_id=branch.id, allowed=True,
                                     detail={"created": result.created, "updated": result.updated,
                                      "skipped": len(result.errors), "file": path.name},
                                     at=now())
            print(translate(language, "imports.cli.done_skipped" if result.errors
                            else "imports.cli.done", file=path.name, id=branch.id,
                            branch=branch.name, created=result.created,
                            updated=result.updated, n=Count(len(result.errors))))
        elif result.errors:
            # --only-good cannot help when no row is good, or when it was given already.
            advice = "nothing" if result.good_rows and not args.only_good else "nothing_fix"
            raise CliError(translate(language, f"imports.cli.{advice}", file=str(path),
                                     n=Count(len(result.errors))))

    asyncio.run(with_store(config, work))
