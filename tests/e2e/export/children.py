"""Stand-ins for the export's child process (`bot.rules.export.child`), which tests put in its
place (`bot.rules.export.process.CHILD`); the environment variable `CHILD_MODE` says what it
does:

- `gate:DIR`: write its pid to DIR/pid, wait until DIR/go exists (or its parent is gone), then
  build as the real child does;
- `hold:DIR`: run as the real child does, but for the build, which writes the pid to DIR/pid
  and then never ends (the real child's watch on its parent is what ends it);
- `crash`: read the request, write half a workbook, and die by SIGKILL (as the kernel's
  out-of-memory killer would end it);
- `error`: fail with an exception (a traceback on standard error, exit status 1).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bot.rules.export import child

MODE = "CHILD_MODE"


def main() -> None:
    """Do what `CHILD_MODE` says (see the module's docstring)."""
    mode, _, argument = os.environ.get(MODE, "").partition(":")
    if mode == "gate":
        folder, parent = Path(argument), os.getppid()
        (folder / "pid").write_text(str(os.getpid()))
        while not (folder / "go").exists():
            if os.getppid() != parent:
                return
            time.sleep(0.01)
        child.main()
    elif mode == "hold":

        async def hold(request: dict[str, Any]) -> dict[str, Any]:
            (Path(argument) / "pid").write_text(str(os.getpid()))
            await asyncio.Event().wait()
            raise AssertionError("never")

        child.build = hold  # type: ignore[assignment]
        child.main()
    elif mode == "crash":
        request = json.loads(sys.stdin.buffer.readline())
        Path(request["out"]).write_bytes(b"PK\x03\x04 half a workbook")
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "error":
        raise RuntimeError("the workbook could not be built")
    else:
        raise SystemExit(f"unknown {MODE}: {mode!r}")
