# ipkg — the two commands a new user needs:
#   make serve   install what is needed and run the SPARQL endpoint on the shipped data
#   make test    install what is needed and run the test suite
# Everything is installed into ./.venv (Python) and ./node_modules (the query UI).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install serve test fmt fmt-check lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/ipkg serve

test: install
	$(BIN)/python -m pytest -q

fmt: install
	$(BIN)/ipkg fmt

fmt-check: install
	$(BIN)/ipkg fmt --check

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
