# The two commands a new user needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test lint pytest browser bench bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Stamps make the second run reuse what is installed; they are redone when pyproject changes.
$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	$(BIN)/radlink migrate
	$(BIN)/radlink demo
	$(BIN)/radlink serve

# Debian's Chromium drives the browser tests (Playwright's own browser download is not used).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "note: /usr/bin/chromium is missing; browser tests will skip (sudo apt-get install chromium)"; \
	  fi; \
	fi

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy

pytest: $(VENV)/.test-installed browser bench-smoke
	$(BIN)/pytest

test: lint pytest

# Full benchmark (~6 min): SQLite then PostgreSQL on 127.0.0.1:5432; writes bench/results/.
bench: $(VENV)/.test-installed
	$(BIN)/python bench/run.py --out bench/results

# The same code in seconds (SQLite only, results in a temp dir); fails on any non-200 response.
bench-smoke: $(VENV)/.test-installed
	@out=$$(mktemp -d) && $(BIN)/python bench/run.py --smoke --out $$out; rc=$$?; rm -rf $$out; exit $$rc

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
