# 湘慧商城 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test install-bench lock lint bench load-test screenshots image-check compose-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs come from the lock files in requirements/ (every version pinned, every file hashed):
# runtime.txt (production), local.txt (+ the embedded demo parts), test.txt (+ test tools),
# bench.txt (+ locust). `make lock` refreshes them from pyproject.toml.
REQ := requirements

$(VENV)/.installed: $(REQ)/local.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(REQ)/local.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(REQ)/test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r $(REQ)/test.txt
	touch $@

$(VENV)/.installed-bench: $(REQ)/bench.txt $(VENV)/.installed-test
	$(BIN)/pip install --quiet --require-hashes -r $(REQ)/bench.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-bench: $(VENV)/.installed-bench

## make lock: resolve pyproject.toml again and rewrite the four lock files (newest allowed versions).
LOCK := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --upgrade
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(LOCK) -o $(REQ)/runtime.txt pyproject.toml
	$(LOCK) --extra local -o $(REQ)/local.txt pyproject.toml
	$(LOCK) --extra local --extra test -o $(REQ)/test.txt pyproject.toml
	$(LOCK) --extra local --extra test --extra bench -o $(REQ)/bench.txt pyproject.toml

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
bench: install-bench
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash bench/run.sh

## make load-test: the 5-minute locust scenario (bench/load/).
load-test: install-bench
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash bench/load/run.sh

## make image-check: build the application image (deploy/Dockerfile) and run its web, worker and
## setup roles against the real parts (tests/image/). Needs Docker, or root to install it.
image-check: install-test
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash deploy/image-check.sh

## make compose-check: start deploy/compose.yaml as it is (all twelve services) and use it through
## nginx (tests/compose/); stand-ins from Debian's packages for upstream images that cannot be
## pulled. Needs Docker, or root to install it.
compose-check: install-test
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash deploy/compose-check.sh

## make screenshots: PNGs of the main pages per role (desktop and phone) from the running store
## (start make run in another terminal first), written under var/screenshots/.
screenshots: install-test
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/screenshots.sh

clean:
	rm -rf var/ $(VENV)
