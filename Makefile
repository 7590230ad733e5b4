# CreditPilot — the two commands are `make run` and `make test`; everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-stamp
FONT_DIR := layers/shared/creditpilot/invoices/pdf/fonts
FONTS := $(FONT_DIR)/DroidSansFallbackFull.ttf $(FONT_DIR)/DejaVuSans.ttf $(FONT_DIR)/DejaVuSans-Bold.ttf
PORT ?= 3000

.PHONY: run test lint bench build deploy system-deps fonts layer-reqs clean-local setup

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
	$(VENV)/bin/cfn-lint template.yaml

bench: setup ## performance figures beside their targets; writes bench/results.json
	$(PY) -m bench $(BENCH_ARGS)

build: setup ## sam build (no container), into .aws-sam/
	bash local/sam.sh build

deploy: build ## sam deploy with samconfig.toml (needs AWS credentials)
	bash local/sam.sh deploy $(DEPLOY_ARGS)

clean-local: ## stop nothing, delete the local cloud's data (.local/)
	rm -rf .local
