"""`frontline roster links` (every waiting person's personal link, the branches' printable
sheets and a CSV for SMS, to a folder) and `frontline invite list` / `invite revoke`.

The sheets are drawn in parallel processes, one per core, after the database is closed:
a sheet is pure computation (QR codes, the PDF), so two cores draw twice as many.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from multiprocessing import get_context
from pathlib import Path

from bot.cli.botapi import ask_username
from bot.cli.common import EXIT_USAGE, CliError, load, local_time, now, with_store
from bot.i18n import LANGUAGES, Translator
from bot.rules import invites
from bot.rules.roster import links, pdf
from bot.rules.roster.sheets import Card, Words, sheet_pdf
from storage.store import Store

CSV_NAME = "links.csv"
READ_BRANCHES = 50  # branches whose people are read at once
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True)
class SheetJob:
    """One branch's sheet to draw and write."""

    path: Path
    cards: list[Card]
    words: Words


def _write(job: SheetJob) -> int:
    job.path.write_bytes(sheet_pdf(job.cards, job.words))
    return len(job.cards)


def write_sheets(jobs: Sequence[SheetJob], workers: int | None = None) -> int:
    """Draw and write every sheet, in `workers` processes (default: one per core); how many
    people they list.

    The processes start fresh ("spawn": none of this process's memory, no thread forked).
    The glyphs of every character the sheets use are drawn first, once, by a process of its
    own that ends when it is done (the font file takes 30 MB open), and handed to the
    drawing processes, which never open the font.
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) < 2:
        return sum(map(_write, jobs))
    chars = set("0123456789")
    for job in jobs:
        chars.update(job.words.title, job.words.note, job.words.page)
        for card in job.cards:
            chars.update(card.name)
        chars.update(job.cards[0].branch if job.cards else "")
    spawn = get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as helper:
        drawn = helper.submit(pdf.glyphs, "".join(sorted(chars))).result()
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=pdf.preload,
                             initargs=(drawn,), mp_context=spawn) as pool:
        return sum(pool.map(_write, jobs, chunksize=max(1, len(jobs) // (workers * 8))))


def file_name(branch_id: int, name: str) -> str:
    """A sheet's file name: the branch id, then its name without what file systems refuse."""
    safe = _UNSAFE.sub("_", name).strip("._")[:40]
    return f"{branch_id}-{safe}.pdf" if safe else f"{branch_id}.pdf"


def cmd_roster_links(args: argparse.Namespace) -> None:
    """Make the missing personal links; write each branch's sheet and the CSV."""
    config = load(args)
    translate = Translator(config.defaults.locale)
    language = args.lang or translate.default
    username = config.telegram.username or ask_username(config)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--out: cannot make the folder {out} ({exc.strerror or exc})",
                       EXIT_USAGE) from None
    jobs: list[SheetJob] = []
    made = 0

    async def work(store: Store) -> None:
        nonlocal made
        top = await store.branches.get(args.branch)
        if top is None:
            raise CliError(f"--branch: there is no branch #{args.branch} "
                           "(see: frontline branch list)")
        ids = ([node.id for node in await store.branches.subtree(top.id)] if args.subtree
               else [top.id])
        at = now()
        made = await links.make_missing(store, ids, by=None, now=at, audit_branch=top.id)
        # UTF-8 with a byte order mark: what Excel needs to read Chinese in a CSV.
        with (out / CSV_NAME).open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(("name", "phone", "branch", "link"))
            # A few branches at a time: only their rows are held, besides the cards.
            for start in range(0, len(ids), READ_BRANCHES):
                people = await links.people_of(store, ids[start:start + READ_BRANCHES], at)
                for branch_id, group in groupby(people, key=lambda p: p.branch_id):
                    listed = list(group)
                    ends = [p.expires_at for p in listed if p.expires_at is not None]
                    until = local_time(min(ends), top.timezone)[:10] if ends else ""
                    name = listed[0].branch_name
                    cards = [Card(p.name, name, links.url(username, p)) for p in listed]
                    writer.writerows((p.name, p.phone or "", name, card.link)
                                     for p, card in zip(listed, cards, strict=True))
                    jobs.append(SheetJob(out / file_name(branch_id, name), cards, Words(
                        translate(language, "links.sheet_title", branch=name),
                        translate(language, "links.sheet_note", until=until),
                        translate(language, "links.sheet_page", page="{page}",
                                  pages="{pages}"))))

    asyncio.run(with_store(config, work))
    listed = write_sheets(jobs, args.workers)
    print(f"{made} new personal links; {listed} people waiting on {len(jobs)} "
          f"sheet{'s' if len(jobs) != 1 else ''} in {out}, and {out / CSV_NAME}")


