"""SLR paper, Table 3 (and Figure 2's curves): SLR vs ADMM on COCO with YOLOv3-tiny at 1.19x / 2x / 3.33x and YOLOv3-SPP
at 2x; mAP@0.5 at image size 640 right after the hard prune, no retraining. Figure 2: hard-prune mAP every 5 epochs.

Claims: SLR-C1 (SLR beats ADMM), SLR-C2 (the gap grows with compression; epochs also grow, 15 / 20 / 25, as in the
paper), ADMM-C1.

Command: make reproduce-slr-table3 SCALE=quick|paper|smoke  (= python -m reproductions.slr.table3 --scale quick)
Runs go through ultralytics' trainer, its data pipeline and its default training settings (the paper used the
ultralytics/yolov3 repository's), with SLR/ADMM attached by callbacks (`prunebench.detection.ultralytics_slr`); each
is a run of the core runner of kind `ultralytics_detection` (`prunebench.detection.run`): run id, cache, parent
first, launchers, provenance and metadata as every table.
Scales:
- paper: COCO in YOLO format described by <data root>/coco/coco.yaml, pretrained weights <data root>/coco/weights/
  yolov3-tinyu.pt and yolov3-sppu.pt (see datasets/README.md; nothing is downloaded), image size 640, batch 16,
  the published epochs, COCO's mAP@0.5 by pycocotools against the val split's instances file
  (`prunebench.detection.coco_eval`). Deviation: the ultralytics package ships the anchor-free "u" YOLOv3 variants,
  not the anchor-based models of the paper's repository, so the dense mAPs differ.
- quick: **COCO128** (real COCO 2017 images; `coco128` trains on its 128 val2017 images and scores its 128 train2017
  images, the ones with a COCO instances file, by pycocotools), image size 192, YOLOv3-tiny built from ultralytics'
  config (no pretrained weights offline), one dense baseline of 3 epochs that starts all 3 seeds' arms, the 1.19x and
  3.33x rows at 2 epochs each (the 2x row left out to fit 15 minutes).
- smoke: a generated set of coloured boxes (8 / 4 images of 64 px, ultralytics' own mAP), the 1.19x and 3.33x rows,
  1 epoch (tests).
Per-layer ratios are unpublished: one uniform ratio on every conv but the first, solved per rate at full size.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prunebench.cells import join_cell
from prunebench.config import Operational, RunConfig
from prunebench.detection.run import ULTRALYTICS_DEFAULTS
from prunebench.figures import write_series
from prunebench.metric_names import select
from prunebench.paths import figure_csv, results_csv
from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.runner import RunResult
from prunebench.scales import Scale
from prunebench.sparsity import solve_uniform_ratio
from reproductions.slr.common import PAPER, RHO, comparison_claims, series_from_runs

TABLE = "table3"
PRUNE_RULE = "convs_except_stem"
METHODS = ("admm", "slr")
KIND = "ultralytics_detection"


@dataclass(frozen=True)
class Row:
    cell: str  # the published model; each compression rate is a variant of it, so the claims judge one sweep
    variant: str
    model: str  # ultralytics model config, without ".yaml"
    weights: str  # pretrained file under <data root>/coco/weights/ (paper scale)
    compression: float
    epochs: int

    @property
    def row_cell(self) -> str:
        return join_cell(self.cell, self.variant)


ROWS = [
    Row("coco/yolov3-tiny", "1.19x", "yolov3-tiny", "yolov3-tinyu.pt", 1.19, 15),
    Row("coco/yolov3-tiny", "2x", "yolov3-tiny", "yolov3-tinyu.pt", 2.0, 20),
    Row("coco/yolov3-tiny", "3.33x", "yolov3-tiny", "yolov3-tinyu.pt", 3.33, 25),
    Row("coco/yolov3-spp", "2x", "yolov3-spp", "yolov3-sppu.pt", 2.0, 15),
]


@dataclass(frozen=True)
class DetectionScale:
    """What a scale runs of this table (`Scale.pick` data): detection data replace the scale's image data set."""

    dataset: str  # a prunebench.detection.data.DETECTION_DATA name
    cells: tuple[str, ...]
    imgsz: int
    batch: int
    max_epochs: int | None
    baseline_epochs: int  # 0: the pretrained weights
    eval_every: int  # Figure 2 reads every 5 epochs
    baseline_seed: int | None = None  # one dense model (this seed's) starts every seed's arms; None: one per seed


