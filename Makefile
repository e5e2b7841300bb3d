# Two commands: `make run` (build the catalog from PubMed and serve it) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= catalog.db
PORT ?= 8001

.PHONY: run test install install-test lint format refresh serve bench clean

$(BIN)/harvest: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/harvest

install: $(BIN)/harvest

$(VENV)/.test-deps: $(BIN)/harvest
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.test-deps

install-test: $(VENV)/.test-deps

## make run: create .venv, install, refresh catalog.db from PubMed, then serve it
run: install
	$(BIN)/harvest refresh --db $(DB)
	$(BIN)/harvest serve --db $(DB) --port $(PORT)

refresh: install
	$(BIN)/harvest refresh --db $(DB)

serve: install
	$(BIN)/harvest serve --db $(DB) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make test: install test dependencies, lint, run the whole suite offline
test: lint
	$(BIN)/pytest -q

bench: install-test
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
