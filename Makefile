# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
JS_DEPS := tests/js/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium
REDIS_SERVER := /usr/bin/redis-server
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint check clean postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

## run: install, apply the database's migrations (audionews db upgrade), publish the bundled
## samples with the real voice (the clip cache makes a second run instant; unchanged files are
## skipped), then serve feeds, audio and pages with waitress
## and run a job worker (audionews worker) alongside for the editor's and the API's publishes.
## Publishes, worker and server share one public URL: PUBLIC_URL if set (or public_url in
## instance/config.toml), else the address served, as `audionews serve --print-url` says.
run: install
	@url=$$($(BIN)/audionews serve --host $(HOST) --port $(PORT) --print-url) || exit $$?; \
		export PUBLIC_URL="$$url"; \
		$(BIN)/audionews db upgrade || exit $$?; \
		for f in samples/*; do $(BIN)/audionews publish "$$f" || exit $$?; done; \
		$(BIN)/audionews worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/audionews serve --host $(HOST) --port $(PORT)

# The Podcast Index feed parser (podcast-partytime) for tests/test_feed_clients.py, installed
# with the machine's node into tests/js/node_modules from the committed lock file.
$(JS_DEPS): tests/js/package.json tests/js/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Chromium for tests/browser: Playwright drives Debian's package and never downloads a browser.
$(CHROMIUM):
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# Redis for tests/redis_server.py: the job queue's tests run against a real server on loopback.
$(REDIS_SERVER):
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)

# PostgreSQL for the tests marked `postgres`: tests/postgres.py starts a server of its own in a
# temporary folder (Debian's package also sets up a cluster of its own; the tests leave it be).
POSTGRES_INITDB = $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
postgres:
	@test -n "$(POSTGRES_INITDB)" || command -v initdb >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## test: install what the tests need, lint, type-check and run the whole suite
test: lint $(JS_DEPS) $(CHROMIUM) $(REDIS_SERVER) postgres
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
