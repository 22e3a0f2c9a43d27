"""The argument parser: one sub-command (or group) per command module, --help on each."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot import __doc__ as package_doc
from bot.cli.common import CONFIG_ENV, DEFAULT_CONFIG
from bot.cli.database import cmd_backup, cmd_migrate, cmd_restore
from bot.cli.export import cmd_export
from bot.cli.households import cmd_households_import
from bot.cli.links import add_invite_actions, add_roster_links
from bot.cli.org import cmd_branch_add, cmd_branch_list, cmd_init, cmd_invite
from bot.cli.roster import cmd_roster_import
from bot.cli.run import cmd_demo, cmd_run
from bot.cli.status import cmd_status
from bot.cli.tree import (
    cmd_branch_archive,
    cmd_branch_levels,
    cmd_branch_move,
    cmd_branch_rename,
    cmd_branch_title,
    cmd_branch_titles,
)
from bot.config import valid_timezone
from bot.i18n import LANGUAGES


def branch_id_arg(text: str) -> int:
    if not (text.lstrip("#").isascii() and text.lstrip("#").isdigit()):
        raise argparse.ArgumentTypeError(f"expected a branch id (a number), got {text!r}")
    return int(text.lstrip("#"))


def timezone_arg(text: str) -> str:
    if not valid_timezone(text):
        raise argparse.ArgumentTypeError(f"expected an IANA timezone, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with --help on every subcommand."""
    parser = argparse.ArgumentParser(prog="frontline", description=package_doc)
    parser.add_argument("--version", action="version", version=f"frontline {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def config_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", metavar="PATH",
                       help=f"configuration file (default: ${CONFIG_ENV} or {DEFAULT_CONFIG})")

    p = sub.add_parser("run", help="run the bot (long polling or webhook)",
                       description="Run the bot against Telegram, or the Bot API server at "
                       "[telegram] base_url: by long polling, or by webhook with [telegram] "
                       "updates = \"webhook\" (see [webhook]). With [http] (polling) or in "
                       "webhook mode it also answers /healthz, /readyz and /metrics. Stops "
                       "cleanly on SIGTERM or Ctrl-C.")
    config_arg(p)
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="a scripted day in the built-in sandbox (no token)",
                       description="Play a scripted day of a small organization on the "
                       "built-in fake Telegram: no token, no network.")
    p.add_argument("--lang", choices=LANGUAGES, default="zh",
                   help="language of the demo's people (default: zh)")
    p.add_argument("-v", "--verbose", action="store_true", help="show the bot's log as well")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("init", help="create the database and the root branch",
                       description="Create the database and the organization's root branch.")
    config_arg(p)
    p.add_argument("--org", required=True, metavar="NAME", help="the organization's name")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("invite", help="print an invite link; list or revoke invites",
                       description="Print an invite link (t.me deep link) and its code "
                       "(--branch and --role); or list the active invites, or revoke one.")
    config_arg(p)
    p.add_argument("--branch", type=branch_id_arg, metavar="ID")
    p.add_argument("--role", choices=("member", "secretary"))
    p.add_argument("--uses", type=int, metavar="N",
                   help="how many people may use it (default: member unlimited, secretary 1)")
    p.add_argument("--expires", metavar="DURATION", default="7d",
                   help="validity, e.g. 12h, 7d, 2w (default: 7d)")
    p.set_defaults(func=cmd_invite)
    add_invite_actions(p.add_subparsers(dest="invite_command", metavar="ACTION"), config_arg,
                       branch_id_arg)

    p = sub.add_parser("branch", help="add, list, rename, move, archive or name branches",
                       description="Add a branch, list the branch tree, rename, move or "
                       "archive a branch, name the tree's levels and their secretaries.")
    bsub = p.add_subparsers(dest="branch_command", required=True, metavar="ACTION")
    q = bsub.add_parser("add", help="add a branch under a parent",
                        description="Add a branch under a parent branch.")
    config_arg(q)
    q.add_argument("--parent", required=True, type=branch_id_arg, metavar="ID")
    q.add_argument("name", nargs="+", metavar="NAME")
    lang_arg(q)
    q.set_defaults(func=cmd_branch_add)
    q = bsub.add_parser("list", help="print the branch tree",
                        description="Print the branch tree with member counts.")
    config_arg(q)
    q.set_defaults(func=cmd_branch_list)
    _tree_parsers(bsub, config_arg)

    p = sub.add_parser("households", help="import households from a CSV or XLSX file",
                       description="Manage the households of a branch's zones.")
    hsub = p.add_subparsers(dest="households_command", required=True, metavar="ACTION")
    q = hsub.add_parser(
        "import", help="import households from a CSV or XLSX file",
        description="Import households from a CSV file (UTF-8 or GBK) or an Excel .xlsx "
        "workbook (its first sheet), at most 10 MB, with the columns zone, label, address, "
        "people, notes, responsible (or 区域, 门牌, 地址, 人数, 备注, 责任人). Nothing is "
        "written if a row is bad, unless --only-good; importing the same file again updates "
        "the households instead of adding them twice. The problems and the summary are told "
        "in one language: --lang, or else the config's [defaults] locale.")
    config_arg(q)
    q.add_argument("--branch", required=True, type=branch_id_arg, metavar="ID",
                   help="the branch whose zones the households belong to")
    q.add_argument("--only-good", action="store_true",
                   help="import the good rows even if some are bad")
    q.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of the problems and the summary (default: the config's "
                   "[defaults] locale)")
    q.add_argument("file", metavar="FILE", help="the CSV or XLSX file to import")
    q.set_defaults(func=cmd_households_import)

    p = sub.add_parser("roster", help="the roster (名册): import it, make personal links and "
                       "their sheets", description="The organization's roster (名册): the people "
                       "it lists before they join.")
    rsub = p.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    q = rsub.add_parser(
        "import", help="import the roster from a CSV or XLSX file",
        description="Import people from a CSV file (UTF-8 or GBK) or an Excel .xlsx workbook "
        "(its first sheet), at most 10 MB, with the columns name (required), phone, branch "
        "and role (or 姓名, 手机, 支部, 身份); every other column is kept as notes. A branch is "
        "an id or a path of names from the top (东湖社区党委/第一支部); a role is member or "
        "secretary (成员, 书记). Nothing is written if a row is bad, unless --only-good; "
        "importing the same file again updates the people (matched by phone, else by name in "
        "their branch) instead of adding them twice, and never moves a member who joined. "
        "The problems and the summary are told in one language: --lang, or else the "
        "config's [defaults] locale.")
    config_arg(q)
    q.add_argument("--branch", type=branch_id_arg, metavar="ID",
                   help="import into this branch and the branches below it (default: the "
                   "organization's top branch)")
    q.add_argument("--only-good", action="store_true",
                   help="import the good rows even if some are bad")
    q.add_argument("--dry-run", action="store_true",
                   help="check the file and print what it would change, without writing")
    q.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of the problems and the summary (default: the config's "
                   "[defaults] locale)")
    q.add_argument("file", metavar="FILE", help="the CSV or XLSX file to import")
    q.set_defaults(func=cmd_roster_import)
    add_roster_links(rsub, config_arg, branch_id_arg)

    p = sub.add_parser("export", help="a branch's subtree over a period as an XLSX workbook",
                       description="Write the workbook /export sends in chat: the summary, "
                       "check-ins, needs, tasks, visits and members' records of a branch and "
                       "every branch below it over a period (7d, 30d, 2026-11 or "
                       "2026-11-01..2026-11-20: the branch's local days). Audit-logged.")
    config_arg(p)
    p.add_argument("--branch", required=True, type=branch_id_arg, metavar="ID")
    p.add_argument("--period", default="", metavar="PERIOD",
                   help="7d (default), 30d, 2026-11 or 2026-11-01..2026-11-20")
    p.add_argument("--notes", action="store_true",
                   help="include the notes on members' records (private to secretaries)")
    lang_arg(p)
    p.add_argument("file", metavar="FILE", help="the .xlsx file to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("backup", help="copy the database safely while the bot runs",
                       description="Copy the database with SQLite's online backup API, "
                       "checked; without DEST, into [backup] folder, keeping the newest "
                       "[backup] keep copies.")
    config_arg(p)
    p.add_argument("dest", metavar="DEST", nargs="?", help="the backup file to write")
    p.add_argument("--force", action="store_true", help="overwrite DEST if it exists")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("status", help="the bot's health: outbox, late runs, database",
                       description="Print the bot's health, one fact a line: the schema "
                       "version, the database's size, whether a bot holds it, the outbox "
                       "(pending, failed, the oldest pending, the last delivery), scheduled "
                       "runs that are late, members unreachable. Read-only: safe while the bot "
                       "runs. Exit code 0 when healthy, 1 when delivery is stuck, a run is late "
                       "or a migration is pending.")
    config_arg(p)
    p.add_argument("--json", action="store_true", help="print the same as one JSON object")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("restore", help="put a backup in place of the database (bot stopped)",
                       description="Check FILE, keep the current database aside "
                       "(NAME.before-restore-YYYYMMDD-HHMMSS) and put FILE in its place. "
                       "Refused while the bot runs.")
    config_arg(p)
    p.add_argument("file", metavar="FILE", help="the backup to restore")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("migrate", help="bring the database schema up to date",
                       description="Apply pending migrations (start-up does this too).")
    config_arg(p)
    p.set_defaults(func=cmd_migrate)
    return parser


