"""The README's "Running in production" says what the deployment files do: the paths, the
user, the port and the files it names are theirs, and its shell blocks are valid shell."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bot.config import load_config
from tests.deployfiles import DEPLOY, ROOT
from tests.slow.unit_sandbox import service_section

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section() -> str:
    start = README.index("\n## Running in production\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", section(), re.DOTALL)


def test_it_follows_the_configuration_and_what_is_kept() -> None:
    """It names config keys and the backups, which the two sections before it explain."""
    headings = re.findall(r"^## (.+)$", README, re.MULTILINE)
    at = headings.index("Running in production")
    assert headings[at - 2:at] == ["Configuration", "What is kept, and for how long"]


def test_the_files_it_names_exist() -> None:
    named = set(re.findall(r"\bdeploy/[\w./-]+\w", section()))
    assert named >= {"deploy/frontline.service", "deploy/config.systemd.toml",
                     "deploy/Caddyfile", "deploy/healthcheck.py"}
    assert [n for n in named if not (ROOT / n).exists()] == []
    for name in ("config.compose.toml", "compose.yaml"):
        assert (DEPLOY / name).exists()


def test_its_paths_user_and_port_are_the_units() -> None:
    unit = service_section(DEPLOY / "frontline.service")
    text = section()
    program, _, rest = unit["ExecStart"][-1].partition(" ")
    config_path = rest.split("--config ")[1]
    assert f"runuser -u {unit['User'][-1]} -- {program} init" in text
    assert f"export FRONTLINE_CONFIG={config_path}" in text
    assert f"python3 -m venv {program.removesuffix('/bin/frontline')}" in text
    credential = unit["LoadCredential"][-1].split(":", 1)[1]
    assert f"install -m 600 /dev/null {credential}" in text
    assert f"install -m 640 -g frontline deploy/config.systemd.toml {config_path}" in text
    config = load_config(DEPLOY / "config.systemd.toml", environ={})
    assert f"curl -fsS localhost:{config.http.port}/readyz" in text
    assert f"reverse_proxy 127.0.0.1:{config.webhook.port}" in text
    assert f"handle {config.webhook.path} {{" in text
    assert str(config.backup.folder) in text and str(config.storage.path.parent) in text


def test_its_shell_blocks_parse() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash here")
    blocks = shell_blocks()
    assert len(blocks) >= 4
    for block in blocks:
        done = subprocess.run([bash, "-n"], input=block, capture_output=True, text=True,
                              check=False, timeout=30)
        assert done.returncode == 0, (block, done.stderr)
