# Tangguh: `make run` serves the app on an embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := webapp.cli

.PHONY: run test test-sqlite test-postgres bench reliability lint format lock clean translations extract

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall when the dependencies or the lock change.
$(VENV)/.installed-run: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# Compiled catalogs are built from the .po files, never committed.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

%.mo: %.po | $(VENV)/.installed-run
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ --statistics

translations: $(CATALOGS)

# Refresh the template and the catalogs after changing user-facing text.
extract: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# The outbound worker runs beside the server and stops with it.
run: $(VENV)/.installed-run $(CATALOGS)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "\nTangguh on http://127.0.0.1:5000 (SMS gateway: $${SMS_GATEWAY:-console}). Ctrl-C to stop."
	$(BIN)/flask sms worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
test: test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-sqlite: $(VENV)/.installed-dev $(CATALOGS)
	@echo "== tests on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev $(CATALOGS)
	@echo "== tests on PostgreSQL ($${TEST_DATABASE_URL%%@*}@…)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Speed and accuracy figures; never timed inside unit tests.
# Figures for bench/results.json, on SQLite and (when reachable) PostgreSQL; BENCH_ONLY=pages,throughput,… for some.
bench: $(VENV)/.installed-dev $(CATALOGS)
	$(BIN)/python bench/run.py

# A burst of 2 000 webhooks with repeats, a kill and restart mid-burst (SQLite and, when reachable, PostgreSQL),
# then every public POST endpoint fuzzed with many more examples than the suite uses.
reliability: $(VENV)/.installed-dev $(CATALOGS)
	$(BIN)/python bench/reliability.py
	TANGGUH_FUZZ_EXAMPLES=$${TANGGUH_FUZZ_EXAMPLES:-300} env -u TEST_DATABASE_URL $(BIN)/python -m pytest tests/test_fuzz.py -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then TANGGUH_FUZZ_EXAMPLES=$${TANGGUH_FUZZ_EXAMPLES:-300} $(BIN)/python -m pytest tests/test_fuzz.py -q; fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the pinned versions after changing pyproject.toml.
lock:
	rm -rf /tmp/tangguh-lock && $(PYTHON) -m venv /tmp/tangguh-lock
	/tmp/tangguh-lock/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	/tmp/tangguh-lock/bin/pip freeze --exclude-editable --disable-pip-version-check | grep -v '^tangguh' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
