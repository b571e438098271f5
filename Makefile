# The commands a newcomer needs: `make run`, `make test-fast` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-fast setup css bench lint

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

## Run Chatrooms on the embedded defaults (SQLite, in-memory layer) at http://127.0.0.1:$(PORT)/
## with the background worker beside it (notification email is printed to the console).
run: setup
	$(PY) manage.py migrate --no-input
	$(PY) manage.py chat_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/daphne --bind 127.0.0.1 --port $(PORT) --websocket_timeout -1 config.asgi:application

## The whole test suite (what CI runs): needs Chromium, Redis at REDIS_URL and PostgreSQL
## at DATABASE_URL whose user may create databases (the named database need not exist;
## each run creates and drops its own). Checked first by tests/preflight.py.
## Two pytest-xdist workers, one file each at a time: most tests wait on servers, browsers and
## sockets rather than compute. TEST_WORKERS= runs them one after another.
TEST_WORKERS ?= -n 2 --dist loadfile
REDIS_URL ?= redis://127.0.0.1:6379/0
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chatrooms
test: setup
	@REDIS_URL=$(REDIS_URL) DATABASE_URL=$(DATABASE_URL) $(PY) -m tests.preflight --install
	REDIS_URL=$(REDIS_URL) DATABASE_URL=$(DATABASE_URL) $(PY) -m pytest $(TEST_WORKERS) $(PYTEST_ARGS)

## The fast tier, after every change (under a minute): models, services, selectors, forms,
## views and the consumer on the embedded defaults (SQLite, in-memory layer). Needs nothing
## installed; leaves out tests marked slow, browser, redis or postgres.
FAST := not slow and not browser and not redis and not postgres
test-fast: setup
	env -u REDIS_URL -u DATABASE_URL $(PY) -m pytest $(TEST_WORKERS) -m "$(FAST)" $(PYTEST_ARGS)

## Rebuild the committed Tailwind stylesheet (needs Node and npm).
css: setup
	$(PY) manage.py tailwind install
	$(PY) manage.py tailwind build

## Load benchmark: our server against the bare Channels baseline (docs/performance.md).
## e.g. make bench BENCH_ARGS="--quick" or BENCH_ARGS="--scenarios b --runs 5"
bench: setup
	$(PY) -m bench $(BENCH_ARGS)

## ruff, and mypy on config/, rooms/, search/, users/ and notifications/ (as CI runs them).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
