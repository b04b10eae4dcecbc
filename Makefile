# prunebench — every command a researcher needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCALE  ?= quick
STAMP  := $(VENV)/.installed

.PHONY: help setup data quick test lint bench report reproduce-table1 reproduce-slr-table1 clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP) data  ## create .venv with the pinned torch/torchvision pair and get Fashion-MNIST

data:  ## make sure the embedded data set (Fashion-MNIST) is available
	@bash scripts/get_data.sh

quick: setup  ## fresh machine -> quick reproduction of every Table 1 + report (one command)
	$(MAKE) reproduce-table1 SCALE=quick
	$(MAKE) report

test: setup  ## fresh machine -> the test suite (what CI runs)
	$(BIN)/pytest

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .

bench: setup  ## pytest-benchmark suites: trainer throughput and per-step cost, as ratios
	$(BIN)/pytest benchmarks --benchmark-enable -p no:cacheprovider

report: $(STAMP)  ## report/build/{report.md,index.html} from results/**/*.csv and the published CSVs
	$(BIN)/python -m prunebench.report

reproduce-slr-table1: setup  ## SLR vs ADMM, SLR paper Table 1 (SCALE=smoke|quick|paper)
	$(BIN)/python -m reproductions.slr.table1 --scale $(SCALE)

reproduce-table1: reproduce-slr-table1  ## every paper's Table 1 that exists at SCALE

clean:  ## remove runs, cached baselines and the built report (results/ is kept)
	rm -rf runs baselines/cache report/build
