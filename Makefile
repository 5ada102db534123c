# Fairdraw: `make run` serves the demo district, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= $(or $(FAIRDRAW_PORT),8000)
WORKERS ?= 2
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?= -q -n 2
MO     := web/translations/zh/LC_MESSAGES/messages.mo web/translations/en/LC_MESSAGES/messages.mo

export FLASK_APP := web

.PHONY: run serve install install-dev migrate demo test test-sqlite test-postgres bench lint format translations clean mutants

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed $(MO)
install-dev: $(BIN)/.installed-dev $(MO)

web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile -i $< -o $@

translations: $(BIN)/.installed  ## re-extract messages and update the catalogues
	$(BIN)/pybabel extract -k lazy_gettext -F web/babel.cfg -o web/translations/messages.pot web scheduler
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations
	$(BIN)/python web/translations/fill_zh.py

instance/secret_key: | $(BIN)/.installed
	$(BIN)/python -c "from scheduler.config import generate_secret_key_file as g; g()"

migrate: install instance/secret_key
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load --if-empty --plan

run: demo
	@echo "Serving Fairdraw on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - wsgi:app

test: install-dev test-sqlite test-postgres

test-sqlite: install-dev
	env -u DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install-dev
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python tests/benchmarks/run_all.py

MUTANTS ?=
MUTANT_MINUTES ?= 20
mutants: install-dev  ## mutation testing of the rule modules (slow, not part of make test; TESTING.md)
	$(BIN)/python tests/mutation/run.py $(MUTANTS) --minutes $(MUTANT_MINUTES)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
