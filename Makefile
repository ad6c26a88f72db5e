# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
SAM_VENV := .venv-sam
SCAN_VENV := .venv-scan
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
CHECKOV := $(SCAN_VENV)/bin/checkov
REGION ?= eu-west-1
export SAM_CLI_TELEMETRY := 0

.PHONY: install lock locks-check run test lint typecheck template scan openapi unit integration e2e fuzz fast bench build deploy sample-invoice clean
.PHONY: chromium browser screenshots deploy-console

# Every virtualenv installs from hashed locks (make lock): pip first, then the lock with --require-hashes,
# so each machine gets the same bytes. The project itself is an editable install: it has no hash to check,
# so it comes last, without dependencies (they are in the lock) and with the lock's setuptools.
PIP_INSTALL = -m pip install --quiet --require-hashes

$(VENV)/.installed: requirements-pip.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) -r requirements-pip.txt
	$(PY) $(PIP_INSTALL) -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(SAM_VENV)/.installed: requirements-pip.txt requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python $(PIP_INSTALL) -r requirements-pip.txt
	$(SAM_VENV)/bin/python $(PIP_INSTALL) -r requirements-sam.txt
	touch $@

$(SCAN_VENV)/.installed: requirements-pip.txt requirements-scan.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python $(PIP_INSTALL) -r requirements-pip.txt
	$(SCAN_VENV)/bin/python $(PIP_INSTALL) -r requirements-scan.txt
	touch $@

install: $(VENV)/.installed $(SAM_VENV)/.installed $(SCAN_VENV)/.installed

## Regenerate the locks from the .in files. Existing pins are kept (a new line adds only what it needs);
## `make lock LOCK_FLAGS=--upgrade` moves every package not pinned in an .in to its latest version.
## The layer's lock is for Lambda (CPython 3.11, manylinux2014 x86_64 wheels); the others for any platform.
LOCK_FLAGS ?=
COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_FLAGS)
lock: $(VENV)/.installed
	$(COMPILE) --python-platform x86_64-manylinux2014 --only-binary :all: \
		layers/dependencies/requirements.in -o layers/dependencies/requirements.txt
	$(COMPILE) --universal --constraint layers/dependencies/requirements.txt requirements-dev.in -o requirements-dev.txt
	for tool in sam scan pip; do $(COMPILE) --universal requirements-$$tool.in -o requirements-$$tool.txt; done
	$(PYTHON) -m infra.build.check_locks

## Each lock pins, with hashes, what its .in asks for (offline, well under a second).
locks-check:
	$(PYTHON) -m infra.build.check_locks

## Start the whole local stack (moto as AWS, HTTP gateway, queue pollers, schedule).
run: $(VENV)/.installed
	exec $(PY) -m infra.local

## Lint, types, template checks, OpenAPI drift, and every test tier: unit, integration, e2e, fuzz, browser.
test: locks-check install chromium lint typecheck template scan openapi
	$(PY) -m pytest -n 2 --dist loadgroup tests

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

template: install
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml --region $(REGION)

## checkov on template.yaml: fails on any failed check; skips are in the template, each with its reason.
scan: $(SCAN_VENV)/.installed
	$(CHECKOV) --file template.yaml --framework cloudformation --quiet --compact --skip-download

openapi: $(VENV)/.installed
	$(PY) -m infra.openapi --check docs/openapi.json

## One tier at a time. unit: pure code, the network blocked; integration: the handlers on moto in-process;
## e2e: the local stack over HTTP; fuzz: Schemathesis against the local stack (the slowest).
unit integration e2e fuzz: $(VENV)/.installed
	$(PY) -m pytest -n 2 --dist loadgroup tests/$@

## The tier to run while working: the unit tests (integration alone takes longer than a minute here).
fast: unit

## Debian's Chromium for the browser tests (Playwright's own browser download is not reachable here).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## The console in a real browser, on its own (also part of `make test`).
browser: $(VENV)/.installed chromium
	$(PY) -m pytest tests/browser

## docs/console-*.png, the README's pictures of the console.
screenshots: $(VENV)/.installed chromium
	$(PY) -m tests.browser.screenshots docs

## Figures of docs/scaling.md and the README's Performance section (not part of `make test`).
bench: $(VENV)/.installed
	$(PY) -m tests.bench

# Lambda cannot write __pycache__ next to the code: ship the bytecode, valid whatever the files' times.
build: install
	$(SAM) build --template template.yaml
	$(PY) -m compileall -q -j0 --invalidation-mode unchecked-hash .aws-sam/build

deploy: build
	$(SAM) deploy --guided

## The console's files and config.json to a deployed stack: make deploy-console STACK=<stack name>.
STACK ?= reseller-billing
deploy-console: $(VENV)/.installed
	$(PY) -m infra.deploy_console --stack $(STACK) --region $(REGION)

sample-invoice: $(VENV)/.installed
	$(PY) -m infra.sample_invoice docs/sample-invoice

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
