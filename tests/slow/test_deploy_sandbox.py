"""The bot works inside deploy/frontline.service's hardening, reproduced without systemd.

tests/slow/unit_sandbox.py reads the unit and applies what it can outside systemd: the
system call allow list, MemoryDenyWriteExecute=, RestrictAddressFamilies=, UMask=,
NoNewPrivileges=, no capabilities, a read-only / (ProtectSystem=strict), a private /tmp,
/proc with hidepid= and subset=pid. First a probe shows each of these is in force; then
real tests run inside it: the personal links' PDF and QR codes, the charts (numpy,
matplotlib, Pillow), the export (openpyxl's temporary files), the demo as a process, and
`frontline run` polling a Bot API server over TCP on the loopback.

It needs root (it mounts in a private mount namespace), util-linux (unshare, setpriv,
mount), systemd-analyze (to expand the unit's system call groups) and the libseccomp
bindings of the system's Python (Debian: apt-get install python3-seccomp); without them it
skips, saying which is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deployfiles import DEPLOY, ROOT

SANDBOX = Path(__file__).with_name("unit_sandbox.py")
UNIT = DEPLOY / "frontline.service"
SYSTEM_PYTHON = "/usr/bin/python3"
# What the bot does in production that the hardening could break, as the suite tests it.
INSIDE = [
    "tests/e2e/org/test_links.py", "tests/e2e/cli/test_links_cli.py", "tests/e2e/charts",
    "tests/e2e/export", "tests/slow/test_run_base_url.py",
    "tests/slow/test_cli_processes.py::test_the_demo_as_a_process",
]
PROBE = r"""
import errno, mmap, os, socket
def refused(what):
    try:
        what()
    except OSError as exc:
        return errno.errorcode[exc.errno]
    return "allowed"
print("wx", refused(lambda: mmap.mmap(-1, 4096, prot=7)))
print("netlink", refused(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)))
print("inet6", refused(lambda: socket.socket(socket.AF_INET6).close()))
print("root", refused(lambda: open("/frontline-probe", "w")))
print("tmp", refused(lambda: open("/tmp/frontline-probe", "w").close()))
print("cpuinfo", refused(lambda: open("/proc/cpuinfo")))
print("chown", refused(lambda: os.chown("/tmp/frontline-probe", 1, 1)))
print("sched_setaffinity", refused(lambda: os.sched_setaffinity(0, {0})))
print("umask", oct(os.umask(0)))
"""


def _why_not() -> str | None:
    if sys.platform != "linux":
        return "Linux only"
    if os.geteuid() != 0:
        return "needs root, to mount in a private mount namespace"
    missing = [t for t in ("unshare", "setpriv", "mount", "systemd-analyze")
               if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} not installed"
    if subprocess.run([SYSTEM_PYTHON, "-c", "import seccomp"], capture_output=True,
                      check=False).returncode != 0:
        return f"{SYSTEM_PYTHON} has no seccomp module (Debian: apt-get install python3-seccomp)"
    if subprocess.run(["unshare", "-m", "true"], capture_output=True,
                      check=False).returncode != 0:
        return "no mount namespace can be made here (a container without CAP_SYS_ADMIN?)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_why_not() is not None,
                                                   reason=str(_why_not()))]


def sandboxed(*command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["unshare", "-m", "--propagation", "private", "--", SYSTEM_PYTHON,
                           str(SANDBOX), "mounts", str(UNIT), "--", *command],
                          cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=timeout)


def test_the_sandbox_refuses_what_the_unit_forbids() -> None:
    done = sandboxed(sys.executable, "-c", PROBE, timeout=60)
    assert done.returncode == 0, done.stderr
    assert dict(line.split(" ", 1) for line in done.stdout.splitlines()) == {
        "wx": "EPERM",  # MemoryDenyWriteExecute=yes
        "netlink": "EAFNOSUPPORT",  # RestrictAddressFamilies=
        "inet6": "allowed",
        "root": "EROFS",  # ProtectSystem=strict
        "tmp": "allowed",  # PrivateTmp=yes: a fresh, writable /tmp
        "cpuinfo": "ENOENT",  # ProcSubset=pid
        "chown": "EPERM",  # SystemCallFilter=~@privileged, no CAP_CHOWN
        "sched_setaffinity": "EPERM",  # SystemCallFilter=~@resources
        "umask": "0o77",  # UMask=0077
    }


def test_the_bot_works_under_the_units_hardening() -> None:
    done = sandboxed(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     "-m", "slow or not slow", *INSIDE, timeout=900)
    tail = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail and "deselected" not in tail, tail
