# prunebench — every command a researcher needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCALE  ?= quick
STAMP  := $(VENV)/.installed

.PHONY: help setup data quick test lint bench paper-check gpu-check report status nightly audit update-reference reproduce-table1 reproduce-slr-table1 reproduce-greg $(addprefix reproduce-greg-,$(GREG)) clean

help:  ## list the targets
	@grep -E '^[a-z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

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

quick: setup  ## fresh machine -> quick reproduction of every Table 1 + report (one command)
	$(MAKE) reproduce-table1 SCALE=quick
	$(MAKE) report

test: setup  ## fresh machine -> the test suite (what CI runs)
	@REPORT_TEST_TOOLS=1 bash scripts/report_deps.sh  # chromium + poppler for the report's render tests (as root)
	$(BIN)/pytest

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .

bench: setup  ## pytest-benchmark suites: trainer throughput and per-step cost, as ratios
	$(BIN)/pytest benchmarks --benchmark-enable -p no:cacheprovider

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
	$(BIN)/python -m prunebench.nightly run

audit: $(STAMP)  ## results/<SCALE>/ against the declarations: declared runs without rows, rows no declaration makes, rows re-derived from runs/
	$(BIN)/python -m reproductions.audit --scale $(SCALE)

update-reference: $(STAMP)  ## results/reference/ <- results/quick/ tables (+ the last nightly's benchmark ratios)
	$(BIN)/python -m prunebench.nightly update-reference

reproduce-slr-table1: setup  ## SLR vs ADMM, SLR paper Table 1 (SCALE=smoke|quick|paper)
	$(BIN)/python -m reproductions.slr.table1 --scale $(SCALE)

SLR := table2 table3 table4 figure1 figure3 figure4 figure5 figure6
.PHONY: reproduce-slr reproduce-slr-figure2 $(addprefix reproduce-slr-,$(SLR))
$(addprefix reproduce-slr-,$(SLR)): reproduce-slr-%: setup
	$(BIN)/python -m reproductions.slr.$* --scale $(SCALE)

reproduce-slr-table2:  ## SLR Table 2: SLR's own rows (accuracy at % params pruned); literature rows published only
reproduce-slr-table3:  ## SLR Table 3 + Figure 2: YOLOv3 on COCO through ultralytics callbacks (quick: COCO128)
reproduce-slr-table4:  ## SLR Table 4: SLR vs ADMM on TuSimple (UFLD), hard prune + 5-epoch retraining (quick: generated lanes)
reproduce-slr-figure1:  ## SLR Figure 1: epochs to a hard-prune accuracy threshold, SLR vs ADMM
reproduce-slr-figure3:  ## SLR Figure 3: TuSimple hard-prune accuracy vs compression (Table 4's runs)
reproduce-slr-figure4:  ## SLR Figure 4: one layer's weights before pruning and after SLR / ADMM
reproduce-slr-figure5:  ## SLR Figure 5: ablation of s0, M and r
reproduce-slr-figure6:  ## SLR Figure 6: surrogate optimality conditions per update

reproduce-slr: reproduce-slr-table1 $(addprefix reproduce-slr-,$(SLR))  ## every SLR table and figure at SCALE
reproduce-slr-figure2: reproduce-slr-table3  ## SLR Figure 2: hard-prune mAP during training (written by Table 3's runs)

# in this order: Figure 1 runs the GReg-2 pruning runs that Table 2 then fine-tunes (each within 15 min at quick)
GREG := table1 figure1 table2 figure2 table10 table9 table7 table3 table4
$(addprefix reproduce-greg-,$(GREG)): reproduce-greg-%: setup
	$(BIN)/python -m reproductions.greg.$* --scale $(SCALE)

reproduce-greg-table1:  ## GReg Table 1: L1 one-shot vs GReg-1 on the same filters (SCALE=smoke|quick|paper)
reproduce-greg-table2:  ## GReg Table 2: GReg-1 vs GReg-2, ResNet56 2.55x / VGG19 8.84x
reproduce-greg-table3:  ## GReg Table 3: ImageNet ResNet34/50 acceleration (not run at quick)
reproduce-greg-table4:  ## GReg Table 4: unstructured ResNet50 at 82.7% (not run at quick)
reproduce-greg-table7:  ## GReg Table 7: one-shot vs GReg-1 on OBD-picked filters
reproduce-greg-table9:  ## GReg Table 9: GReg-1's sensitivity to K_u
reproduce-greg-table10:  ## GReg Table 10: one-shot vs GReg-1 on random filters
reproduce-greg-figure1:  ## GReg Figure 1: filter-norm separation under a growing penalty
reproduce-greg-figure2:  ## GReg Figure 2: VGG19 layer-3 filter norms over the picking phase

reproduce-greg: $(addprefix reproduce-greg-,$(GREG))  ## every GReg table and figure at SCALE

GRDA := table_cifar figure4_accuracy_sparsity figure4_layerwise figure_connectivity
.PHONY: reproduce-grda $(addprefix reproduce-grda-,$(GRDA))
$(addprefix reproduce-grda-,$(GRDA)): reproduce-grda-%: setup
	$(BIN)/python -m reproductions.grda.$* --scale $(SCALE)

reproduce-grda-table_cifar:  ## gRDA CIFAR results: accuracy and sparsity per mu vs plain SGD, over seeds
reproduce-grda-figure4_accuracy_sparsity:  ## gRDA Fig. 4 left: ResNet-50 top-1 vs sparsity, vs SGD + magnitude pruning
reproduce-grda-figure4_layerwise:  ## gRDA Fig. 4 right: per-layer sparsity of the ResNet-50 gRDA solution
reproduce-grda-figure_connectivity:  ## gRDA connectivity: Bezier curve between the SGD and gRDA minima

reproduce-grda: $(addprefix reproduce-grda-,$(GRDA))  ## every gRDA table and figure at SCALE

PROXNS := table1 table2 figure_scaling_factors
.PHONY: reproduce-proxns $(addprefix reproduce-proxns-,$(PROXNS))
$(addprefix reproduce-proxns-,$(PROXNS)): reproduce-proxns-%: setup
	$(BIN)/python -m reproductions.proxns.$* --scale $(SCALE)

reproduce-proxns-table1:  ## proximal NS Table 1 (CIFAR-10): NS vs proximal NS on VGG-19, DenseNet-40, ResNet-164
reproduce-proxns-table2:  ## proximal NS Table 2 (CIFAR-100): the same comparison
reproduce-proxns-figure_scaling_factors:  ## proximal NS: |gamma| and xi after training, NS vs proximal NS

reproduce-proxns: $(addprefix reproduce-proxns-,$(PROXNS))  ## every proximal NS table and figure at SCALE

reproduce-table1: reproduce-slr-table1 reproduce-greg-table1 reproduce-proxns-table1  ## every paper's Table 1 that exists at SCALE

clean:  ## remove runs, cached baselines and the built report (results/ is kept)
	rm -rf runs baselines/cache report/build
