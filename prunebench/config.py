"""Run configuration: scientific fields (hashed into the run id) apart from operational ones.

A new scientific field must default to a no-op and be listed in `FIELDS_ADDED_LATER`: it is left out
of the hash while it has its default, so the ids of existing runs stay valid (tests pin a few ids).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELDS_ADDED_LATER: tuple[str, ...] = ("stop_within_start_top1", "precision", "kind", "partner")
PRECISIONS = ("float32", "bf16")  # bf16: forward passes and losses under torch.autocast(bfloat16), weights float32


@dataclass(frozen=True)
class OptimizerConfig:
    name: str = "adam"  # adam | sgd
    lr: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: str = "constant"  # a name in prunebench.train.SCHEDULES: constant | multistep | cosine | onecycle | ...
    milestones: tuple[int, ...] = ()
    gamma: float = 0.1


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run's numbers. `parent` is the run whose final weights start it; `kind` names
    what the run does (`prunebench.run_kinds`: training by default), `partner` a second input run some kinds need
    (the far end of a mode-connectivity curve)."""

    dataset: str
    model: str
    method: str = "dense"
    width: float = 1.0
    model_options: dict[str, Any] = field(default_factory=dict)
    method_options: dict[str, Any] = field(default_factory=dict)
    prune_rule: str | None = None
    prune_ratio: float = 0.0
    epochs: int = 1
    batch_size: int = 128
    optimizer: OptimizerConfig = OptimizerConfig()
    train_subset: int | None = None
    augment: bool = True
    seed: int = 0
    eval_every: int = 1  # hard-prune evaluation cadence in epochs; 0 = only at the end
    # stop after the first evaluated epoch whose hard-prune top-1 is within this many points of the top-1 of
    # the starting (parent, e.g. dense) weights: SLR Fig. 1's accuracy threshold
    stop_within_start_top1: float | None = None
    parent: RunConfig | None = None
    tag: str = ""  # readable part of the run id only
    precision: str = "float32"  # a name in PRECISIONS; it changes the numbers, so it is part of the run id
    kind: str = "train"
    partner: RunConfig | None = None
    # settings whose value is read from another run's result, so differs by seed (e.g. "method_options.sparsity": the
    # sparsity a same-seed gRDA run reached); their values are in the run id, never in the settings id
    derived: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.prune_ratio == 0:  # -0.0 is 0.0: one run id, not two (an int 0 keeps its type, so its hash)
            object.__setattr__(self, "prune_ratio", abs(self.prune_ratio))

    def scientific_dict(self) -> dict[str, Any]:
        """Canonical content of the hash: every field but the seed, the tag and the names of the derived
        settings, defaults of newer fields dropped."""
        data = dataclasses.asdict(self)
        for name in ("seed", "tag", "derived"):
            data.pop(name)
        for name in FIELDS_ADDED_LATER:
            if getattr(self, name) == getattr(RunConfig, name, None):
                data.pop(name)
        data["parent"] = None if self.parent is None else self.parent.run_id
        if "partner" in data:
            data["partner"] = self.partner.run_id
        return data

    @property
    def inputs(self) -> tuple[RunConfig, ...]:
        """The runs that must finish before this one starts."""
        return tuple(c for c in (self.parent, self.partner) if c is not None)

    @property
    def lineage(self) -> list[RunConfig]:
        """The run and every run it starts from, depth first (its inputs', their inputs', ...)."""
        return [self, *(config for source in self.inputs for config in source.lineage)]

    @property
    def config_hash(self) -> str:
        blob = json.dumps(self.scientific_dict(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:8]

    @property
    def run_id(self) -> str:
        return f"{self._name(with_ratio=True)}/{self.config_hash}/seed{self.seed}"

    @property
    def settings_id(self) -> str:
        """What every seed of one arm shares: the run id with the seed taken out of this run and of every run it
        starts from (each seed of a pruning arm starts from its own seed's baseline, so the run ids of two seeds
        differ in more than their last part), and the `derived` values with it. Two rows of one arm with different
        settings ids were made by different recipes; two with the same one are seeds of one recipe."""
        data = self.scientific_dict()
        for name in ("parent", "partner"):
            if data.get(name) is not None:
                data[name] = getattr(self, name).settings_id
        for path in self.derived:
            *outer, leaf = path.split(".")
            holder = functools.reduce(dict.__getitem__, outer, data)
            if leaf not in holder:
                raise ValueError(f"{self.run_id}: derived setting {path!r} is not a setting of this run")
            holder[leaf] = "derived"
        blob = json.dumps(data, sort_keys=True, default=str)
        return f"{self._name(with_ratio='prune_ratio' not in self.derived)}/{hashlib.sha256(blob.encode()).hexdigest()[:8]}"

    def _name(self, with_ratio: bool) -> str:
        """The readable part of the ids: method, model, data set, prune ratio (where one is set) and tag."""
        ratio = f"-p{self.prune_ratio:g}" if self.prune_rule and with_ratio else ""
        tag = f"-{self.tag}" if self.tag else ""
        return f"{self.method}-{self.model}-{self.dataset}{ratio}{tag}"

    def with_precision(self, precision: str) -> RunConfig:
        """This run and its ancestors in `precision` (a chain trains in one precision)."""
        parent = None if self.parent is None else self.parent.with_precision(precision)
        partner = None if self.partner is None else self.partner.with_precision(precision)
        return dataclasses.replace(self, precision=precision, parent=parent, partner=partner)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["parent"] = None if self.parent is None else self.parent.to_json()
        data["partner"] = None if self.partner is None else self.partner.to_json()
        return data


@dataclass(frozen=True)
class CheckBudget:
    """How far a check of a (paper-scale) config trains: at most `epochs` epochs of at most `steps_per_epoch` steps
    (and as many minibatches for a criterion that reads data, OBD's Hessian), evaluated on `eval_images` test images. The schedules still follow the config's epochs; the numbers mean
    nothing as results, so a budgeted run belongs in a scratch runs folder (`prunebench paper-check` uses one)."""

    epochs: int = 1
    steps_per_epoch: int = 2
    eval_images: int = 64


@dataclass(frozen=True)
class Operational:
    """Where and how a run executes; never part of the run id."""

    runs_root: Path = Path("runs")
    baselines_root: Path = Path("baselines") / "cache"
    data_root: Path | None = None
    device: str = "cpu"
    progress: bool = True
    threads: int | None = None
    channels_last: bool | None = None  # NHWC or NCHW (same numbers up to rounding); None: prunebench.memory_format's rule
    launcher: str = "local"  # prunebench.launch.LAUNCHERS: where the session's runs train
    launcher_options: tuple[tuple[str, Any], ...] = ()  # the launcher's (KEY, VALUE) pairs, e.g. submitit's
    budget: CheckBudget | None = None  # a bounded check of a config (paper-check), never a result
    # the GPU fast path (docs/architecture.md): in-memory data sets held on the device and augmented there (no
    # per-batch host transfer, same batches as on the host), and cudnn's autotuner (picks kernels by timing them:
    # not bit-reproducible between runs)
    data_on_device: bool = False
    cudnn_benchmark: bool = False
    # data-parallel training (`--launcher torchrun`): this process's rank among `world_size`, each training its
    # shard of every batch; rank 0 alone writes checkpoints and results
    rank: int = 0
    world_size: int = 1
    # a checkpoint at an epoch's end once this many seconds have passed since the last one, and at the last epoch
    # (0: every epoch): a synchronous copy of the model, optimizer and method state (~6x the parameters for SLR)
    # costs a sizeable share of a seconds-long GPU epoch, and a resume replays at most this much training
    checkpoint_seconds: float = 600.0
    # the training forward through torch.compile with this backend (None: eager); the checkpoint saves the module
    # itself, so its keys do not change. Fused kernels round differently: not bit-identical to an eager run
    compile_backend: str | None = None
    # a dense base committed under baselines/shipped (prunebench.shipped_bases) is copied into the cache, not trained
    shipped_bases: bool = True
