"""What a run does, by `RunConfig.kind`: training a method (the default) or another computation that belongs to a
reproduction's chain (a mode-connectivity curve between two trained runs, a YOLO training through ultralytics). Every kind goes through
`runner.run`, so run ids, caching, parents first, launchers and provenance are the same for all.

An entry names its function as "module:function", imported when a run of the kind starts: a kind with heavy
dependencies costs nothing to the others, and nothing registers itself by being imported.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prunebench.registry import Registry, import_entry


@dataclass(frozen=True)
class RunKind:
    entry: str  # "module:function" of (config, ops, paths, the results of config.inputs) -> RunResult, which ends
    # with `runner.finish`
    method_is_registered: bool  # its `method` names a prunebench.methods.METHODS entry (checked before the run)
    data_and_model_registered: bool = True  # prunebench's DATASETS and MODELS (else the kind checks its own names)
    own_precision: bool = False  # trains in a precision of its own: a config may only say float32
    data_parallel: bool = False  # `--launcher torchrun` shards its batches (others run in the calling process)
    checkpoints: bool = False  # resumes mid-run from a checkpoint (others start again when interrupted)


RUN_KINDS: Registry[RunKind] = Registry("run kind")
RUN_KINDS.register("train")(RunKind("prunebench.training_run:train", True, data_parallel=True, checkpoints=True))
RUN_KINDS.register("bezier_curve")(RunKind("prunebench.connectivity:curve_run", False))
RUN_KINDS.register("ultralytics_detection")(
    RunKind("prunebench.detection.run:detection_run", True, data_and_model_registered=False, own_precision=True))


def run_function(kind: str) -> Callable:
    return import_entry(RUN_KINDS.get(kind).entry)
