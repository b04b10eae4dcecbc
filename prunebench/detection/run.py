"""The `ultralytics_detection` run kind: one YOLO training through ultralytics' own trainer, data pipeline and
default settings, with ADMM / SLR attached by callbacks (`ultralytics_slr`) when the config's method prunes; then
mAP@0.5 before and after the hard prune. `runner.run` does the rest as for every run (cached result, parent first,
launchers, provenance), so a detection run has a run id, a folder and a result.json like any other.

How the config reads: `dataset` a `DETECTION_DATA` name, `model` an ultralytics model config (`yolov3-tiny` ->
yolov3-tiny.yaml), `model_options` {"imgsz": pixels, "weights": a pretrained file under <data root>/coco/weights/}
(the start when there is no parent), `batch_size`, `epochs`, `seed`, `eval_every` (hard-prune mAP during training,
Figure 2). ultralytics chooses the optimizer itself (optimizer=auto): the config's `optimizer` is recorded, not
applied. An interrupted training starts again from its start weights.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from prunebench.checkpoint import write_json_atomic, write_text_atomic
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.data.root import default_data_root
from prunebench.detection.coco_eval import coco_detections, coco_map50
from prunebench.detection.data import DETECTION_DATA
from prunebench.detection.yolo_format import read_data_yaml, split_images
from prunebench.metric_names import after_finalize, before_finalize
from prunebench.paths import RunPaths
from prunebench.runner import RunResult, finish, provenance, rows_to_csv
from prunebench.sparsity import count_parameters, hard_prune

# what ultralytics does unless told otherwise (its default.yaml: optimizer auto, lr0 0.01, momentum 0.937, wd 5e-4)
ULTRALYTICS_DEFAULTS = OptimizerConfig("ultralytics_auto", lr=0.01, momentum=0.937, weight_decay=5e-4)
PRETRAINED_FOLDER = ("coco", "weights")


@contextmanager
def keep_thread_count() -> Iterator[None]:
    """ultralytics' device selection sets torch's CPU threads to its own count (cores − 1: one on a 2-core machine,
    half its compute); inside this block it sets the count the run was given instead."""
    from ultralytics.utils import torch_utils

    chosen = torch_utils.NUM_THREADS
    torch_utils.NUM_THREADS = torch.get_num_threads()
    try:
        yield
    finally:
        torch_utils.NUM_THREADS = chosen


def start_weights(config: RunConfig, inputs: tuple[RunResult, ...], data_root: Path) -> str:
    """The parent's final weights (its only input), else the pretrained file the config names, else the model
    config (scratch)."""
    if inputs:
        return str(inputs[0].paths.weights)
    weights = config.model_options.get("weights")
    if weights is None:
        return f"{config.model}.yaml"
    path = Path(weights) if Path(weights).is_absolute() else data_root.joinpath(*PRETRAINED_FOLDER, weights)
    if not path.exists():
        raise FileNotFoundError(f"pretrained weights {path} are absent: see datasets/README.md (nothing is downloaded)")
    return str(path)


def evaluate(weights: str, data: str, config: RunConfig, ops: Operational, annotations: Path | None,
             plan: dict[str, float] | None) -> tuple[float, dict[str, float]]:
    """mAP@0.5 (%) of `weights`, hard-pruned by `plan` if given — COCO's (pycocotools) where the val split has an
    instances file, else ultralytics' — and the parameter counts (non-bias rule) of the model as pruned."""
    from ultralytics import YOLO

    yolo = YOLO(weights)
    if plan:
        hard_prune(yolo.model, plan)
    total, nonzero = count_parameters(yolo.model, "nonbias")  # before evaluation fuses batch norms into convs
    counts = {"params_nonbias_dense": total, "params_nonbias_nonzero": nonzero, "compression_nonbias": total / max(nonzero, 1)}
    imgsz = config.model_options["imgsz"]
    if annotations is None:
        metrics = yolo.val(data=data, imgsz=imgsz, batch=config.batch_size, device=ops.device, plots=False,
                           verbose=False, workers=0)
        return 100.0 * float(metrics.box.map50), counts
    images = split_images(read_data_yaml(Path(data)).splits["val"])
    detections = coco_detections(yolo, images, imgsz, config.batch_size, ops.device)
    return coco_map50(detections, annotations, [int(p.stem) for p in images]), counts


def detection_run(config: RunConfig, ops: Operational, paths: RunPaths, inputs: tuple[RunResult, ...]) -> RunResult:
    os.environ.setdefault("YOLO_OFFLINE", "1")  # never the network: weights are the user's files
    from ultralytics import YOLO

    from prunebench.detection.ultralytics_slr import LagrangianCallbacks

    data_root = Path(ops.data_root or default_data_root())
    dataset = DETECTION_DATA.get(config.dataset)
    data = str(dataset.locate(data_root))
    if "imgsz" not in config.model_options:
        raise ValueError(f"{config.run_id}: a detection run needs model option imgsz (pixels)")
    with keep_thread_count():
        began = time.perf_counter()
        yolo = YOLO(start_weights(config, inputs, data_root))
        hooks = None
        if config.prune_rule is not None:
            hooks = LagrangianCallbacks(config.method, config.prune_rule, config.prune_ratio, dict(config.method_options),
                                        eval_every=config.eval_every)
            hooks.attach(yolo)
        project = paths.dir.resolve() / "ultralytics"  # absolute: else ultralytics puts it under its own runs_dir
        yolo.train(data=data, epochs=config.epochs, imgsz=config.model_options["imgsz"], batch=config.batch_size,
                   seed=config.seed, device=ops.device, workers=0 if ops.device == "cpu" else 8, plots=False,
                   project=str(project), name="train", exist_ok=True, verbose=False)
        last = project / "train" / "weights" / "last.pt"
        summary: dict[str, Any] = hooks.summary() if hooks is not None else {"plan": {}, "history": [], "log": []}
        annotations = dataset.annotations_file(Path(data))
        before, counts = evaluate(str(last), data, config, ops, annotations, None)
        if summary["plan"]:
            after, counts = evaluate(str(last), data, config, ops, annotations, summary["plan"])
        else:
            after = before
        before_name = before_finalize("map50", config.method)  # named by what the method's finalize left
        metrics = {after_finalize("map50", config.method): after, **({before_name: before} if before_name else {}), **counts,
                   "macs_dense": float("nan"), "macs_nonzero": float("nan"),  # not counted for ultralytics models
                   **{k: float(v) for k, v in summary.items() if k.startswith("slr_")}}
        if ops.rank == 0:
            shutil.copyfile(last, paths.weights)  # an ultralytics checkpoint: a child run starts from it
            write_json_atomic(config.to_json(), paths.config)
            if summary["log"]:
                write_text_atomic(rows_to_csv(summary["log"]), paths.method_log)
    return finish(RunResult(config, metrics, summary["history"], {}, time.perf_counter() - began, False,
                            provenance(ops)), paths, ops)
