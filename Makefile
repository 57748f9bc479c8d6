# Samhandling 0-24. `make run` sets everything up and serves the demo; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/samhandling
export DJANGO_SETTINGS_MODULE := samhandling.config.settings
export PYTHONPATH := src

# Environment of the local demo server (see README: demo mode is never on by default).
RUN_ENV = DEMO_MODE=true HTTPS=false DEBUG=false SECRET_KEY="$$(cat var/secret_key)" \
	ALLOWED_HOSTS=127.0.0.1,localhost
# Environment of the test runs.
TEST_ENV = SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef HTTPS=false \
	DEMO_MODE=false DEBUG=false

.PHONY: run setup test lint types test-sqlite test-postgres test-e2e assets messages chromium \
	translations \
	lock clean bench audit

run: setup
	@$(RUN_ENV) $(PY) manage.py demo_logins
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops the server, worker and scheduler)"
	@trap 'kill 0' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py db_worker --no-reload >var/worker.log 2>&1 & \
	$(RUN_ENV) $(PY) manage.py run_scheduler >var/scheduler.log 2>&1 & \
	$(RUN_ENV) $(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

setup: $(VENV)/.installed node_modules/.installed var/secret_key messages assets
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_regions
	$(RUN_ENV) $(PY) manage.py load_statistics
	$(RUN_ENV) $(PY) manage.py seed_demo

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

messages:
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	@for po in src/samhandling/locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "$${po%.po}.mo" "$$po"; done

assets: $(VENV)/.installed node_modules/.installed var/secret_key
	@$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v 0

translations: $(VENV)/.installed
	cd src/samhandling && $(TEST_ENV) ../../$(PY) ../../manage.py makemessages -l nb -l en \
		--no-obsolete --ignore "*/static/*"

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/bandit -q -r src -x '*/migrations/*' -lll

# Security audit: every bandit finding (medium and low are explained in
# docs/security-findings.md) and the pinned packages against PyPI's advisories.
audit: $(VENV)/.installed
	-$(VENV)/bin/bandit -q -r src -x '*/migrations/*'
	$(VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip --strict

types: $(VENV)/.installed
	$(TEST_ENV) $(VENV)/bin/mypy src

test: $(VENV)/.installed node_modules/.installed var/secret_key messages assets chromium lint types
	$(MAKE) --no-print-directory test-sqlite test-postgres test-e2e

test-sqlite:
	@echo "== pytest on SQLite =="
	$(TEST_ENV) DATABASE_URL=sqlite:///var/test.sqlite3 $(VENV)/bin/pytest -m "not e2e" -q -n 2

test-postgres:
	@echo "== pytest on PostgreSQL =="
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		$(TEST_ENV) DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -m "not e2e" -q -n 2; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at 127.0.0.1:5432 is unreachable, and CI requires it."; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL at 127.0.0.1:5432 is unreachable (required under CI=true)."; \
	fi

test-e2e:
	@echo "== browser tests (Playwright + Debian chromium, SQLite) =="
	$(TEST_ENV) DATABASE_URL=sqlite:///var/test.sqlite3 $(VENV)/bin/pytest -m e2e -q

bench: $(VENV)/.installed
	$(TEST_ENV) DATABASE_URL=$(PG_URL)_bench $(PY) bench/audit_record.py
	$(TEST_ENV) DATABASE_URL=sqlite:///var/bench.sqlite3 $(PY) bench/audit_record.py
	$(TEST_ENV) DATABASE_URL=$(PG_URL)_bench $(PY) bench/case_pages.py
	$(TEST_ENV) DATABASE_URL=sqlite:///var/bench-cases.sqlite3 $(PY) bench/case_pages.py
	$(TEST_ENV) DATABASE_URL=$(PG_URL)_bench $(PY) bench/catalogue_pages.py
	$(TEST_ENV) DATABASE_URL=sqlite:///var/bench-catalogue.sqlite3 $(PY) bench/catalogue_pages.py

lock:
	$(PY) -m piptools compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock requirements.in

clean:
	rm -rf $(VENV) node_modules var
