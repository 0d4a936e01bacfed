# `make run` and `make test` are all a fresh machine needs (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-sqlite lint format bench clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/ventanilla run

# ruff (lint and format check) and mypy over the whole tree; `make test` runs it first.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Rewrites files: ruff's safe fixes and its formatter.
format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite, on SQLite and then on PostgreSQL (a private server on loopback, see scripts/with-postgres).
test: lint
	$(BIN)/pytest -q
	scripts/with-postgres $(BIN)/pytest -q

test-sqlite: install
	$(BIN)/pytest -q

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# CI runs as root and installs it here; on a laptop: sudo apt-get install chromium fonts-noto-color-emoji
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji; }

bench: install
	$(BIN)/python bench/understanding.py --quiet
	$(BIN)/python bench/places.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) instance .pytest_cache
