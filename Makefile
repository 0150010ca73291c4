# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint check-imports pytest pytest-postgres bench install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/earlyhelp db upgrade
	PORT=$(PORT) $(BIN)/earlyhelp serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-imports: install
	$(BIN)/lint-imports

# Browser tests drive Debian's chromium; install it when missing (root on CI and dev machines).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: browser tests will be skipped"; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; \
	fi
	@# Microsoft's Adaptive Cards renderer, for the Teams card tests (loaded from this folder, never from the web).
	@if [ ! -f $(VENV)/node/node_modules/adaptivecards/dist/adaptivecards.min.js ]; then \
	  if command -v npm >/dev/null; then \
	    npm install --silent --no-audit --no-fund --prefix $(VENV)/node adaptivecards@3 markdown-it@14 \
	      || echo "the adaptivecards renderer could not be installed: Teams card renders will be skipped"; \
	  else echo "npm missing: Teams card renders will be skipped"; fi; \
	fi

pytest: install browser
	$(BIN)/pytest

# The database tests again on PostgreSQL, when one is reachable (TEST_DATABASE_URL, or the local trust-auth server).
pytest-postgres: install
	@url="$${TEST_DATABASE_URL:-$(PG_TEST_URL)}"; \
	if $(BIN)/python -m app.cli.pg_reachable "$$url"; then \
	  echo "== database tests on PostgreSQL"; TEST_DATABASE_URL="$$url" $(BIN)/pytest -m database; \
	else echo "== PostgreSQL not reachable at $$url: database tests ran on SQLite only"; fi

test: lint check-imports pytest pytest-postgres

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache instance
