# CreditPilot — the two commands are `make run` and `make test`; everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-stamp
FONT_DIR := layers/shared/creditpilot/invoices/pdf/fonts
FONTS := $(FONT_DIR)/DroidSansFallbackFull.ttf $(FONT_DIR)/DejaVuSans.ttf $(FONT_DIR)/DejaVuSans-Bold.ttf
PORT ?= 3000

.PHONY: run test lint lint-template bench build deploy system-deps fonts layer-reqs clean-local setup

run: setup ## the whole stack at http://127.0.0.1:$(PORT) with demo data and the demo login
	PORT=$(PORT) $(PY) -m local.cloud run --port $(PORT)

test: setup ## the whole suite: unit, integration (real PostgreSQL + moto), end-to-end, browser
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system-deps $(STAMP) fonts

system-deps: ## Debian packages the stack and its tests need (installed when missing, as root)
	@bash local/system_deps.sh

$(STAMP): pyproject.toml local/deps.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) local/deps.py runtime dev > $(VENV)/requirements.txt
	$(PY) -m pip install -q -r $(VENV)/requirements.txt
	@# The layer and the project root on the venv's path, as the Lambda runtime puts /opt/python.
	@echo "$(CURDIR)/layers/shared" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/creditpilot-dev.pth
	@echo "$(CURDIR)" >> $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/creditpilot-dev.pth
	@touch $(STAMP)

fonts: $(FONTS) ## fonts for the PDFs, from Debian packages (never fetched at run time, never committed)

$(FONT_DIR)/DroidSansFallbackFull.ttf:
	@mkdir -p $(FONT_DIR)
	@test -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf || { echo "missing font: install Debian package fonts-droid-fallback"; exit 1; }
	cp /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf $@

$(FONT_DIR)/DejaVuSans.ttf $(FONT_DIR)/DejaVuSans-Bold.ttf:
	@mkdir -p $(FONT_DIR)
	@test -f /usr/share/fonts/truetype/dejavu/$(notdir $@) || { echo "missing font: install Debian package fonts-dejavu-core"; exit 1; }
	cp /usr/share/fonts/truetype/dejavu/$(notdir $@) $@

layer-reqs: $(STAMP) ## regenerate the layer's requirements.txt from pyproject.toml (boto3 comes with Lambda)
	$(PY) local/deps.py runtime | grep -v -E '^(boto3|botocore)==' > layers/shared/requirements.txt

lint: setup ## ruff over the code, cfn-lint over the template
	$(VENV)/bin/ruff check layers functions local tests bench
	$(VENV)/bin/cfn-lint --regions $(REGION) -- template.yaml

bench: setup ## performance figures beside their targets; writes bench/results.json
	$(PY) -m bench $(BENCH_ARGS)

SAM := .local/tools/sam/bin/sam
REGION ?= ap-southeast-5
CONFIG_ENV ?= default
# sam build needs a real python3.12 on PATH (pyenv's shim only works for the global version).
PY312_BIN := $(lastword $(sort $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.12.*/bin)))
PY312_BIN := $(or $(strip $(PY312_BIN)),$(if $(wildcard /usr/bin/python3.12),/usr/bin))
export SAM_CLI_TELEMETRY := 0

$(SAM):
	bash local/install_sam.sh

lint-template: $(SAM) $(STAMP) ## cfn-lint and sam validate --lint
	$(VENV)/bin/cfn-lint --regions $(REGION) -- template.yaml
	$(SAM) validate --lint --region $(REGION)

build: setup $(SAM) ## sam build (no container), into .aws-sam/
	@test -n "$(PY312_BIN)" || { echo "sam build needs python3.12 (pyenv install 3.12 or apt-get install python3.12)" >&2; exit 1; }
	PATH="$(PY312_BIN):$$PATH" $(SAM) build --config-env $(CONFIG_ENV)

deploy: build ## sam deploy with samconfig.toml (needs AWS credentials), then run the migrations
	$(SAM) deploy --config-env $(CONFIG_ENV)
	$(SAM) remote invoke MigrateFunction --config-env $(CONFIG_ENV)

clean-local: ## stop nothing, delete the local cloud's data (.local/)
	rm -rf .local
