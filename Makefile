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

.PHONY: install run test lint typecheck template scan openapi unit integration e2e fuzz fast bench build deploy sample-invoice clean

$(VENV)/.installed: requirements-dev.txt layers/dependencies/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -e .
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

$(SCAN_VENV)/.installed: requirements-scan.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet -r requirements-scan.txt
	touch $@

install: $(VENV)/.installed $(SAM_VENV)/.installed $(SCAN_VENV)/.installed

## Start the whole local stack (moto as AWS, HTTP gateway, queue pollers, schedule).
run: $(VENV)/.installed
	exec $(PY) -m infra.local

## Lint, types, template checks, OpenAPI drift, and every test tier: unit, integration, e2e, fuzz.
test: install lint typecheck template scan openapi
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

## Figures of docs/scaling.md and the README's Performance section (not part of `make test`).
bench: $(VENV)/.installed
	$(PY) -m tests.bench

# Lambda cannot write __pycache__ next to the code: ship the bytecode, valid whatever the files' times.
build: install
	$(SAM) build --template template.yaml
	$(PY) -m compileall -q -j0 --invalidation-mode unchecked-hash .aws-sam/build

deploy: build
	$(SAM) deploy --guided

sample-invoice: $(VENV)/.installed
	$(PY) -m infra.sample_invoice docs/sample-invoice

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
