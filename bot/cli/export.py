"""`frontline export`: a branch's subtree over a period as an XLSX file, the same workbook as
`/export` in chat, audit-logged with no actor (the command line)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import EXIT_USAGE, CliError, load, now, with_store
from bot.i18n import Count, Translator
from storage.store import Store


def cmd_export(args: argparse.Namespace) -> None:
    """Write the workbook of a branch's subtree over a period to FILE."""
    from bot.clock import OutOfRange, local_day
    from bot.rules import records
    from bot.rules.export import export_branch

    config = load(args)
    translate = Translator(config.defaults.locale)
    language = args.lang or translate.default

    def t(key: str, **values: object) -> str:
        return translate(language, key, **values)

    path = Path(args.file)

    async def work(store: Store) -> None:
        branch = await store.branches.get(args.branch)
        if branch is None or branch.archived:
            raise CliError(t("export.cli.no_branch", id=args.branch), EXIT_USAGE)
        at = now()
        try:
            first, last = records.parse_period(args.period, local_day(at, branch.timezone))
        except OutOfRange as wrong:
            raise CliError(t("record.out_of_range", value=wrong.text,
                             first=wrong.first.isoformat(), last=wrong.last.isoformat()),
                           EXIT_USAGE) from None
        except ValueError:
            raise CliError(t("record.bad_period", value=args.period or "",
                             max=records.MAX_DAYS), EXIT_USAGE) from None
        found = await export_branch(store, translate, None, branch.id, first, last, now=at,
                                    language=language, notes=args.notes)
        try:
            await asyncio.to_thread(path.write_bytes, found.data)
        except OSError as exc:
            raise CliError(f"{path}: cannot write the file ({exc.strerror})",
                           EXIT_USAGE) from None
        print(t("export.cli.wrote", file=str(path), branch=branch.name,
                first=first.isoformat(), last=last.isoformat()))
        for sheet, rows in zip(found.sheets, found.rows, strict=True):
            print(t("export.cli.sheet_line", sheet=sheet, rows=Count(rows)))

    asyncio.run(with_store(config, work))
