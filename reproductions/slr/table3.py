"""SLR paper, Table 3 (and Figure 2's curves): SLR vs ADMM on COCO with YOLOv3-tiny at 1.19x / 2x / 3.33x and YOLOv3-SPP
at 2x; mAP@0.5 at image size 640 right after the hard prune, no retraining. Figure 2: hard-prune mAP every 5 epochs.

Claims: SLR-C1 (SLR beats ADMM), SLR-C2 (the gap grows with compression; epochs also grow, 15 / 20 / 25, as in the
paper), ADMM-C1.

Command: make reproduce-slr-table3 SCALE=quick|paper|smoke  (= python -m reproductions.slr.table3 --scale quick)
Runs go through ultralytics' trainer, its data pipeline and its default training settings (the paper used the
ultralytics/yolov3 repository's), with SLR/ADMM attached by callbacks (`prunebench.detection.ultralytics_slr`); a
run is cached under runs/detection/<name>/<config hash>/seed<k>/result.json and skipped when present.
Scales:
- paper: COCO in YOLO format described by <data root>/coco/coco.yaml, pretrained weights <data root>/coco/weights/
  yolov3-tinyu.pt and yolov3-sppu.pt (see datasets/README.md; nothing is downloaded), image size 640, batch 16,
  the published epochs, COCO mAP through pycocotools (save_json). Deviation: the ultralytics package ships the
  anchor-free "u" YOLOv3 variants, not the anchor-based models of the paper's repository, so the dense mAPs differ.
- quick: **a tiny generated detection set (32 / 8 images of coloured boxes, 96 px), not COCO**; YOLOv3-tiny built
  from ultralytics' config, a dense baseline trained here for 5 epochs, the three tiny rows at 3 epochs each.
- smoke: 8 / 4 images of 64 px, the 1.19x and 3.33x rows, 1 epoch (tests).
Per-layer ratios are unpublished: one uniform ratio on every conv but the first, solved per rate at full size.
Measured: quick 120 s on an idle 2-core CPU (dense baseline included); smoke 74 s on a shared CPU. At quick scale every
mAP is 0.00 (a 5-epoch YOLOv3-tiny from scratch on 32 images finds nothing), so the quick rows test the pipeline only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from prunebench.checkpoint import write_json_atomic
from prunebench.data.registry import default_data_root
from prunebench.figures import write_series
from prunebench.paths import figure_csv, results_csv
from prunebench.reproduce import judge_claims
from prunebench.results import environment, utc_now, write_rows
from prunebench.runner import UNKNOWN_PROVENANCE
from prunebench.scales import SCALES
from prunebench.sparsity import count_parameters, hard_prune, solve_uniform_ratio
from reproductions.cli import float32_only, parser
from reproductions.slr.common import PAPER, RHO, comparison_claims

TABLE = "table3"
PRUNE_RULE = "convs_except_stem"
METHODS = ("admm", "slr")


@dataclass(frozen=True)
class Row:
    cell: str
    model: str  # ultralytics model config
    weights: str  # pretrained file under <data root>/coco/weights/ (paper scale)
    compression: float
    epochs: int


ROWS = [
    Row("coco/yolov3-tiny~1.19x", "yolov3-tiny.yaml", "yolov3-tinyu.pt", 1.19, 15),
    Row("coco/yolov3-tiny~2x", "yolov3-tiny.yaml", "yolov3-tinyu.pt", 2.0, 20),
    Row("coco/yolov3-tiny~3.33x", "yolov3-tiny.yaml", "yolov3-tinyu.pt", 3.33, 25),
    Row("coco/yolov3-spp~2x", "yolov3-spp.yaml", "yolov3-sppu.pt", 2.0, 15),
]


@dataclass(frozen=True)
class DetectionScale:
    """What a scale runs of this table (`Scale.pick` data): detection data replace the scale's image data set."""

    dataset: str  # coco, or a generated set written on first use
    cells: tuple[str, ...]
    images: tuple[int, int, int]  # generated train / val images and their size (0: COCO)
    imgsz: int
    batch: int
    max_epochs: int | None
    baseline_epochs: int  # 0: the pretrained weights
    eval_every: int  # Figure 2 reads every 5 epochs


