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
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
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

run: install data/raw/default/_ingest/summary.json data/raw/docs/_ingest/summary.json data/raw/text/part-00000.parquet
	$(BIN)/dbt build
	$(BIN)/dbt docs generate
	$(BIN)/winnow report --db $${WINNOW_DB:-data/winnow.duckdb} --out out/report.html

test: install
	$(BIN)/python -m pytest

# ruff (lint and format) for Python; sqlfluff for the models and data tests as dbt compiles them.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models tests/data

clean:
	rm -rf target logs data/winnow.duckdb data/tmp
