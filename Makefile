# The two commands of the README:
#   make run    install, ingest the default corpus (first time only), dbt build, dbt docs generate,
#               and the corpus report (out/report.html)
#   make test   install, run the whole test suite
# Everything runs from the project root, where profiles.yml's relative paths resolve.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test lint install ingest build docs report clean

$(BIN)/.winnow-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,lint,spark]'
	touch $@

install: $(BIN)/.winnow-installed

# The embedded default corpus: this interpreter's standard library and installed packages.
data/raw/default/_ingest/summary.json: | install
	$(BIN)/winnow ingest --default --out data/raw/default

# Natural-language sources from the same installation: its documentation files (kind docs) and
# FineWeb-Edu-style web text from standard-library docstrings and package READMEs (kind text).
data/raw/docs/_ingest/summary.json: | install
	$(BIN)/winnow ingest --kind docs --default --out data/raw/docs

data/raw/text/part-00000.parquet: | install
	$(BIN)/winnow text-corpus --default --out data/raw/text

ingest: install
	$(BIN)/winnow ingest --default --out data/raw/default
	$(BIN)/winnow ingest --kind docs --default --out data/raw/docs
	$(BIN)/winnow text-corpus --default --out data/raw/text

build: install
	$(BIN)/dbt build

docs: install
	$(BIN)/dbt docs generate

# One self-contained HTML file of plots from the rpt_* models of the last build.
report: install
	$(BIN)/winnow report --db $${WINNOW_DB:-data/winnow.duckdb} --out out/report.html

# The docs reuse the manifest the build just wrote, compiled code included: compiling every node
# again (and re-running on-run-start) would only repeat the build's work. The catalog is read anew.
run: install data/raw/default/_ingest/summary.json data/raw/docs/_ingest/summary.json data/raw/text/part-00000.parquet
	$(BIN)/dbt build
	$(BIN)/dbt docs generate --no-compile --no-write-json
	$(BIN)/winnow report --db $${WINNOW_DB:-data/winnow.duckdb} --out out/report.html

test: install
	$(BIN)/python -m pytest

# ruff (lint and format) for Python; sqlfluff for the models and data tests as dbt compiles them.
# Compiling reads the seeds and checks each corpus source's files, so the default corpora are
# ingested and the seeds loaded (into a database of its own) first; sqlfluff only warns when it
# cannot compile a file, so a skipped file fails the target here. The one exception: the Spark
# form of a dbt Python model (a .sql beside its .py) is disabled on DuckDB, so dbt cannot compile it.
LINT_DB := data/lint.duckdb
lint: install data/raw/default/_ingest/summary.json data/raw/docs/_ingest/summary.json data/raw/text/part-00000.parquet
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	WINNOW_DB=$(LINT_DB) $(BIN)/dbt seed --quiet
	WINNOW_DB=$(LINT_DB) $(BIN)/sqlfluff lint models tests/data > data/sqlfluff.log 2>&1; \
	    status=$$?; grep -v -e nanobind -e 'leaked ' -e 'skipped remainder' -e refleaks -e 'reference counting' data/sqlfluff.log; \
	    skipped=$$(sed -n 's/.*Skipped file \([^ ]*\.sql\) .*/\1/p' data/sqlfluff.log \
	        | while read -r file; do [ -f "$${file%.sql}.py" ] || echo "$$file"; done); \
	    if [ -n "$$skipped" ] || grep 'Skipped file' data/sqlfluff.log | grep -qv '\.sql '; then \
	        echo "sqlfluff could not compile a file (above)"; exit 1; fi; \
	    exit $$status

clean:
	rm -rf target logs data/winnow.duckdb data/tmp
