# 医疗创新匹配 — `make help` lists the targets. Everything installs itself into .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODELS := models
SAMPLE_P := data/sample/projects.csv
SAMPLE_R := data/sample/resources.csv
QRELS := data/dev/qrels.csv
JUDGED := $(wildcard data/judged/*.csv)
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup models run rank test bench lint clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch pinned in the same install: an unpinned one pulls a multi-GB CUDA build
	$(PY) -m pip install -q "torch==2.13.0" -e ".[dev]"
	touch $@

$(MODELS)/fusion/meta.json: $(STAMP) $(SAMPLE_P) $(SAMPLE_R) $(QRELS) $(JUDGED) matcher/*.py matcher/*.tsv matcher/text/*.py
	$(PY) -m matcher.text.build_models
	$(VENV)/bin/matcher fit

setup: $(STAMP) $(MODELS)/fusion/meta.json  ## install, convert the encoders, fit the fusion (idempotent)

models: $(STAMP)  ## rebuild the converted encoders and refit the fusion
	$(PY) -m matcher.text.build_models
	$(VENV)/bin/matcher fit

run: setup  ## start the service and web UI on the sample data (SQLite in out/service); prints URL and organiser key
	$(VENV)/bin/matcher serve

rank: setup  ## rank the shipped sample from the command line and print a readable summary
	$(VENV)/bin/matcher rank --projects $(SAMPLE_P) --resources $(SAMPLE_R) --top-k 10 --out out/ranked.csv
	$(VENV)/bin/matcher rank-projects --projects $(SAMPLE_P) --resources $(SAMPLE_R) --top-k 10 --out out/ranked_projects.csv
	$(PY) -m matcher.summary out/ranked.csv --projects $(SAMPLE_P) --resources $(SAMPLE_R)

AXE := tests/web/.axe/node_modules/axe-core/axe.min.js
$(AXE):  # axe-core for the browser tests' accessibility checks, from the npm registry
	npm install --no-audit --no-fund --prefix tests/web/.axe axe-core@4.10.3

test: setup $(AXE)  ## install and run every test (real encoders included)
	$(PY) -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; exit $$status

bench: setup  ## speed, memory and quality benchmarks (see bench/RESULTS.md)
	$(PY) bench/bench_encoders.py
	$(PY) bench/bench_query_int8.py
	$(PY) bench/bench_rank.py
	$(PY) bench/bench_plan.py
	$(PY) bench/bench_service.py

lint: $(STAMP)  ## ruff and mypy
	$(VENV)/bin/ruff check matcher service tests bench data
	$(VENV)/bin/ruff format --check matcher service tests bench
	$(VENV)/bin/mypy

clean:  ## remove the venv, built models and outputs
	rm -rf $(VENV) out; find $(MODELS) -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
