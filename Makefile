# Two commands: `make run` (set up and serve) and `make test` (lint, migrations check,
# the suite on SQLite and on PostgreSQL, browser tests when Chromium is found).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Newest Python >= 3.12 on PATH or under pyenv; Django 6.1 needs it.
PYENV_PYTHONS := $(shell ls -d $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV)
PYTHON_CANDIDATES := python3.14 python3.13 python3.12 $(PYENV_PYTHONS) /usr/bin/python3
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/riskregister

.PHONY: run test install install-dev venv npm migrate demo lint format test-sqlite \
	test-postgres test-e2e bench clean

$(VENV)/.created:
	@set -e; for c in $(PYTHON_CANDIDATES); do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    echo "Using $$c ($$($$c --version))"; $$c -m venv $(VENV); touch $@; exit 0; fi; \
	done; echo "Python 3.12 or newer is required (Django 6.1); none found." >&2; exit 1

$(VENV)/.installed: $(VENV)/.created requirements.txt
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@mkdir -p var  # the settings' SQLite file lives there: no warning on a fresh clone
	DJANGO_SETTINGS_MODULE=riskregister.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install-dev
	@echo "=== Test suite on SQLite ==="
	env -u DATABASE_URL $(VENV)/bin/pytest

# PostgreSQL: DATABASE_URL when set, else the local server. Skipped with a message
# when none answers, except under CI=true where that fails the run.
test-postgres: install-dev
	@url="$${DATABASE_URL:-$(PG_TEST_URL)}"; \
	if $(PY) scripts/pg_ready.py "$$url"; then \
	  echo "=== Test suite on PostgreSQL ($$url) ==="; \
	  DATABASE_URL="$$url" $(VENV)/bin/pytest; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "PostgreSQL is required in CI and did not answer at $$url" >&2; exit 1; \
	else echo "PostgreSQL not reachable at $$url: skipping the PostgreSQL run."; fi

bench: install-dev
	$(PY) bench/run.py
	$(PY) bench/sign_in.py
	$(PY) bench/demo_load.py
	$(PY) bench/api.py
	$(PY) bench/audit.py
	$(PY) bench/docx.py
	$(PY) bench/exports.py
	$(PY) bench/register_report_pdf.py --charts both
	$(PY) bench/register_report_docx.py

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
