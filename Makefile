# Kraftsamla: `make run` serves a demo race, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install lock test test-fast lint typecheck format messages bench check screenshots clean

# The lock files (hashes of every package, pip-tools): dev.txt is what `make install` and CI install (the app,
# PostgreSQL's driver, the tests' and the build's tools); server.txt is what a server needs (docs/deploy.md).
LOCK := requirements/dev.txt
SERVER_LOCK := requirements/server.txt

$(BIN)/kraftsamla: pyproject.toml setup.py $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check >/dev/null
	touch $@

# Refresh both lock files from pyproject.toml's ranges (newest versions within them), then `make install`.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host --upgrade
lock: $(BIN)/kraftsamla
	$(PIP_COMPILE) --extra postgres --output-file $(SERVER_LOCK) pyproject.toml
	$(PIP_COMPILE) --all-extras --all-build-deps --constraint $(SERVER_LOCK) --output-file $(LOCK) pyproject.toml

# The Swedish catalog, compiled by the build (the app falls back to the .po when this is missing or older).
CATALOG := app/locale/sv/LC_MESSAGES/messages
$(CATALOG).mo: $(CATALOG).po $(BIN)/kraftsamla
	$(BIN)/pybabel compile -d app/locale -D messages 2>/dev/null

install: $(BIN)/kraftsamla $(CATALOG).mo

run: install
	$(BIN)/kraftsamla migrate
	$(BIN)/kraftsamla demo --host $(HOST) --port $(PORT)
	$(BIN)/kraftsamla serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types of app/, live/ and bench/ (strict on live/ and app/screens/; see [tool.mypy] in pyproject.toml).
typecheck: install
	$(BIN)/mypy

# The whole suite on SQLite (browser tests included), then again on PostgreSQL when
# KRAFTSAMLA_TEST_POSTGRES_URL names a server (.ci/run sets it up).
test: lint typecheck
	env -u KRAFTSAMLA_TEST_POSTGRES_URL $(BIN)/pytest
	@if [ -n "$$KRAFTSAMLA_TEST_POSTGRES_URL" ]; then \
		echo "--- again on PostgreSQL"; \
		$(BIN)/pytest -m "not browser"; fi

# The suite without the tests that start processes or a browser, on SQLite, on two workers (pytest-xdist),
# property tests trying a fifth of their examples: under three minutes on a quiet 2-core machine.
test-fast: install
	env -u KRAFTSAMLA_TEST_POSTGRES_URL KRAFTSAMLA_TESTS=fast $(BIN)/pytest -m "not slow and not browser" -n 2

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The Swedish catalogue (app/locale/sv/LC_MESSAGES/messages.po) is the one source of translations: this
# extracts the marked strings, adds the new ones to it untranslated and drops the ones no longer used; then
# fill in each new msgstr (`make test` fails on an empty or fuzzy one).
POT := app/locale/messages.pot
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Invalid -k Conflict -k Forbidden -k NotFound -k NotSignedIn \
		-k ServiceError -o $(POT) --no-location --omit-header --sort-output .
	$(BIN)/pybabel update -i $(POT) -d app/locale -D messages -l sv --no-fuzzy-matching --ignore-obsolete \
		--ignore-pot-creation-date -w 110
	$(BIN)/pybabel compile -d app/locale -D messages 2>/dev/null

# Fan-out, throughput, memory and reconnect figures on loopback (about two minutes; see docs/performance.md),
# then the 300-person race and its headroom (about ten minutes; RACE_ARGS="--speeds 1" plays it once).
# BENCH_ARGS="--postgres postgresql://... --processes 2" measures the scale-out set-up.
bench: install
	$(BIN)/python -m bench.fanout $(BENCH_ARGS)
	$(BIN)/python -m bench.race $(RACE_ARGS)

# The stable interface checked from outside against a fresh server.
check: install
	$(BIN)/python -m bench.interface

# The README's pictures in Swedish (the wall with 30 teams at 1080p and 4K, a board on a laptop and a phone),
# taken in Chromium from a server of their own.
screenshots: install
	$(BIN)/python -m docs.screenshots.make

# Never data/: in laptop mode it holds the race itself and the key that signs everyone's session.
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache $(CATALOG).mo
