"""The production sections of the configuration: [webhook], [http], [logging], [backup],
[retention], and the token from a file. Each mistake is one line naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import (
    SECRET_ENV,
    SECRET_FILE_ENV,
    TOKEN_ENV,
    TOKEN_FILE_ENV,
    ConfigError,
    config_from_mapping,
    load_config,
)

GOOD_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_the_example_config_is_valid_and_polls() -> None:
    config = load_config(Path(__file__).parents[2] / "config.example.toml", environ={})
    assert config.telegram.updates == "polling"
    assert not config.http.enabled and config.backup.folder is None
    assert (config.retention.outbox_days, config.retention.audit_days,
            config.retention.health_days) == (30, 365, 90)
    assert config.logging.format == "text"


def test_webhook_mode_needs_a_url_and_a_secret() -> None:
    with pytest.raises(ConfigError, match=r"\[webhook\] url"):
        config_from_mapping({"telegram": {"updates": "webhook"}})
    with pytest.raises(ConfigError, match=r"\[webhook\] secret_token.*FRONTLINE_WEBHOOK"):
        config_from_mapping({"telegram": {"updates": "webhook"},
                             "webhook": {"url": "https://bot.example.org"}})
    config = config_from_mapping({"telegram": {"updates": "webhook"},
                                  "webhook": {"url": "https://bot.example.org/",
                                              "secret_token": "s3cret_-"}})
    assert config.webhook.public_url == "https://bot.example.org/telegram"
    assert "s3cret" not in repr(config)


def test_the_secret_from_the_environment_wins() -> None:
    config = config_from_mapping(
        {"telegram": {"updates": "webhook"},
         "webhook": {"url": "https://bot.example.org", "secret_token": "in_file"}},
        environ={SECRET_ENV: "from_env"})
    assert config.webhook.secret_token == "from_env"


@pytest.mark.parametrize(("section", "value", "key"), [
    ("webhook", {"url": "http://bot.example.org"}, "url"),  # Telegram posts over https only
    ("webhook", {"url": "https://bot.example.org:8080"}, "url"),  # not a port it posts to
    ("webhook", {"secret_token": "has space"}, "secret_token"),
    ("webhook", {"secret_token": "x" * 257}, "secret_token"),
    ("webhook", {"path": "telegram"}, "path"),
    ("webhook", {"port": 0}, "port"),
    ("webhook", {"max_connections": 101}, "max_connections"),
    ("http", {"port": 70000}, "port"),
    ("http", {"listen": ""}, "listen"),
    ("logging", {"format": "xml"}, "format"),
    ("logging", {"level": "loud"}, "level"),
    ("backup", {"time": "25:00"}, "time"),
    ("backup", {"keep": 0}, "keep"),
    ("retention", {"health_days": -1}, "health_days"),
    ("retention", {"audit_days": "forever"}, "audit_days"),
    ("retention", {"outbox_dayz": 3}, "outbox_dayz"),
])
def test_each_mistake_names_its_key(section: str, value: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=rf"\[{section}\] {key}") as caught:
        config_from_mapping({section: value})
    assert "\n" not in str(caught.value)


def test_telegram_updates_is_polling_or_webhook() -> None:
    with pytest.raises(ConfigError, match=r"\[telegram\] updates"):
        config_from_mapping({"telegram": {"updates": "push"}})


def test_http_is_on_when_the_section_is_present() -> None:
    assert config_from_mapping({"http": {}}).http.enabled
    assert not config_from_mapping({}).http.enabled


def test_the_token_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(GOOD_TOKEN + "\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\ntoken_file = "token"\n', encoding="utf-8")
    assert load_config(config, environ={}).telegram.token == GOOD_TOKEN  # relative to config
    other = tmp_path / "other"
    other.write_text("654321:ZYXWVUTSRQPONMLKJIHGFEDCBA", encoding="utf-8")
    from_env = load_config(config, environ={TOKEN_FILE_ENV: str(other)})
    assert from_env.telegram.token == "654321:ZYXWVUTSRQPONMLKJIHGFEDCBA"
    assert load_config(config, environ={TOKEN_ENV: "1:x"}).telegram.token == "1:x"
    # A file that cannot be read is one line naming the key.
    with pytest.raises(ConfigError, match=r"\[telegram\] token_file: cannot read"):
        load_config(config, environ={TOKEN_FILE_ENV: str(tmp_path / "nope")})


def test_the_webhook_secret_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("from_file-1\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nupdates = "webhook"\n[webhook]\nurl = "https://b.example.org"'
                      '\nsecret_token_file = "secret"\n', encoding="utf-8")
    assert load_config(config, environ={}).webhook.secret_token == "from_file-1"
    other = tmp_path / "other"
    other.write_text("other_2", encoding="utf-8")
    assert load_config(config, environ={SECRET_FILE_ENV: str(other)}
                       ).webhook.secret_token == "other_2"
    assert load_config(config, environ={SECRET_FILE_ENV: str(other), SECRET_ENV: "env_3"}
                       ).webhook.secret_token == "env_3"
    other.write_text("not a secret!", encoding="utf-8")  # its alphabet is checked too
    with pytest.raises(ConfigError, match=r"\[webhook\] secret_token"):
        load_config(config, environ={SECRET_FILE_ENV: str(other)})
    with pytest.raises(ConfigError, match=r"\[webhook\] secret_token_file: cannot read"):
        load_config(config, environ={SECRET_FILE_ENV: str(tmp_path / "nope")})


def test_backup_folder_is_relative_to_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[backup]\nfolder = "copies"\ntime = "02:15"\nkeep = 3\n',
                      encoding="utf-8")
    backup = load_config(config, environ={}).backup
    assert backup.folder == tmp_path / "copies"
    assert (backup.at.hour, backup.at.minute, backup.keep) == (2, 15, 3)