DETECTION_SCALES = {
    "paper": DetectionScale("coco", tuple(r.cell for r in ROWS), (0, 0, 0), 640, 16, None, 0, 5),
    "quick": DetectionScale("detection_generated_quick", tuple(r.cell for r in ROWS[:3]), (32, 8, 96), 96, 8, 3, 5, 1),
    "smoke": DetectionScale("detection_generated_smoke", (ROWS[0].cell, ROWS[2].cell), (8, 4, 64), 64, 4, 1, 1, 1),
}

CLAIMS = comparison_claims("map50_hardprune", "mAP@0.5")


def ratio(row: Row) -> float:
    from ultralytics.nn.tasks import DetectionModel

    model = DetectionModel(row.model, nc=80, verbose=False)  # COCO's 80 classes, as the published models
    return round(solve_uniform_ratio(model, PRUNE_RULE, row.compression), 4)


def data_yaml(detection: DetectionScale, data_root: Path) -> Path:
    if detection.dataset == "coco":
        return data_root / "coco" / "coco.yaml"
    from prunebench.detection.generated import write_detection_set

    train, val, size = detection.images
    folder = data_root / detection.dataset
    return folder / "data.yaml" if (folder / "data.yaml").exists() else write_detection_set(folder, train, val, size)


PATHS = ("data", "start")  # where the data and the starting weights are: not part of what a run is


def run_id(name: str, config: dict) -> str:
    """Hash of the run's content without its paths (its start is named by `start_id`), so moving the data or the
    runs folder neither re-trains a run nor gives its rows a second id."""
    scientific = {k: v for k, v in config.items() if k not in PATHS}
    digest = hashlib.sha256(json.dumps(scientific, sort_keys=True).encode()).hexdigest()[:8]
    return f"{name}/{digest}/seed{config['seed']}"


def train(config: dict, runs_root: Path, device: str, hooks=None) -> tuple[dict, Path]:
    """One cached ultralytics training run; returns (result, its folder). `config` is the run's scientific content."""
    from ultralytics import YOLO

    # absolute: ultralytics puts a relative `project` under its own settings' runs_dir (~/.config/Ultralytics)
    folder = Path(runs_root).resolve() / "detection" / run_id(config["name"], config)
    done = folder / "result.json"
    if done.exists():
        result = json.loads(done.read_text())
        if Path(result["weights"]).exists():
            return result, folder
        print(f"{folder}: the cached result names weights that are gone ({result['weights']}); training again")
    began = time.perf_counter()
    yolo = YOLO(config["start"])
    if hooks is not None:
        hooks.attach(yolo)
    yolo.train(data=config["data"], epochs=config["epochs"], imgsz=config["imgsz"], batch=config["batch"],
               seed=config["seed"], device=device, workers=0 if device == "cpu" else 8, plots=False,
               project=str(folder), name="train", exist_ok=True, verbose=False, save_json=config["coco"])
    result = {"weights": str(folder / "train" / "weights" / "last.pt"), "seconds": time.perf_counter() - began,
              "provenance": {**environment(device), "finished_at": utc_now()}}  # kept with the run, as the runner does
    if hooks is not None:
        result.update(hooks.summary())
    write_json_atomic(result, done)
    return result, folder


def evaluate(weights: str, config: dict, device: str, plan: dict[str, float] | None) -> tuple[float, dict]:
    """mAP@0.5 (%) of `weights`, hard-pruned by `plan` if given, and its parameter counts."""
    from ultralytics import YOLO

    yolo = YOLO(weights)
    if plan:
        hard_prune(yolo.model, plan)
    metrics = yolo.val(data=config["data"], imgsz=config["imgsz"], batch=config["batch"], device=device,
                       plots=False, verbose=False, save_json=config["coco"], workers=0)
    total, nonzero = count_parameters(yolo.model, "nonbias")
    return 100.0 * float(metrics.box.map50), {"params_dense": total, "params_nonzero": nonzero}


