# The two commands of the README: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-scenarios test-spark test-kill-matrix dev console bench lint clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) (first time takes about a minute)…"
	@$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/cdp run

# One pytest worker per core; each test module runs whole on one worker (tests/conftest.py says how). The long
# scenarios (several nights of their own each: alerts and restore, campaign holdouts over seeds, a night through the
# Dagster UI) run in test-scenarios; CI runs both.
PYTEST := $(BIN)/python -m pytest -q --numprocesses logical

test: $(STAMP) browser java
	@$(PYTEST) -m "not long_scenario and not spark"

test-scenarios: $(STAMP) browser
	@$(PYTEST) -m long_scenario

# What runs on a local Spark (local[2], CDP_ENGINE=spark), each against DuckDB on the same data: a whole night and
# the dbt project's marts (tests/spark), identity resolution (tests/identity) and the loads landed as parquet
# (tests/ingest). One worker: Spark takes both cores itself.
test-spark: $(STAMP) java
	@nice $(BIN)/python -m pytest -q -m spark

dev: $(STAMP)
	@$(BIN)/cdp dev

# The CDP console on http://127.0.0.1:8080 (add its first user with `.venv/bin/cdp console add-user NAME --role admin`).
console: $(STAMP)
	@$(BIN)/cdp console

# A night killed (SIGKILL) at every kill point of tests/orchestration/kill_at.py, then run again; make
# test-scenarios runs the representative points only.
test-kill-matrix: $(STAMP)
	@CDP_KILL_MATRIX=1 $(BIN)/python -m pytest -q tests/orchestration/test_kill_points.py

bench: $(STAMP)
	@$(BIN)/python -m benchmarks

# SQL lint compiles the models against a throwaway warehouse (never one a night may be writing). DuckDB 2.0 prints
# nanobind "leaked" notes when the templater's process exits; they are dropped, sqlfluff's own report is kept.
lint: $(STAMP)
	@$(BIN)/ruff check .
	@home=$$(mktemp -d); \
		CDP_HOME=$$home $(BIN)/sqlfluff lint dbt_project/models 2>$$home/stderr; status=$$?; \
		grep -v -E 'nanobind|leaked|^ - ' $$home/stderr >&2; rm -rf $$home; exit $$status

# Debian's Chromium for the browser test of the Dagster UI; skipped where apt-get cannot run.
.PHONY: browser
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser test will be skipped"; }

# Debian's Java 17 for Spark (CDP_ENGINE=spark; pyspark's wheel carries Spark's own jars): one `command -v` where
# Java is already there; where apt-get cannot run, Spark (make test-spark) says it needs Java.
.PHONY: java
java:
	@command -v java >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null) \
		|| echo "java not installed: Spark (CDP_ENGINE=spark, make test-spark) needs openjdk-17-jre-headless"; }

clean:
	rm -rf $(VENV) .cdp
