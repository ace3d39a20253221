# Two commands do everything on a fresh machine:
#   make run   - the tracker on the embedded default (SQLite, filesystem broker) at http://127.0.0.1:8000
#   make test  - the whole suite against PostgreSQL and Redis
# With DATABASE_URL / CELERY_BROKER_URL / REDIS_URL set, `make run` uses those services instead.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Where `make run` serves: honcho gives the Procfile's first process (web) the port it starts from.
WEB_PORT := $(or $(PORT),8000)

.DEFAULT_GOAL := help
.PHONY: help run serve migrate seed demo test lint check-services browser bench clean

help:
	@echo "make run    set up and serve the tracker (web, worker, beat) on http://127.0.0.1:8000"
	@echo "make test   run ruff and the whole test suite on PostgreSQL and Redis"
	@echo "make bench  run the benchmarks in bench/ (import, API, pages)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when the requirements change.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.runtime $@

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

demo: seed
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://127.0.0.1:$(WEB_PORT) (web, worker and beat; Ctrl-C stops them all)"
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho --procfile Procfile start --port $(WEB_PORT)

check-services: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=tracker.settings.test $(PY) -m tools.check_services

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot run here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }

lint: $(VENV)/.dev
	$(BIN)/ruff check .

# Two pytest-xdist workers (the suite's machine has two cores), each with its own test database and Redis
# databases (tracker/settings/test.py). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
# A fresh test database by default (CI); `make test TEST_DB=--reuse-db` keeps it between runs locally.
TEST_DB ?= --create-db
test: check-services browser lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(TEST_DB) --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(PY) bench/import_bench.py
	$(PY) bench/api_bench.py
	$(PY) bench/pages_bench.py

clean:
	rm -rf var/cache var/staticfiles var/celery .pytest_cache .coverage
