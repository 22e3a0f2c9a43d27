"""The child process that builds one export (`bot.rules.export.process` starts it).

It reads one request, a line of JSON, from its standard input; opens the database read-only
(`Store(..., read_only=True)`: SQLite refuses any write); writes the workbook to the file the
request names; and prints one line of JSON on its standard output: the file's name, size,
sheets and rows, or
`{"error": "no_branch"}`. Any other failure is a traceback on its standard error and a
non-zero exit. Logs go to standard error (the parent logs them), never to standard output.

It never outlives the bot: the parent keeps the child's standard input open until it has the
answer, and a thread here exits the process as soon as that input closes (the parent gave
up, or died, even by SIGKILL), removing the file it was writing. It shares no signals with a
terminal (a session of its own).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.rules.export import NoBranch, build_export
from storage.branches import Defaults
from storage.store import Store

EXIT_ORPHANED = 3


def _exit_when_orphaned(out: Path) -> None:
    # Unbuffered reads (no lock of sys.stdin held, which would stop the interpreter's exit):
    # they return b"" when the parent closes our input, or dies. Then the half-written
    # workbook goes too (a parent that died cannot remove it).
    while os.read(0, 4096):
        pass
    out.unlink(missing_ok=True)
    os._exit(EXIT_ORPHANED)


async def build(request: dict[str, Any]) -> dict[str, Any]:
    """Build the export a request asks for; the answer to print."""
    store = Store(request["db"], Defaults(**request["defaults"]), read_only=True)
    await store.initialize()
    try:
        found = await build_export(
            store, Translator(request["locale"]), request["language"], request["root"],
            date.fromisoformat(request["first"]), date.fromisoformat(request["last"]),
            now=datetime.fromisoformat(request["now"]), notes=request["notes"],
            reader_id=request["reader"], path=Path(request["out"]))
    except NoBranch:
        return {"error": "no_branch"}
    finally:
        await store.shutdown()
    return {"file_name": found.file_name, "size": found.size, "sheets": found.sheets,
            "rows": found.rows}


def main() -> None:
    """Read the request, build, answer (see the module's docstring)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    line = sys.stdin.buffer.readline()
    if not line:
        return  # the parent went away before asking
    request = json.loads(line)
    threading.Thread(target=_exit_when_orphaned, args=(Path(request["out"]),),
                     name="orphan-watch", daemon=True).start()
    answer = asyncio.run(build(request))
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