def lang_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of the answer (default: the config's [defaults] locale)")


def _tree_parsers(bsub: Any, config_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """`branch rename|move|archive|levels|titles|title`: as /branch in the chat."""
    q = bsub.add_parser("rename", help="rename a branch",
                        description="Rename a branch; refused if a branch under the same "
                        "parent has that name (spaces trimmed, case ignored).")
    q.add_argument("id", type=branch_id_arg, metavar="ID")
    q.add_argument("name", nargs="+", metavar="NAME")
    q.set_defaults(func=cmd_branch_rename)
    q = bsub.add_parser("move", help="move a branch under another",
                        description="Move a branch, with everything below it, under another "
                        "branch (not under itself or a branch below it).")
    q.add_argument("id", type=branch_id_arg, metavar="ID")
    q.add_argument("parent", type=branch_id_arg, metavar="PARENT_ID")
    q.set_defaults(func=cmd_branch_move)
    q = bsub.add_parser("archive", help="archive an empty branch",
                        description="Archive a branch with everything below it, once no member "
                        "and no one on the roster is left in it: it leaves the tree, the menus, "
                        "the rollups and the daily runs; its history is kept.")
    q.add_argument("id", type=branch_id_arg, metavar="ID")
    q.set_defaults(func=cmd_branch_archive)
    q = bsub.add_parser("levels", help="name the tree's levels (or print them)",
                        description="Name the tree's levels from the root down, e.g. "
                        "街道党工委/社区党委/党支部/网格党小组 (\"-\" for none); without names, "
                        "print them.")
    q.add_argument("names", nargs="*", metavar="NAMES")
    q.set_defaults(func=cmd_branch_levels)
    q = bsub.add_parser("titles", help="name each level's secretaries",
                        description="What each level's secretaries are called, from the root "
                        "down, e.g. 书记/书记/书记/组长.")
    q.add_argument("names", nargs="+", metavar="TITLES")
    q.set_defaults(func=cmd_branch_titles)
    q = bsub.add_parser("title", help="one branch's own level name and leader title",
                        description="A branch's own level name and leader title (\"-\": its "
                        "level's), e.g. 党小组 组长.")
    q.add_argument("id", type=branch_id_arg, metavar="ID")
    q.add_argument("level", metavar="LEVEL_NAME")
    q.add_argument("title", metavar="LEADER_TITLE")
    q.set_defaults(func=cmd_branch_title)
    for parser in bsub.choices.values():
        if parser.get_default("func") in (cmd_branch_rename, cmd_branch_move, cmd_branch_archive,
                                          cmd_branch_levels, cmd_branch_titles, cmd_branch_title):
            config_arg(parser)
            lang_arg(parser)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frontline")
    except PackageNotFoundError:
        return "unknown"
