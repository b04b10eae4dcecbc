# prunebench — every command a researcher needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCALE  ?= quick
STAMP  := $(VENV)/.installed

.PHONY: help setup data quick test lint bench baselines paper-check gpu-check report status nightly audit update-reference clean

# $(call timed,COMMAND,RECIPE): run RECIPE and record its wall time against COMMAND's budget (prunebench.budgets);
# the run cache counts as empty when none of runs/, baselines/cache/, baselines/remake/ exists at the start
timed = started=$$(date +%s); cache=empty; for d in runs baselines/cache baselines/remake; do [ -e $$d ] && cache=warm; done; \
	$(2) && $(BIN)/python -m prunebench.budgets record "$(1)" $$started $$cache

help:  ## list the targets
	@grep -E '^[a-z0-9_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP) data  ## create .venv with the pinned torch/torchvision pair and get Fashion-MNIST
	@bash scripts/report_deps.sh

data: $(STAMP)  ## Fashion-MNIST, and the offline real-data copies of ../shared/data verified and unpacked into the data root
	@bash scripts/get_data.sh
	@$(BIN)/python -m prunebench.data.archives

quick:  ## fresh machine -> quick reproduction of every Table 1 + report (one command; its time goes to docs/status.md)
	@$(call timed,make quick,$(MAKE) setup && $(MAKE) reproduce-table1 SCALE=quick && $(MAKE) report)

test: setup  ## fresh machine -> the test suite (what CI runs)
	@REPORT_TEST_TOOLS=1 bash scripts/report_deps.sh  # chromium + poppler for the report's render tests (as root)
	$(BIN)/pytest

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .

bench: setup  ## pytest-benchmark suites: trainer throughput and per-step cost, as ratios
	$(BIN)/pytest benchmarks --benchmark-enable -p no:cacheprovider

baselines: setup  ## re-make the dense bases the quick scale prunes (baselines/shipped, manifest.json; ONLY=text: those whose run id has it)
	@$(if $(ONLY),$(BIN)/python -m prunebench.make_bases --scale $(SCALE) --only $(ONLY),$(call timed,make baselines,$(BIN)/python -m prunebench.make_bases --scale $(SCALE)))

paper-check: setup  ## every reproduction's paper-scale runs for 2 steps each on the offline real data (nothing written to results/)
	$(BIN)/python -m reproductions.paper_check

DEVICE ?= cuda
gpu-check: setup  ## on a GPU machine: kill/resume bit-identical, seconds per paper-scale epoch, peak memory, DDP -> results/gpu_check.json (DEVICE=cpu: a rehearsal)
	$(BIN)/python -m reproductions.gpu_check --device $(DEVICE)

# the report reads CSVs only: where the full environment is not installed it gets a light one of its own (no torch)
REPORT_VENV  ?= .venv-report
REPORT_DEPS  := numpy>=1.26 pandas>=2.2 matplotlib>=3.8 jinja2>=3.1 weasyprint==70.0 pypdf==7.1.0 scipy>=1.13 filelock>=3.12
$(REPORT_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(REPORT_VENV)
	$(REPORT_VENV)/bin/pip install --quiet --upgrade pip
	$(REPORT_VENV)/bin/pip install --quiet $(foreach dep,$(REPORT_DEPS),'$(dep)')
	$(REPORT_VENV)/bin/pip install --quiet --no-deps -e .
	@bash scripts/report_deps.sh
	touch $@

report:  ## report/build/{index.html,report.pdf,report.md} from results/**/*.csv and the published CSVs (no torch needed)
	@if [ -f $(STAMP) ]; then $(BIN)/python -m prunebench.report; \
	else $(MAKE) --no-print-directory $(REPORT_VENV)/.installed && $(REPORT_VENV)/bin/python -m prunebench.report; fi

status: $(STAMP)  ## docs/status.md from results/*/meta/*.json, the verdicts and results/gpu_check.md
	$(BIN)/python -m prunebench.status

nightly: setup  ## every reproduce-<word> aggregate at SCALE=quick + benchmarks, compared with results/reference/
	@$(call timed,make nightly,$(BIN)/python -m prunebench.nightly run)

audit: $(STAMP)  ## results/<SCALE>/ against the declarations: declared runs without rows, rows no declaration makes, rows re-derived from runs/
	$(BIN)/python -m reproductions.audit --scale $(SCALE)

update-reference: $(STAMP)  ## results/reference/ <- results/quick/ tables (+ the last nightly's benchmark ratios)
	$(BIN)/python -m prunebench.nightly update-reference

# every reproduction is a target: reproduce-<paper>-<table> runs reproductions/<paper>/<table>.py; reproduce-<paper>
# runs every table of a paper and reproduce-<table> that table of every paper (`prunebench list` names them all)
reproduce-%: setup  ## a reproduction (reproduce-slr-table1, reproduce-grda-table_cifar, ...) at SCALE=smoke|quick|paper
	$(BIN)/python -m prunebench reproduce $(subst -,/,$*) --scale $(SCALE)

reproduce-table1:  ## every paper's Table 1 (SLR, GReg, proximal NS)
reproduce-slr:  ## every SLR table and figure
reproduce-greg:  ## every GReg table and figure
reproduce-grda:  ## every gRDA table and figure
reproduce-proxns:  ## every proximal NS table and figure
reproduce-slr-figure2: reproduce-slr-table3  ## SLR Figure 2: hard-prune mAP during training (written by Table 3's runs)
	@true

clean:  ## remove runs, cached baselines and the built report (results/ and the shipped bases are kept)
	rm -rf runs baselines/cache baselines/remake report/build
