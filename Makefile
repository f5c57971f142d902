# ipkg — the two commands a new user needs:
#   make serve   install what is needed and run the SPARQL endpoint on the shipped data
#   make test    install what is needed and run the test suite
#   make reliability   the long reliability suite (about half an hour per store backend)
# Everything is installed into ./.venv (Python) and ./node_modules (the query UI).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
UI_STAMP := node_modules/.installed-stamp
CHROMIUM := /usr/bin/chromium
VIRTUOSO := /usr/bin/virtuoso-t
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install ui browser remote-servers serve test reliability fmt fmt-check lint clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The query UI (YASGUI, from npm): installed again only when package.json or
# package-lock.json is newer than node_modules. The endpoint serves it from there.
$(UI_STAMP): package.json $(wildcard package-lock.json)
	@command -v npm >/dev/null || { echo "npm is needed for the query UI: install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts; \
	else npm install --no-audit --no-fund --ignore-scripts; fi
	touch $(UI_STAMP)

ui: $(UI_STAMP)

install: $(STAMP) ui

# Headless Chromium for the browser tests, from Debian's packages, only when it is missing.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Chromium for the browser tests (apt-get)"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# Virtuoso for the remote store's contract tests (tests/endpoint/remote_servers.py), from Debian's
# packages, only when it is missing; `oxigraph serve`, the other server, comes with the dev extra.
remote-servers:
	@if [ ! -x $(VIRTUOSO) ]; then \
		echo "installing Virtuoso for the remote-store tests (apt-get)"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7-bin; \
	fi

serve: install
	$(BIN)/ipkg serve

test: install browser remote-servers
	$(BIN)/python -m pytest -q

# The benchmark (bench/, not part of `make test`): ipkg next to pyoxigraph, `oxigraph serve` and
# rdflib-endpoint on loopback, one markdown table on stdout. Knobs: BENCH_* (README, "Performance").
# rdflib-endpoint is optional: if it does not install, the harness leaves its column empty.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m pip install --quiet -e ".[dev,bench,bench-rdflib]" || echo "rdflib-endpoint did not install: its column stays empty"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py

# The long reliability suite: hostile input, bombs, slow clients, kills, concurrent writers, disk faults and
# uploads against a live server on 127.0.0.1, each bounded in count and time; prints one table.
reliability: install
	$(BIN)/python -m tests.reliability.run

fmt: install
	$(BIN)/ipkg fmt

fmt-check: install
	$(BIN)/ipkg fmt --check

lint: install
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
