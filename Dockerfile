# Frontline's image: Python 3.11 slim, the bot in a venv, run as an unprivileged user, the
# database on the volume /data, the configuration at /etc/frontline/config.toml.
# deploy/compose.yaml runs it in webhook mode behind Caddy (README, "Running in production").
#
#   docker build -t frontline .
#   docker run -v frontline-data:/data -v "$PWD/config.toml:/etc/frontline/config.toml:ro" \
#       -e FRONTLINE_TOKEN_FILE=/run/secrets/telegram_token ... frontline

# Stage 1: the project's wheel, built from the sources (nothing of this stage is kept).
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY storage/ storage/
RUN pip wheel --no-deps --wheel-dir /wheels .

# Stage 2: the venv, with the wheel and its dependencies from PyPI; no sources, no compiler.
FROM python:3.11-slim-bookworm
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# A fixed uid, so that a bind-mounted folder or a secret file can be given to it (chown 10001).
RUN groupadd --system --gid 10001 frontline \
    && useradd --system --uid 10001 --gid frontline --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin frontline
COPY --from=build /wheels/ /tmp/wheels/
RUN python -m venv /opt/frontline \
    && /opt/frontline/bin/pip install /tmp/wheels/frontline-*.whl \
    && rm -rf /tmp/wheels
COPY deploy/healthcheck.py /opt/frontline/healthcheck.py
# /data: the database, its WAL and lock files, backups/ ([backup] folder). A new named volume
# takes this folder's owner and mode (0700: members' health statuses are in there).
RUN install -d -m 0700 -o frontline -g frontline /data /data/backups \
    && install -d -m 0755 /etc/frontline
ENV PATH=/opt/frontline/bin:$PATH \
    FRONTLINE_CONFIG=/etc/frontline/config.toml \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
# The bot's HTTP server ([webhook] port in webhook mode, [http] port in polling mode, both
# 8080 in deploy/config.compose.toml): the webhook, /healthz, /readyz, /metrics.
EXPOSE 8080
# SIGTERM: the bot stops taking updates, finishes the messages in flight, closes the
# database and exits 0 (give it `docker stop -t 30` / compose's stop_grace_period).
STOPSIGNAL SIGTERM
# /readyz (the database writable, the outbox moving, the scheduler ticking, updates arriving),
# asked with Python's urllib at the address the configuration gives.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/opt/frontline/bin/python", "/opt/frontline/healthcheck.py"]
CMD ["frontline", "run", "--config", "/etc/frontline/config.toml"]
