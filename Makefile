# 湘慧商城 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint bench load-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: migrate, load the catalogue, create demo accounts, start web + worker + beat + Redis.
run: install
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run.sh

## make test: PostgreSQL + embedded Redis + Celery worker + localstripe + Chromium, then pytest.
test: install-test
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/test.sh $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=shop.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

## make bench: stock Oscar vs 湘慧商城 on the same catalogue (see bench/README.md).
bench: install-test
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash bench/run.sh

## make load-test: the 5-minute locust scenario (bench/load/).
load-test: install-test
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash bench/load/run.sh

clean:
	rm -rf var/ $(VENV)
