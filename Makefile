# privfin: `make run` starts the dashboard, `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint typecheck unit e2e bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/privfin serve --port $(PORT)

test: $(VENV)/.installed-dev
	bash scripts/ensure-chromium.sh
	$(BIN)/ruff check app components tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app components tests benchmarks
	$(BIN)/ruff format --check app components tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/unit

e2e: $(VENV)/.installed-dev
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest tests/e2e

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.bench_import
	$(BIN)/python -m benchmarks.bench_import_memory
	$(BIN)/python -m benchmarks.bench_categorize
	$(BIN)/python -m benchmarks.bench_dashboard

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/e2e/artifacts
