# Two entry points that work on a fresh machine with only Python 3.11 and pip.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# install (or refresh) the project into .venv; the stamp re-runs pip when pyproject changes
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/presswash run

# lint and types first (seconds), then the suite; mypy's files are set in pyproject.toml
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean-db:
	rm -f warehouse/presswash.duckdb warehouse/presswash.duckdb.wal warehouse/presswash.duckdb.lock
