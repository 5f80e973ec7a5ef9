# ShopWave: `make run` serves the shop, `make test` runs every test. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha1sum requirements.lock 2>/dev/null | cut -c1-12)
HOST    ?= 127.0.0.1
PORT    ?= $(shell $(PY) scripts/free_port.py 8000 2>/dev/null || echo 8000)
CHROMIUM ?= /usr/bin/chromium
WRK     ?= wrk

.PHONY: help install db db-stop migrate demo run test test-fast lint format migrations-check browser bench-tools check-deploy clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@set -e; py=$$(scripts/find_python.sh); \
	if [ ! -x "$(PY)" ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		rm -rf $(VENV); echo "creating $(VENV) with $$py"; "$$py" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock; \
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) ## Create the virtualenv and install the locked dependencies

db: install ## Start the project-local PostgreSQL (skipped when DATABASE_URL is set)
	@if [ -n "$$DATABASE_URL" ] || grep -qs '^DATABASE_URL=' .env; then \
		echo "DATABASE_URL is set: using that server"; else bash scripts/devdb.sh start; fi

db-stop: ## Stop the project-local PostgreSQL
	@bash scripts/devdb.sh stop

migrate: db ## Apply migrations (as the owner login)
	@$(PY) manage.py migrate --noinput -v0

demo: migrate ## Load the demo data set if the database is empty
	@$(PY) manage.py load_demo_data --if-empty

run: demo ## Set everything up, then serve the shop with gunicorn on a free local port
	@$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py welcome --url "http://$(HOST):$(PORT)/"
	@SHOPWAVE_DB_LOGIN=web exec $(VENV)/bin/gunicorn shopwave.wsgi --bind $(HOST):$(PORT) \
		--workers 2 --threads 4 --access-logfile - --error-logfile -

browser: ## Install Debian's chromium for the browser tests if it is missing
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" -eq 0 ]; then \
			echo "installing chromium from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Browser tests need Debian's chromium: run 'sudo apt-get install chromium'" >&2; exit 1; \
		fi; \
	fi

bench-tools: ## Install Debian's wrk (HTTP load generator for manage.py bench_http) if it is missing
	@if ! command -v $(WRK) >/dev/null 2>&1; then \
		if [ "$$(id -u)" -eq 0 ]; then \
			echo "installing wrk from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "The HTTP benchmark needs Debian's wrk: run 'sudo apt-get install wrk'" >&2; exit 1; \
		fi; \
	fi

lint: install ## ruff (lint and format check) and mypy
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

format: install ## Apply ruff's fixes and formatting
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

migrations-check: db ## Fail if a model change has no migration
	@$(PY) manage.py makemigrations --check --dry-run

test: db browser bench-tools lint migrations-check ## Set up, then run the whole suite (browser tests included)
	@$(PY) manage.py collectstatic --noinput -v0
	@$(PY) -m pytest

test-fast: db ## The suite without browser tests, lint or checks
	@$(PY) -m pytest -m "not browser"

clean: db-stop ## Stop the database and delete the virtualenv and local data
	rm -rf $(VENV) var
