# dfi-casos: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
export DFI_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint typecheck services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

## Set up and serve the app on http://127.0.0.1:5000 (SQLite, demo data, demo users).
run: $(VENV)/.installed
	DFI_ENV=development $(BIN)/dfi-casos db upgrade
	DFI_ENV=development $(BIN)/dfi-casos seed-demo --if-empty
	DFI_ENV=development $(BIN)/dfi-casos run --host 127.0.0.1 --port 5000

## Set up and run every check and the whole suite on SQLite and PostgreSQL.
test: $(VENV)/.installed-dev services lint typecheck
	$(BIN)/python -m pytest

services:
	bash .ci/ensure-services.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check dfi_casos tests bench config migrations

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy dfi_casos/security dfi_casos/scope.py dfi_casos/errors.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
