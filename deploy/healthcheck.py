"""Exit 0 when the running bot answers 200 on /readyz, else 1 (the Docker image's HEALTHCHECK).

The address comes from the same configuration the bot reads (--config, else
$FRONTLINE_CONFIG, else config.toml): the webhook's server in webhook mode, the `[http]`
server in polling mode. A wildcard listen address (0.0.0.0, ::) is asked on the loopback.
Python's urllib only: the slim image has no curl. Prints one line, which `docker inspect`
shows in the container's health log.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request

from bot.config import Config, ConfigError, load_config

TIMEOUT_S = 4.0
LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def readyz_url(config: Config) -> str | None:
    """Where the running bot answers /readyz, or None when it runs no HTTP server."""
    if config.telegram.updates == "webhook":
        listen, port = config.webhook.listen, config.webhook.port
    elif config.http.enabled:
        listen, port = config.http.listen, config.http.port
    else:
        return None
    host = LOOPBACK.get(listen, listen)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/readyz"


def check(url: str) -> tuple[bool, str]:
    """(ready, one line saying why)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:
            return answer.status == 200, f"{url}: {answer.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: {exc.code} {exc.read(500).decode('utf-8', 'replace').strip()}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"{url}: no answer ({reason})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", metavar="PATH")
    args = parser.parse_args(argv)
    path = args.config or os.environ.get("FRONTLINE_CONFIG") or "config.toml"
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(exc)
        return 1
    url = readyz_url(config)
    if url is None:
        print(f'{path}: no HTTP server to ask: add an [http] section (or updates = "webhook")')
        return 1
    ready, line = check(url)
    print(line)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
