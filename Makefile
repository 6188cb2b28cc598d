# Plein: `make run` serves everything on http://127.0.0.1:8000; `make test` runs the suite.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_LINK_MODE ?= copy

.PHONY: help setup web-assets browser media-tools run test test-fast docs lint typecheck contract bench bench-tools replay k8s-check clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

setup: ## create the environment (installs uv with pip when missing)
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@$(MAKE) --no-print-directory web-assets

web-assets: ## the web client's front-end packages (htmx), from services/web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		[ services/web/node_modules/.package-lock.json -nt services/web/package-lock.json ] || \
		npm ci --prefix services/web --no-audit --no-fund --silent; \
	else echo "npm not found: the web client works without htmx (plain pages)"; fi

browser: ## Debian's Chromium (and an emoji font) for the browser tests: Playwright drives /usr/bin/chromium
	@[ -x /usr/bin/chromium ] || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-color-emoji; }

media-tools: ## Debian's ffmpeg: video posters and durations in the files service (without it files says so)
	@command -v ffmpeg >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends ffmpeg; }

run: ## serve Plein with embedded PostgreSQL and NATS, seeding a demo organisation
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@# Only what running needs: no linters, kubectl or test tools (those come with `make setup`).
	@$(MAKE) --no-print-directory web-assets
	$(UV) run --frozen --no-dev plein run

# S=posts (or S="posts feed") limits a test run to those services' tests; empty: everything.
S ?=
TEST_PATHS = $(if $(strip $(S)),$(foreach s,$(S),$(if $(wildcard services/$(s)),services/$(s),libs/$(s))),)

test: setup browser media-tools k8s-check docs ## the whole suite against real PostgreSQL and NATS (embedded unless PLEIN_*_URL); S=posts for one service
	$(UV) run plein contract --check
	$(UV) run pytest --ignore=tests/deploy $(TEST_PATHS)

test-fast: setup ## every test that needs no server (seconds): `make test` less the `integration` ones; S=posts for one service
	$(UV) run plein contract --check
	$(UV) run pytest -m "not integration" --ignore=tests/deploy -q $(TEST_PATHS)

docs: setup ## the documentation site from docs/ into .site/ (MkDocs Material; strict: any warning fails; no --quiet, which hides warnings from strict)
	NO_MKDOCS_2_WARNING=1 $(UV) run mkdocs build --strict

lint: setup typecheck ## ruff and mypy
	$(UV) run ruff check .

typecheck: setup ## mypy over the libraries, every service and the tests (--strict for the event contract)
	$(UV) run mypy libs/events/src libs/platform/src services/*/src
	$(UV) run mypy --strict libs/events/src libs/platform/src libs/demo/src libs/testdata/src
	@# Tests: bodies checked too (check_untyped_defs), not strict. Package bases from the repo
	@# root, so the many conftest.py files are services.feed.tests.conftest and so on.
	$(UV) run mypy --explicit-package-bases --check-untyped-defs libs/*/tests services/*/tests tests

contract: setup ## rewrite event JSON Schemas and the AsyncAPI document from the contract
	$(UV) run plein contract

bench-tools: ## the load generator bench/feed.py drives from outside (wrk, Debian package)
	@command -v wrk >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	@wrk --version 2>&1 | head -1 || true

bench: setup bench-tools ## benchmarks, each next to a baseline measured in the same run
	$(UV) run python bench/pipeline.py
	$(UV) run python bench/posts_thread.py
	$(UV) run python bench/notify.py
	$(UV) run python bench/personal_data.py
	$(UV) run python bench/feed.py --events 200000
	$(UV) run python bench/metrics.py
	$(UV) run python bench/web.py
	$(UV) run python bench/web_vitals.py
	$(UV) run python bench/files.py

replay: setup ## rebuild a projection from the stream: make replay P=feed
	$(UV) run plein replay $(P)

k8s-check: setup ## render deploy/k8s overlays, validate them offline, policy checks, lint the Dockerfile
	$(UV) run hadolint --config deploy/hadolint.yaml Dockerfile
	$(UV) run pytest tests/deploy -q

clean: ## remove local data of embedded servers
	rm -rf .plein
