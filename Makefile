# Two commands: `make run` (set up, migrate, seed the demo, serve) and `make test` (set up, check, test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Browser tests drive Debian's Chromium; only the test command needs it.
.PHONY: setup browser run test lint typecheck schema check-schema bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/labelops assets install
	touch $@

browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

run: setup
	$(BIN)/labelops serve --demo --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check server simulator plugins tests benchmarks
	$(BIN)/ruff format --check server simulator plugins tests benchmarks

typecheck: setup
	$(BIN)/mypy server simulator plugins

schema: setup
	$(BIN)/strawberry export-schema server.graphql.schema:schema --output schema.graphql

check-schema: setup
	$(BIN)/strawberry export-schema server.graphql.schema:schema | diff -u schema.graphql - \
		|| (echo "schema.graphql is stale: run 'make schema'" && exit 1)

# Two passes, each naming its database: every test on SQLite (the embedded default), then, when
# LABELOPS_TEST_DATABASE_URL names a PostgreSQL database, every database test again on it. LABELOPS_EXPECT_DIALECT
# makes a test fail if a pass ran on another database than it says.
test: setup browser lint typecheck check-schema
	@echo "== pass 1: all tests on SQLite =="
	env -u LABELOPS_TEST_DATABASE_URL LABELOPS_EXPECT_DIALECT=sqlite $(BIN)/python -m pytest
	@if [ -n "$$LABELOPS_TEST_DATABASE_URL" ]; then \
		echo "== pass 2: database tests on PostgreSQL ($$LABELOPS_TEST_DATABASE_URL) =="; \
		LABELOPS_EXPECT_DIALECT=postgresql $(BIN)/python -m pytest -m database tests/server; \
	fi

bench: setup
	$(BIN)/python benchmarks/simulator_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache var
