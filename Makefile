# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test setup css bench lint

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

## Run the whole test suite: needs Redis and Chromium (see README); PostgreSQL when
## DATABASE_URL is set, SQLite otherwise.
REDIS_URL ?= redis://127.0.0.1:6379/0
export REDIS_URL
test: setup
	@command -v chromium >/dev/null || { echo "Chromium is missing: apt-get install -y chromium" >&2; exit 1; }
	$(PY) -m pytest $(PYTEST_ARGS)

## Rebuild the committed Tailwind stylesheet (needs Node and npm).
css: setup
	$(PY) manage.py tailwind install
	$(PY) manage.py tailwind build

## Load benchmark: our server against the bare Channels baseline (docs/performance.md).
## e.g. make bench BENCH_ARGS="--quick" or BENCH_ARGS="--scenarios b --runs 5"
bench: setup
	$(PY) -m bench $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