def cmd_invite_list(args: argparse.Namespace) -> None:
    """Print the active invites: general ones one per line, personal links per branch."""
    config = load(args)

    async def work(store: Store) -> None:
        at = now()
        if args.list_branch is not None:
            top = await store.branches.get(args.list_branch)
            if top is None:
                raise CliError(f"--branch: there is no branch #{args.list_branch} "
                               "(see: frontline branch list)")
            tops = [top]
        else:
            tops = await store.branches.roots()
        for top in tops:
            general = await invites.active(store, top.id, at)
            counts = await invites.link_counts(store, top.id, at)
            print(f"active invites of #{top.id} “{top.name}” and below: {len(general)} general, "
                  f"{sum(c.links for c in counts)} personal")
            for item in general:
                uses = "unlimited" if item.uses_left is None else f"{item.uses_left} left"
                until = local_time(item.expires_at, top.timezone) if item.expires_at else "never"
                maker = item.creator or (f"#{item.created_by}" if item.created_by
                                         else "command line")
                print(f"{item.code}  #{item.branch_id} {item.branch_name}  {item.role}  "
                      f"{uses}  until {until}  by {maker}")
            for count in counts:
                print(f"personal links  #{count.branch_id} {count.branch_name}  {count.links}")

    asyncio.run(with_store(config, work))


def cmd_invite_revoke(args: argparse.Namespace) -> None:
    """Revoke one invite by its code."""
    config = load(args)

    async def work(store: Store) -> None:
        revoked = await invites.revoke(store, args.code, by=None, now=now())
        if revoked is None:
            raise CliError(f"{args.code}: no active invite by that code "
                           "(see: frontline invite list)")
        kind = "personal link" if revoked.roster_id is not None else f"{revoked.role} invite"
        print(f"revoked the {kind} {revoked.code} of #{revoked.branch_id} "
              f"“{revoked.branch_name}”")

    asyncio.run(with_store(config, work))


def add_roster_links(rsub: argparse._SubParsersAction[argparse.ArgumentParser],
                     config_arg: Callable[[argparse.ArgumentParser], None],
                     branch_id: Callable[[str], int]) -> None:
    """`frontline roster links`, in the `roster` group."""
    q = rsub.add_parser(
        "links", help="make personal links; write printable sheets (PDF) and a CSV",
        description="Make a personal join link for every person of the branch (with "
        "--subtree: and of every branch below) who is on the roster and has not joined, then "
        "write one printable sheet per branch (PDF: name, branch, QR code, link) and "
        f"{CSV_NAME} (name, phone, branch, link: for SMS) into the folder --out. Links that "
        "exist are kept, not made again.")
    config_arg(q)
    q.add_argument("--branch", required=True, type=branch_id, metavar="ID")
    q.add_argument("--subtree", action="store_true", help="the branches below too")
    q.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    q.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of the sheets (default: the config's [defaults] locale)")
    q.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes drawing the sheets (default: one per core)")
    q.set_defaults(func=cmd_roster_links)


def add_invite_actions(isub: argparse._SubParsersAction[argparse.ArgumentParser],
                       config_arg: Callable[[argparse.ArgumentParser], None],
                       branch_id: Callable[[str], int]) -> None:
    """`frontline invite list` and `frontline invite revoke CODE`."""
    q = isub.add_parser("list", help="print the active invites",
                        description="Print the active general invites (one per line) and the "
                        "number of active personal links of each branch.")
    config_arg(q)
    q.add_argument("--branch", dest="list_branch", type=branch_id, metavar="ID",
                   help="this branch and the branches below (default: the whole organization)")
    q.set_defaults(func=cmd_invite_list)
    q = isub.add_parser("revoke", help="revoke an invite by its code",
                        description="Revoke an invite (or a personal link) by its code: "
                        "nobody can join with it afterwards. A code that starts with - "
                        "goes after --: frontline invite revoke --config PATH -- -CODE.")
    config_arg(q)
    q.add_argument("code", metavar="CODE")
    q.set_defaults(func=cmd_invite_revoke)
