# dfi-casos: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
export DFI_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint typecheck services clean lock check-lock translations

# Installs come from the lock files only, every package checked against its hash: a deployment
# gets exactly what CI tested. `make lock` regenerates them after pyproject.toml changes.
PIP_COMPILE = $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --no-emit-trusted-host

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml requirements.txt | $(BIN)/python
	$(BIN)/python .ci/check_lock.py
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.txt | $(BIN)/python
	$(BIN)/python .ci/check_lock.py
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.installed

## Fail when pyproject.toml and requirements*.txt disagree.
check-lock: | $(BIN)/python
	$(BIN)/python .ci/check_lock.py

## Regenerate requirements.txt and requirements-dev.txt (hashes) from pyproject.toml, keeping current pins.
lock: | $(BIN)/python
	$(BIN)/pip install -q "pip-tools>=7.4"
	$(PIP_COMPILE) --extra dev -o requirements-dev.txt pyproject.toml
	$(PIP_COMPILE) --constraint requirements-dev.txt -o requirements.txt pyproject.toml

## Set up and serve the app on http://127.0.0.1:5000 (SQLite, demo data, demo users).
run: $(VENV)/.installed
	DFI_ENV=development $(BIN)/dfi-casos db upgrade
	DFI_ENV=development $(BIN)/dfi-casos seed-demo --if-empty
	DFI_ENV=development $(BIN)/dfi-casos run --host 127.0.0.1 --port 5000

## Browser-test tooling (axe-core, pinned in package-lock.json), injected by Playwright into the pages under test.
tests/e2e/node_modules/.installed: tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	touch $@

## Set up and run every check and the whole suite on SQLite and PostgreSQL.
# The suite runs on one pytest worker per core (pytest-xdist); each worker makes its own scratch
# PostgreSQL database, SQLite files, instance paths, live servers and Chromium. TEST_WORKERS=0 runs it in
# one process (for a debugger, or to read the output in order).
TEST_WORKERS ?= auto
test: check-lock $(VENV)/.installed-dev services tests/e2e/node_modules/.installed lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

services:
	bash .ci/ensure-services.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check dfi_casos tests bench config migrations

# mypy strict on the gates, the scope module, every services module and the modules services are split into.
TYPED = dfi_casos/security dfi_casos/scope dfi_casos/api dfi_casos/errors.py dfi_casos/database.py dfi_casos/pagination.py \
	$(wildcard dfi_casos/*/services.py) \
	$(addprefix dfi_casos/registry/,data.py rules.py duplicates.py persons.py events_communities.py consent.py \
	  search.py merge.py finder.py) \
	$(addprefix dfi_casos/cases/,rules.py activities.py recognition.py pages.py lists.py workflow.py) \
	$(addprefix dfi_casos/imports/,commit.py validation.py)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy $(TYPED)

## Re-extract the wrapped strings (ids = Spanish text), add new ones to the en catalogue, compile it.
## Fill the new msgstr in dfi_casos/translations/en/LC_MESSAGES/messages.po, then run it again.
translations: $(VENV)/.installed-dev
	mkdir -p build
	$(BIN)/pybabel extract -F config/babel.cfg -k _l -k lazy_gettext --add-location=file --sort-by-file \
	  --project=dfi-casos --copyright-holder="SEGOB DEPCMH" -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d dfi_casos/translations --no-fuzzy-matching --width=120
	$(BIN)/pybabel compile -d dfi_casos/translations

clean:
	rm -rf $(VENV) tests/e2e/node_modules instance .pytest_cache .mypy_cache .ruff_cache