DETECTION_SCALES = {
    "paper": DetectionScale("coco", tuple(r.row_cell for r in ROWS), 640, 16, None, 0, 5),
    # COCO128 (real COCO images, pycocotools' mAP), two rates; one dense model for the three seeds
    "quick": DetectionScale("coco128", (ROWS[0].row_cell, ROWS[2].row_cell), 192, 16, 2, 3, 1, baseline_seed=0),
    "smoke": DetectionScale("detection_generated_smoke", (ROWS[0].row_cell, ROWS[2].row_cell), 64, 4, 1, 1, 1),
}

CLAIMS = comparison_claims("map50_hardprune", "mAP@0.5")


def ratio(row: Row) -> float:
    from ultralytics.nn.tasks import DetectionModel

    model = DetectionModel(f"{row.model}.yaml", nc=80, verbose=False)  # COCO's 80 classes, as the published models
    return round(solve_uniform_ratio(model, PRUNE_RULE, row.compression), 4)


def baseline(row: Row, at: DetectionScale, scale: Scale, seed: int) -> RunConfig | None:
    """The dense model trained here at reduced scales (None: the pretrained weights start every arm)."""
    if not at.baseline_epochs:
        return None
    return RunConfig(dataset=at.dataset, model=row.model, method="dense", kind=KIND, model_options={"imgsz": at.imgsz},
                     epochs=at.baseline_epochs, batch_size=at.batch, optimizer=ULTRALYTICS_DEFAULTS,
                     seed=seed if at.baseline_seed is None else at.baseline_seed,
                     eval_every=0, tag=scale.name)


def arms(scale: Scale, seeds: tuple[int, ...] | None = None) -> list[Arm]:
    at = scale.pick(DETECTION_SCALES, what="detection setting")
    out = []
    for row in (r for r in ROWS if r.row_cell in at.cells):
        p = ratio(row)
        for seed in seeds or scale.seeds:
            dense = baseline(row, at, scale, seed)
            options = {"imgsz": at.imgsz, **({} if dense else scale.model_options({"weights": row.weights}))}
            for method in METHODS:
                config = RunConfig(
                    dataset=at.dataset, model=row.model, method=method, kind=KIND, model_options=options,
                    method_options={"rho": RHO}, prune_rule=PRUNE_RULE, prune_ratio=p,
                    epochs=row.epochs if at.max_epochs is None else min(row.epochs, at.max_epochs),
                    batch_size=at.batch, optimizer=ULTRALYTICS_DEFAULTS, seed=seed, eval_every=at.eval_every,
                    parent=dense, tag=scale.name)
                out.append(Arm(row.cell, config, hardprune_metrics, variant=row.variant))
    return out


def hardprune_metrics(result: RunResult) -> dict[str, float]:
    return {**select(result, "map50_hardprune", "map50_before_hardprune"),
            **{k: v for k, v in result.metrics.items() if k.startswith("slr_")}}


def figure2(scale: str, finished: list[tuple[Arm, RunResult]], results: Path, _ops: Operational) -> None:
    """Figure 2: hard-prune mAP@0.5 over the epochs of every pruning run."""
    series = [{"panel": arm.row_cell, "series": arm.config.method, "x": epoch, "y": value, "x_label": "epoch",
               "y_label": "hard-prune mAP@0.5 (%)", "seed": arm.config.seed, "run_id": arm.config.run_id}
              for arm, result in finished for epoch, value in result.per_epoch("map50_hardprune")]
    write_series(figure_csv(scale, PAPER, "figure2", results), series, results_csv(scale, PAPER, TABLE, results))


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Table 3 and Figure 2: SLR vs ADMM on COCO with YOLOv3, mAP@0.5 right after the hard prune", arms,
    claims=CLAIMS, after=series_from_runs(figure2),
    not_paper_checked="its YOLO runs go through the runner (kind ultralytics_detection) but ultralytics' own loop "
                      "takes no check budget, CPU batch cut or MAC count yet, and COCO128 is not wired in as COCO's "
                      "stand-in",
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
