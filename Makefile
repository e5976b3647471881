# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench workbook data dist clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

## the product: the Telegram bot (TELEGRAM_BOT_TOKEN set) or its console chat
run: $(STAMP)
	$(PY) -m bot

## everything CI checks: lint, types, tests
test: lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check core bot excel_addin market tests benchmarks
	$(VENV)/bin/ruff format --check core bot excel_addin market tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy core market

unit: $(STAMP)
	PTB_TIMEDELTA=1 $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

workbook: $(STAMP)
	$(PY) -m excel_addin.build_workbook

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build

## rebuild the bundled tier tables (the offline fallback) from the venues' public APIs
data: $(STAMP)
	$(PY) -m bot.cli data snapshot core/tier_tables

## the release files: sdist and wheel in dist/, checked by twine
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(VENV)/bin/twine check --strict dist/*
