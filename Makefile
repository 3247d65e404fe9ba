# Two entry points (README): `make run` builds the bundled corpus, `make test` lints, type-checks and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kg --store .kg build corpus

lint: $(STAMP)
	$(BIN)/ruff check kg tests scripts bench
	$(BIN)/ruff format --check kg tests scripts bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest kg tests

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/convert_throughput.py

# Issue 9's figures at 1,000 and 10,000 generated documents, with baselines (takes hours: owlrl at 1,000).
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py --docs 1000 --docs 10000

clean:
	rm -rf $(VENV) .kg build dist .mypy_cache .pytest_cache .ruff_cache
