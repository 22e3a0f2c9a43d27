"""deploy/frontline.service: hardened, the token from a credential, state where the shipped
configuration (deploy/config.systemd.toml) puts the database and its backups; and, where
systemd-analyze is installed, accepted by `systemd-analyze verify` without one warning and
rated by `systemd-analyze security --offline`. No running systemd is needed for either.

What the hardening lets the bot do is tested in tests/slow/test_deploy_sandbox.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.common import EXIT_USAGE
from bot.config import TOKEN_FILE_ENV, load_config
from tests.deployfiles import DEPLOY
from tests.slow.unit_sandbox import service_section

UNIT = DEPLOY / "frontline.service"
HARDENING = {
    "NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
    "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "PrivateUsers": "yes", "PrivateMounts": "yes",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
    "ProtectProc": "invisible", "ProcSubset": "pid", "RemoveIPC": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native",
    "UMask": "0077", "SystemCallErrorNumber": "EPERM",
}
# systemd-analyze security's exposure, 0.0 (locked) to 10.0, times ten; the unit rates 1.3
# (what is left: it must reach the network, and Telegram's addresses are not pinned).
EXPOSURE_THRESHOLD = 15


def unit() -> dict[str, list[str]]:
    return service_section(UNIT)


def last(key: str) -> str:
    return unit()[key][-1]


def test_the_unit_is_hardened() -> None:
    keys = unit()
    assert {k: keys.get(k, ["<missing>"])[-1] for k in HARDENING} == HARDENING
    assert keys["SystemCallFilter"] == ["@system-service", "~@privileged @resources"]


def test_the_bot_runs_as_its_own_user() -> None:
    assert last("User") == last("Group") == "frontline"
    assert "DynamicUser" not in unit()


def test_the_token_comes_from_a_credential_not_the_command_line() -> None:
    keys = unit()
    assert keys["LoadCredential"] == ["token:/etc/frontline/token"]
    assert f"{TOKEN_FILE_ENV}=%d/token" in keys["Environment"]
    assert not re.search(r"token|FRONTLINE_TOKEN=", last("ExecStart"), re.IGNORECASE)
    assert not [e for e in keys["Environment"] if e.startswith("FRONTLINE_TOKEN=")]


def test_it_runs_frontline_with_the_configuration_directorys_file() -> None:
    assert last("ExecStart") == (
        "/opt/frontline/bin/frontline run --config /etc/frontline/config.toml")
    assert last("ConfigurationDirectory") == "frontline"
    # `run` migrates (after a backup) by itself: nothing runs before it.
    assert "ExecStartPre" not in unit()


def test_the_database_and_backups_are_in_the_state_directory() -> None:
    folders = [Path("/var/lib") / name for name in last("StateDirectory").split()]
    config = load_config(DEPLOY / "config.systemd.toml", environ={})
    assert config.storage.path.parent == folders[0] == Path("/var/lib/frontline")
    assert config.backup.folder in folders
    assert last("StateDirectoryMode") == "0700"
    # Monitoring asks the same port in both modes.
    assert config.http.enabled and config.http.port == config.webhook.port == 8080
    assert config.http.listen == config.webhook.listen == "127.0.0.1"


def test_it_restarts_on_failure_but_not_on_a_mistake() -> None:
    assert last("Restart") == "on-failure" and last("RestartSec")
    # Exit 2 (a wrong configuration, a rejected token, another bot) would only repeat.
    assert last("RestartPreventExitStatus") == str(EXIT_USAGE)
    assert last("KillSignal") == "SIGTERM" and last("KillMode") == "mixed"
    assert re.fullmatch(r"\d+s", last("TimeoutStopSec"))


def _runnable_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart's program replaced by one that exists on this machine, since
    verify refuses a unit whose program is missing (/opt/frontline is not installed here)."""
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(
        "ExecStart=/opt/frontline/bin/frontline", f"ExecStart={sys.executable}"),
        encoding="utf-8")
    return copy


def _systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed: the unit is checked by this file's "
                    "reading only")
    return tool


def test_systemd_analyze_verify_has_nothing_to_say(tmp_path: Path) -> None:
    """verify exits 0 even on an unknown key or system call group (it only warns), so any
    output at all fails the test."""
    done = subprocess.run([_systemd_analyze(), "verify", str(_runnable_copy(tmp_path))],
                          capture_output=True, text=True, check=False, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_systemd_analyze_security_rates_it_ok(tmp_path: Path) -> None:
    tool = _systemd_analyze()
    done = subprocess.run([tool, "security", "--offline=true",
                           f"--threshold={EXPOSURE_THRESHOLD}", str(_runnable_copy(tmp_path))],
                          capture_output=True, text=True, check=False, timeout=60)
    if "--offline" in done.stderr and "unrecognized" in done.stderr:
        pytest.skip("this systemd-analyze has no --offline (systemd < 250)")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert re.search(r"Overall exposure level for frontline\.service: 1\.\d OK", done.stdout)
