# ipkg — the two commands a new user needs:
#   make serve   install what is needed and run the SPARQL endpoint on the shipped data
#   make test    install what is needed and run the test suite
# Everything is installed into ./.venv (Python) and ./node_modules (the query UI).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
UI_STAMP := node_modules/.installed-stamp
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install ui browser serve test fmt fmt-check lint clean

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

serve: install
	$(BIN)/ipkg serve

test: install browser
	$(BIN)/python -m pytest -q

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
