# Kraftsamla: `make run` serves a demo race, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install test lint format messages clean

$(BIN)/kraftsamla: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/kraftsamla

run: install
	$(BIN)/kraftsamla migrate
	$(BIN)/kraftsamla demo --host $(HOST) --port $(PORT)
	$(BIN)/kraftsamla serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract the translatable strings and merge them into the Swedish catalog.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Invalid -k Conflict -k Forbidden -k NotFound -k NotSignedIn \
		-k ServiceError -o app/locale/messages.pot --no-location --omit-header .
	$(BIN)/python tools/translate.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