def main(argv: list[str] | None = None) -> int:
    cli = parser("python -m reproductions.slr.table3", "Reproduce Table 3 / Figure 2 of the SLR paper (YOLOv3, SLR vs ADMM).")
    args: argparse.Namespace = cli.parse_args(argv)
    float32_only(cli, args, "ultralytics trains detection with its own mixed precision")
    if args.with_method:
        cli.error("--with-method is not available here: Table 3 trains through ultralytics, not prunebench's runner")
    if args.launcher != "local":  # its runs go through ultralytics' trainer, not prunebench's runner
        cli.error(f"--launcher {args.launcher} is not supported here: Table 3 trains through ultralytics in this process")
    from prunebench.detection.ultralytics_slr import LagrangianCallbacks

    scale = SCALES.get(args.scale).pick(DETECTION_SCALES, what="detection setting")
    seeds = tuple(args.seeds) if args.seeds else SCALES.get(args.scale).seeds
    rows = [r for r in ROWS if r.cell in scale.cells]
    if args.dry_run:
        for row in rows:
            print(f"{row.cell}: {row.compression}x -> uniform ratio {ratio(row)} on {PRUNE_RULE}, {row.epochs} epochs")
        return 0
    data_root = args.data_root or default_data_root()
    data = str(data_yaml(scale, data_root))
    out, series = [], []
    for row in rows:
        for seed in seeds:
            common = {"data": data, "imgsz": scale.imgsz, "batch": scale.batch, "seed": seed, "coco": scale.dataset == "coco"}
            if scale.baseline_epochs:
                dense_config = {**common, "name": f"dense-{row.model.split('.')[0]}-{args.scale}", "start": row.model,
                                "start_id": row.model, "epochs": scale.baseline_epochs}
                start = train(dense_config, args.runs_root, args.device)[0]["weights"]
                start_id = run_id(dense_config["name"], dense_config)
            else:
                start, start_id = str(data_root / "coco" / "weights" / row.weights), row.weights
            p = ratio(row)
            epochs = row.epochs if scale.max_epochs is None else min(row.epochs, scale.max_epochs)
            for method in METHODS:
                config = {**common, "name": f"{method}-{row.cell.replace('/', '_')}-{args.scale}", "start": start,
                          "start_id": start_id, "epochs": epochs, "method": method, "ratio": p, "rho": RHO, "eval_every": scale.eval_every}
                hooks = LagrangianCallbacks(method, PRUNE_RULE, p, {"rho": RHO}, eval_every=scale.eval_every)
                result, folder = train(config, args.runs_root, args.device, hooks)
                before, _ = evaluate(result["weights"], config, args.device, None)
                after, counts = evaluate(result["weights"], config, args.device, result["plan"])
                shared = {
                    "paper": PAPER, "table": TABLE, "cell": row.cell, "scale": args.scale,
                    "run_id": run_id(config["name"], config), "method": method, "model": row.model.split(".")[0],
                    "dataset": scale.dataset, "seed": seed,
                    "prune_ratio": p, "sparsity": 1 - counts["params_nonzero"] / counts["params_dense"],
                    "compression": counts["params_dense"] / counts["params_nonzero"], "counting_rule": "nonbias",
                    **counts, "macs_dense": float("nan"), "macs_nonzero": float("nan"), "epochs": epochs,
                    "wall_seconds": result["seconds"], **{**UNKNOWN_PROVENANCE, **result.get("provenance", {})},
                }
                metrics = {"map50_hardprune": after, "map50_before_hardprune": before,
                           **{k: v for k, v in result.items() if k.startswith("slr_")}}
                out += [{**shared, "metric": k, "value": v} for k, v in metrics.items()]
                series += [
                    {"panel": row.cell, "series": method, "x": h["epoch"], "y": h["map50_hardprune"], "x_label": "epoch",
                     "y_label": "hard-prune mAP@0.5 (%)", "seed": seed, "run_id": shared["run_id"]}
                    for h in result["history"] if "map50_hardprune" in h
                ]
    write_rows(results_csv(args.scale, PAPER, TABLE, args.results), out)
    write_series(figure_csv(args.scale, PAPER, "figure2", args.results), series)
    judge_claims(PAPER, TABLE, args.scale, args.results)  # the verdicts the report reads
    print(f"slr table3 at {args.scale} scale: {len(out)} rows -> {results_csv(args.scale, PAPER, TABLE, args.results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
