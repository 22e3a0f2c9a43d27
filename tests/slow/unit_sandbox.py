"""Run a command inside what deploy/frontline.service's hardening would allow, without systemd.

Used by tests/slow/test_deploy_sandbox.py; runs under the system's Python 3 (it needs the
libseccomp bindings, Debian's python3-seccomp) and as root (it mounts in its own namespace),
in two stages:

    unshare -m --propagation private -- python3 unit_sandbox.py mounts UNIT -- CMD...

`mounts` (root, in a private mount namespace): ProtectSystem=strict remounts / read-only;
PrivateTmp= puts a fresh tmpfs on /tmp and /var/tmp; ProtectProc= and ProcSubset= mount a
new /proc with hidepid= and subset=. Then it drops every capability and sets no_new_privs
(setpriv, NoNewPrivileges= and CapabilityBoundingSet=) and runs the second stage, `seccomp`:
UMask=, then one seccomp filter as systemd builds it (src/shared/seccomp-util.c) for
SystemCallFilter= (the groups expanded by `systemd-analyze syscall-filter`, an allow list
followed by `~` deny lists), SystemCallErrorNumber=, MemoryDenyWriteExecute= and
RestrictAddressFamilies=; then it executes CMD.

Not reproduced: User= (the command keeps uid 0, without capabilities), ProtectHome= (the
project's Python may live under /root), PrivateDevices=, PrivateUsers=, the Protect*= of the
kernel, namespaces and the credentials: what they forbid, a bot that passes its tests here
does not try.
"""

from __future__ import annotations

import errno
import mmap
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SHM_EXEC = 0o100000
AF_MAX = 46  # Linux 6.x


def service_section(unit: Path) -> dict[str, list[str]]:
    """The [Service] keys of `unit`, each with its values in order (a key may repeat)."""
    keys: dict[str, list[str]] = {}
    section = ""
    for raw in unit.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def yes(keys: dict[str, list[str]], key: str) -> bool:
    return keys.get(key, ["no"])[-1].lower() in ("yes", "true", "1", "on")


def expand(name: str, seen: set[str] | None = None) -> set[str]:
    """The system calls of `name` (`@group` expanded as systemd-analyze lists it)."""
    if not name.startswith("@"):
        return {name}
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    listing = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout
    calls: set[str] = set()
    for line in listing.splitlines()[1:]:
        item = line.strip()
        if item and not item.startswith("#"):
            calls |= expand(item, seen)
    return calls


def allowed_calls(keys: dict[str, list[str]]) -> set[str] | None:
    """The allow list SystemCallFilter= leaves, or None when the key is absent."""
    allowed: set[str] | None = None
    for value in keys.get("SystemCallFilter", []):
        deny = value.startswith("~")
        names = set().union(*(expand(n) for n in value.lstrip("~").split()))
        if allowed is None:
            if deny:
                raise SystemExit("a deny-only SystemCallFilter= is not reproduced here")
            allowed = set()
        allowed = allowed - names if deny else allowed | names
    return allowed


def mounts(unit: Path, command: list[str]) -> None:
    keys = service_section(unit)
    if keys.get("ProtectSystem", ["no"])[-1] == "strict":
        subprocess.run(["mount", "-o", "remount,bind,ro", "/"], check=True)
    if yes(keys, "PrivateTmp"):
        # A checkout under /tmp (CI's clone) stays visible, read-only, at its own path in
        # the fresh /tmp: under systemd the program lives outside it (/opt/frontline).
        checkout = Path(__file__).resolve().parents[2]
        for folder in ("/tmp", "/var/tmp"):
            held = checkout.is_relative_to(folder)
            if held:
                aside = tempfile.mkdtemp(dir="/dev/shm")
                subprocess.run(["mount", "--bind", str(checkout), aside], check=True)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs",
                            folder], check=True)
            if held:
                checkout.mkdir(parents=True)
                subprocess.run(["mount", "--bind", aside, str(checkout)], check=True)
                subprocess.run(["mount", "-o", "remount,bind,ro", str(checkout)], check=True)
    options = []
    if "ProtectProc" in keys:
        options.append(f"hidepid={keys['ProtectProc'][-1]}")
    if keys.get("ProcSubset", ["all"])[-1] == "pid":
        options.append("subset=pid")
    if options:
        subprocess.run(["mount", "-t", "proc", "-o", ",".join(options), "proc", "/proc"],
                       check=True)
    drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]
    if yes(keys, "NoNewPrivileges") or "SystemCallFilter" in keys:
        drop.append("--no-new-privs")
    os.execvp(drop[0], [*drop, "--", sys.executable, __file__, "seccomp", str(unit), "--",
                        *command])


def seccomp_stage(unit: Path, command: list[str]) -> None:
    import seccomp  # Debian's python3-seccomp

    keys = service_section(unit)
    if "UMask" in keys:
        os.umask(int(keys["UMask"][-1], 8))
    # One filter per setting, as systemd loads them: the kernel runs every filter and the
    # strictest answer wins. The allow list goes last, since it may not allow seccomp().
    filters = []
    eperm = seccomp.ERRNO(errno.EPERM)
    if yes(keys, "MemoryDenyWriteExecute"):
        wx, x = mmap.PROT_WRITE | mmap.PROT_EXEC, mmap.PROT_EXEC
        mdwe = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        mdwe.add_rule(eperm, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
        mdwe.add_rule(eperm, "mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, x, x))
        mdwe.add_rule(eperm, "pkey_mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, x, x))
        mdwe.add_rule(eperm, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
        filters.append(mdwe)
    if "RestrictAddressFamilies" in keys:
        names = " ".join(keys["RestrictAddressFamilies"]).split()
        families = {int(getattr(socket, name)) for name in names}
        sockets = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        refuse = seccomp.ERRNO(errno.EAFNOSUPPORT)
        for family in range(AF_MAX):
            if family not in families:
                sockets.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.EQ, family))
        sockets.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.GE, AF_MAX))
        filters.append(sockets)
    allowed = allowed_calls(keys)
    if allowed is not None:
        number = keys.get("SystemCallErrorNumber", ["EPERM"])[-1]
        calls = seccomp.SyscallFilter(defaction=seccomp.ERRNO(getattr(errno, number)))
        for name in sorted(allowed):
            try:
                calls.add_rule(seccomp.ALLOW, name)
            except (RuntimeError, ValueError):  # unknown to this libseccomp: systemd skips it too
                continue
        filters.append(calls)
    for each in filters:
        each.load()
    os.execvp(command[0], command)


def main(argv: list[str]) -> None:
    stage, unit, separator, *command = argv
    if separator != "--" or not command or not re.fullmatch(r"mounts|seccomp", stage):
        raise SystemExit(__doc__)
    (mounts if stage == "mounts" else seccomp_stage)(Path(unit), command)


if __name__ == "__main__":
    main(sys.argv[1:])
