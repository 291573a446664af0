# Crease: two commands do everything.  `make run` serves the playground,
# `make test` runs every test.  Both create .venv and install the pinned
# dependencies first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# One BLAS thread per process: on two cores, OpenBLAS's own threads next to
# the test runner, gunicorn or a benchmark make small products many times slower.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test test-fast bench bench-load lock clean system-deps

# Debian packages the browser and Redis tests need (package name = command name).
SYSTEM_PACKAGES := chromium redis-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	@echo "Crease is starting on http://$(HOST):$(PORT)"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py "server.wsgi:app"

# Installs what is missing when it can (root with apt-get); otherwise stops at
# once with the one line that says what to install.
system-deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's$$missing for the browser and Redis tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else \
	  echo "make test needs Debian's$$missing: run 'sudo apt-get install -y$$missing' and try again" >&2; exit 1; \
	fi

# Everything but the browser tests on both cores (pytest-xdist), then the browser
# tests, two files at a time (each worker drives its own Chromium against its own
# gunicorn; a file's tests stay together on one worker).
test: system-deps $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --ignore=tests/browser $(PYTEST_ARGS)
	$(BIN)/python -m pytest -n 2 --dist loadfile tests/browser $(PYTEST_ARGS)

# Engine and server only: no browser, quick feedback while editing.
test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 tests/engine tests/server $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(BIN)/python -m bench $(if $(BASE),--base $(BASE))

bench-load: $(VENV)/.dev
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .schemathesis test-artifacts
