"""What every GReg reproduction shares: the networks with their paper settings (Tables 5, 6, 8), how a
scale shrinks them, and how a pruning arm becomes two runs — the pruning run (regularisation phase, if
any, then removal) and the fine-tuning run that starts from its narrow weights.

Run ids depend only on the settings, so an arm that two tables share (e.g. L1 one-shot at r = 0.9 in
Tables 1, 9 and 10, or GReg-2 at ResNet56 2.55× in Table 2 and Figure 1) runs once.

Quick and smoke scales cannot afford the paper's regularisation phase (up to 10,000 λ updates × K_u
= 100k iterations, then K_s). GReg-1's growth keeps its *shape* — λ grows linearly on S_p every K_u
iterations to a ceiling, stays there for K_s iterations — and its effect: the shrink exponent lr·Σλ of the
pruned filters (paper ≈ 55, so they reach ~0 and removal barely hurts) stays large (quick ≈ 8) in 150
iterations, by raising the ceiling τ. GReg-2's picking phase is where the paper's mechanism is slow
re-equilibration under a tiny penalty, which a proxy would not keep: quick runs it at the paper's δλ' and
τ' (1,000 λ updates) with K_u' = 1. These are the budget's changes, stated in every table's DIFFERENCES. The
ImageNet tables (3, 4) do not run at quick (`IMAGENET_AT_QUICK` says why).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from prunebench.claims import Verdict
from prunebench.config import OptimizerConfig, RunConfig
from prunebench.metric_names import select
from prunebench.models import build_model
from prunebench.reproduction import Arm
from prunebench.runner import RunResult
from prunebench.scales import REDUCED, NotRun, Override, Scale
from prunebench.structured import describe, resolve_layers

PAPER = "greg"


@dataclass(frozen=True)
class Network:
    """A network of the paper with its published training settings."""

    cell: str  # cell prefix, "<dataset>/<network>"
    dataset: str
    model: str
    train_images: int
    base_epochs: int  # 0: torchvision's pretrained weights
    base_batch: int
    base_optimizer: OptimizerConfig
    prune_batch: int  # Table 5
    weight_decay: float
    update_interval: int  # K_u (Table 8)
    stabilize_iterations: int  # K_s (Table 8)
    finetune_epochs: int
    finetune_batch: int
    finetune_optimizer: OptimizerConfig
    model_options: tuple[tuple[str, Any], ...] = ()


def _cifar_base(batch: int) -> OptimizerConfig:
    # README: 200 epochs, lr {0: 0.1, 100: 0.01, 150: 0.001}, wd 5e-4
    return OptimizerConfig("sgd", lr=0.1, momentum=0.9, weight_decay=5e-4, schedule="multistep", milestones=(100, 150))


CIFAR_FINETUNE = OptimizerConfig("sgd", lr=0.01, momentum=0.9, weight_decay=5e-4, schedule="multistep", milestones=(60, 90))
IMAGENET_FINETUNE = OptimizerConfig(
    "sgd", lr=0.01, momentum=0.9, weight_decay=1e-4, schedule="multistep", milestones=(30, 60, 75)
)
PRETRAINED = (("weights", "IMAGENET1K_V1"),)

NETWORKS = {
    "resnet56": Network(cell="cifar10/resnet56", dataset="cifar10", model="resnet56", train_images=50_000,
                        base_epochs=200, base_batch=128, base_optimizer=_cifar_base(128), prune_batch=256,
                        weight_decay=5e-4, update_interval=10, stabilize_iterations=5000, finetune_epochs=120,
                        finetune_batch=256, finetune_optimizer=CIFAR_FINETUNE),
    "vgg19": Network(cell="cifar100/vgg19", dataset="cifar100", model="vgg19_bn_cifar", train_images=50_000,
                     base_epochs=200, base_batch=256, base_optimizer=_cifar_base(256), prune_batch=256,
                     weight_decay=5e-4, update_interval=10, stabilize_iterations=5000, finetune_epochs=120,
                     finetune_batch=256, finetune_optimizer=CIFAR_FINETUNE),
    "resnet34": Network(cell="imagenet/resnet34", dataset="imagenet", model="resnet34_imagenet",
                        train_images=1_281_167, base_epochs=0, base_batch=256, base_optimizer=IMAGENET_FINETUNE,
                        prune_batch=64, weight_decay=1e-4, update_interval=5, stabilize_iterations=40_000,
                        finetune_epochs=90, finetune_batch=256, finetune_optimizer=IMAGENET_FINETUNE,
                        model_options=PRETRAINED),
    "resnet50": Network(cell="imagenet/resnet50", dataset="imagenet", model="resnet50_imagenet",
                        train_images=1_281_167, base_epochs=0, base_batch=256, base_optimizer=IMAGENET_FINETUNE,
                        prune_batch=64, weight_decay=1e-4, update_interval=5, stabilize_iterations=40_000,
                        finetune_epochs=90, finetune_batch=256, finetune_optimizer=IMAGENET_FINETUNE,
                        model_options=PRETRAINED),
}


@dataclass(frozen=True)
class Budget:
    """How a scale shrinks the GReg schedule. None = the paper's value (the network's, or PAPER_GREG's)."""

    seeds: tuple[int, ...]
    base_epochs: int | None = None
    base_images: int | None = None  # the dense base's training images (None: the scale's)
    train_subset: int | None = None  # the pruning and fine-tuning runs' images
    prune_batch: int | None = None  # None: Table 5's, through the scale's batch
    finetune_epochs: int | None = None
    ceiling: float | None = None  # τ; δλ = τ / grow_updates
    grow_updates: int | None = None  # λ updates from 0 to τ (paper τ/δλ = 10,000)
    update_interval: int | None = None  # K_u
    stabilize_iterations: int | None = None  # K_s
    pick_ceiling: float | None = None  # τ'; δλ_pick = τ' / pick_updates
    pick_updates: int | None = None  # paper τ'/δλ_pick = 1,000
    pick_update_interval: int | None = None  # K_u of the picking phase (None: K_u)
    snapshot_every: int | None = None  # iterations between filter-norm snapshots of GReg-2 runs (None: none)
    log_every: int = 100  # λ updates between per-layer log rows


BUDGETS = {
    "paper": Budget(seeds=(0, 1, 2)),
    # the base on 12k images for 4 epochs (the quick scale's own budget); the arms on 3k images at batch 64:
    # GReg-1's regularisation 20 updates x 5 + 50 = 150 iterations with τ 80, so the pruned filters' shrink
    # exponent lr·Σλ stays ≈ 8; GReg-2's picking at the paper's δλ' 1e-5 and τ' 0.01 (1,000 updates at K_u' 1,
    # ~4 min a run). Snapshots every 100 iterations serve Figures 1 and 2.
    "quick": Budget(seeds=(0, 1, 2), base_epochs=4, base_images=12_000, train_subset=3000, prune_batch=64,
                    finetune_epochs=1, ceiling=80.0, grow_updates=20, update_interval=5, stabilize_iterations=50,
                    pick_update_interval=1, snapshot_every=100, log_every=10),
    "smoke": Budget(seeds=(0,), base_epochs=1, finetune_epochs=1, ceiling=4.0, grow_updates=4, update_interval=1,
                    stabilize_iterations=2, pick_ceiling=0.5, pick_updates=2, snapshot_every=1, log_every=1),
}
QUICK_BUDGET = ("quick: the dense base trains 4 epochs on 12k images, the pruning and fine-tuning runs use 3k (pruning at "
                "batch 64 instead of Table 5's, fine-tuning 1 epoch); GReg-1's regularisation is a budget proxy (τ 80 in "
                "20 updates, K_u 5, K_s 50) that keeps the pruned filters' shrink exponent lr·Σλ large")
QUICK_PICKING = ("quick: GReg-2's picking phase at the paper's δλ' 1e-5 and τ' 0.01 (1,000 updates) with K_u' 1 instead of "
                 "Table 8's K_u")
IMAGENET_AT_QUICK = NotRun(
    "ResNet50 trained from scratch for 4 epochs on the 64×64 Tiny-ImageNet-200 subset reaches 2.67 % top-1 (chance "
    "0.5 %), and every GReg-1 arm of Tables 3 and 4 ended within a point of chance (0.7-1.3 % after fine-tuning, "
    "3 seeds), so the rows measured nothing, and GReg-2's picking at the paper's δλ' does not fit the "
    "budget beside them; their 10 minutes go to the CIFAR tables. --scale smoke checks the pipeline, --scale paper "
    "reproduces")
IMAGENET_SMOKE = ("smoke: synthetic data, ResNet50 at 1/8 width from scratch instead of torchvision's pretrained weights, "
                  "the smoke budget's proxy schedules")


def quick_notes(greg2: bool = False) -> list[str]:
    """The quick budget's departures a table's DIFFERENCES states: GReg-1's always, GReg-2's where it runs."""
    return [QUICK_BUDGET, QUICK_PICKING] if greg2 else [QUICK_BUDGET]


PAPER_GREG = {"ceiling": 1.0, "delta_lambda": 1e-4, "pick_ceiling": 0.01, "pick_delta_lambda": 1e-5}
NETWORKS_AT = {"paper": None, REDUCED: ("resnet56",)}  # the networks a scale runs of a table (None: all)


def budget(scale: Scale) -> Budget:
    return scale.pick(BUDGETS, what="GReg budget")


def paper_or(value: Any, paper: Any) -> Any:
    """A budget's value, or the paper's where the budget keeps it (None)."""
    return paper if value is None else value


def rows_at(scale: Scale, rows: dict[str, Any]) -> dict[str, Any]:
    """The rows (keyed by network) a table runs at `scale`."""
    keep = scale.pick(NETWORKS_AT, what="GReg networks")
    return rows if keep is None else {k: v for k, v in rows.items() if k in keep}


def overrides(scale: Scale) -> list[Override]:
    """GReg's schedule hyperparameters the budget changes (Table 8's values at paper scale), for every table."""
    b = budget(scale)
    growth = ("the regularisation must finish within the budget's iterations; the ceiling is raised so that the pruned "
              "filters' shrink exponent lr·Σλ stays large (reproductions/greg/common.py)")
    picking = "the paper's δλ' and τ' take 1,000 λ updates; one per iteration fits the budget (reproductions/greg/common.py)"
    changes = [("greg1/2", "ceiling τ", PAPER_GREG["ceiling"], b.ceiling, growth),
               ("greg1/2", "δλ", PAPER_GREG["delta_lambda"], b.ceiling / b.grow_updates if b.grow_updates else None,
                growth),
               ("greg1/2", "K_u", "Table 8's", b.update_interval, growth),
               ("greg1/2", "K_s", "Table 8's", b.stabilize_iterations, growth),
               ("greg2", "picking ceiling τ'", PAPER_GREG["pick_ceiling"], b.pick_ceiling, growth),
               ("greg2", "picking δλ", PAPER_GREG["pick_delta_lambda"],
                b.pick_ceiling / b.pick_updates if b.pick_updates else None, growth),
               ("greg2", "picking K_u'", "Table 8's K_u", b.pick_update_interval, picking)]
    return [Override(method, option, f"{paper:g}" if isinstance(paper, float) else paper, f"{value:g}", why)
            for method, option, paper, value, why in changes if value is not None]


def seeds(scale: Scale, override: tuple[int, ...] | None) -> tuple[int, ...]:
    return override or budget(scale).seeds


def baseline(network: Network, scale: Scale) -> RunConfig:
    """The dense model every arm of `network` starts from (seed 0: the paper prunes one base model)."""
    b = budget(scale)
    return RunConfig(
        dataset=scale.dataset_for(network.dataset), model=network.model, method="dense", width=scale.width_for(network.model),
        model_options=scale.model_options(network.model_options), epochs=paper_or(b.base_epochs, network.base_epochs),
        batch_size=scale.batch(network.base_batch), optimizer=scale.baseline_recipe(network.base_optimizer),
        train_subset=b.base_images or scale.images(), seed=0, eval_every=0, tag=f"greg-{scale.name}",
    )


def greg_options(network: Network, scale: Scale, variant: str, **extra: Any) -> dict[str, Any]:
    """GReg-1/2 options at this scale (Table 8 at paper scale; the budget proxy otherwise)."""
    b = budget(scale)
    ceiling = paper_or(b.ceiling, PAPER_GREG["ceiling"])
    options = {
        "ceiling": ceiling,
        "delta_lambda": ceiling / b.grow_updates if b.grow_updates else PAPER_GREG["delta_lambda"],
        "update_interval": paper_or(b.update_interval, network.update_interval),
        "stabilize_iterations": paper_or(b.stabilize_iterations, network.stabilize_iterations),
        "log_every": b.log_every,
    }
    if variant == "greg2":
        pick = paper_or(b.pick_ceiling, PAPER_GREG["pick_ceiling"])
        options.update({
            "pick_ceiling": pick,
            "pick_delta_lambda": pick / b.pick_updates if b.pick_updates else PAPER_GREG["pick_delta_lambda"],
            "recover_lambda": -network.weight_decay,  # the paper's −γ (the official code: −1e-4 everywhere)
        })
        options.update({key: value for key, value in (("pick_update_interval", b.pick_update_interval),
                                                       ("snapshot_every", b.snapshot_every)) if value})
    return {**options, **extra}


def regularisation_epochs(network: Network, scale: Scale, options: dict[str, Any], batch: int, images: int) -> int:
    """An epoch budget the regularisation phase cannot outrun; the method stops the run when it is done."""
    iterations = (math.ceil(options["ceiling"] / options["delta_lambda"]) + 1) * options["update_interval"]
    if "pick_ceiling" in options:
        pick_interval = options.get("pick_update_interval") or options["update_interval"]
        iterations += (math.ceil(options["pick_ceiling"] / options["pick_delta_lambda"]) + 1) * pick_interval
    iterations += options["stabilize_iterations"]
    return math.ceil(iterations / math.ceil(images / batch)) + 1


def pruning_arms(
    network: Network, scale: Scale, cell: str, label: str, method: str, options: dict[str, Any], seed: int,
    ratio: float,
) -> list[Arm]:
    """Two arms: the pruning run (`method`: oneshot | greg1 | greg2) and its fine-tuning run, both
    reported under `label` (l1_oneshot, greg1, ...)."""
    b = budget(scale)
    dense = baseline(network, scale)
    subset = b.train_subset or dense.train_subset  # None: the whole split
    batch = b.prune_batch or scale.batch(network.prune_batch)
    prune = replace(
        dense, method=method, method_options=options, parent=dense, seed=seed, model_options={}, batch_size=batch,
        train_subset=subset,
        optimizer=OptimizerConfig("sgd", lr=1e-3, momentum=0.9, weight_decay=network.weight_decay),  # Table 5: fixed 1e-3
        epochs=0 if method == "oneshot" else regularisation_epochs(network, scale, options, batch, subset or network.train_images),
        eval_every=0, tag=f"{label}-{scale.name}",
    )
    finetune_epochs = paper_or(b.finetune_epochs, network.finetune_epochs)
    finetune_optimizer = network.finetune_optimizer if b.finetune_epochs is None else replace(
        network.finetune_optimizer, milestones=(max(finetune_epochs // 2, 1),))  # one decay, halfway
    finetune = replace(
        prune, method="finetune", method_options={}, parent=prune, epochs=finetune_epochs,
        batch_size=scale.batch(network.finetune_batch), optimizer=finetune_optimizer, eval_every=1,
    )
    return [
        Arm(cell, prune, pruning_metrics, method=label, ratio=ratio),
        Arm(cell, finetune, finetune_metrics, method=label, ratio=ratio),
    ]


def oneshot_vs_greg1(
    network: Network, scale: Scale, cell: str, oneshot_label: str, selection: dict[str, Any], seed: int, ratio: float,
    **greg: Any,
) -> list[Arm]:
    """The paper's comparison: one-shot removal and GReg-1 on the same selection (ratios, criterion and its
    seed), then the same fine-tuning."""
    return pruning_arms(network, scale, cell, oneshot_label, "oneshot", selection, seed, ratio) + pruning_arms(
        network, scale, cell, "greg1", "greg1", greg_options(network, scale, "greg1", **selection, **greg), seed, ratio
    )


def greg_variant_arms(
    network: Network, scale: Scale, cell: str, variants: tuple[str, ...], selection: dict[str, Any], seed: int,
    ratio: float,
) -> list[Arm]:
    """GReg-1 and/or GReg-2 on the same layer ratios (the benchmark rows of Tables 2–4)."""
    out = []
    for variant in variants:
        out += pruning_arms(network, scale, cell, variant, variant, greg_options(network, scale, variant, **selection), seed, ratio)
    return out


def baseline_arm(network: Network, scale: Scale) -> Arm:
    return Arm(network.cell, baseline(network, scale), baseline_metrics)


def baseline_metrics(result: RunResult) -> dict[str, float]:
    """The base model's accuracy and size, the size as GReg's captions print it (#params in M, FLOPs = MACs in G)."""
    m = result.metrics
    return {**select(result, "top1_trained"), "params_millions": m["params_all_dense"] / 1e6,
            "flops_giga": m["macs_dense"] / 1e9}


REMAINING = {"filter": "params_all_remaining", "weight": "params_all_nonzero"}


def pruning_metrics(result: RunResult) -> dict[str, float]:
    """The pruning run: accuracy just before and just after removal (GREG-C9), the cost, the size."""
    m = result.metrics
    keep = ("reg_iterations", "stabilize_iterations", "pick_iteration", "overlap_with_initial_l1", "pick_std_monotone_fraction",
            "layers_exit_ceiling", "layers_exit_mag_ratio", "pruned_set_id", "pruned_groups")
    return {
        **select(result, "top1_before_removal", "top1_pruned"),
        "removal_drop": m["top1_before_removal"] - m["top1_pruned"],
        "prune_iterations": m["train_iterations"],
        # GReg's "Sparsity": all parameters removed — by narrowing (filters) or zeroing (weights)
        "sparsity_pct": 100.0 * (1.0 - m[REMAINING[result.config.method_options.get("granularity", "filter")]]
                                 / m["params_all_dense"]),
        "speedup": m["speedup"],
        **{k: m[k] for k in keep if k in m},
    }


def finetune_metrics(result: RunResult) -> dict[str, float]:
    """Fine-tuned accuracy, last epoch (the table value) and best epoch (what the official code keeps)."""
    m = result.metrics
    return {
        **select(result, "top1_finetuned"),
        "top1_finetuned_best": m.get("top1_best_epoch", m["top1_finetuned"]),
        "finetune_iterations": m["train_iterations"],
    }


def per_network(check: Callable[[pd.DataFrame], Verdict]) -> Callable[[pd.DataFrame], Verdict]:
    """Judge a claim per network: cells 'cifar10/resnet56/r0.5' are grouped as 'cifar10/resnet56'."""

    def grouped(results: pd.DataFrame) -> Verdict:
        if results.empty:
            return check(results)
        return check(results.assign(cell=results["cell"].astype(str).str.rsplit("/", n=1).str[0]))

    return grouped


def pruned_layers(arm: Arm) -> str:
    """--dry-run detail: the resolved per-layer ratios of a pruning arm."""
    options = arm.config.method_options
    if arm.config.method not in {"oneshot", "greg1", "greg2"}:
        return ""
    model = build_model(arm.config.model, in_channels=3, num_classes=10, width=arm.config.width)
    return describe(resolve_layers(model, options["ratios"], options.get("granularity", "filter"),
                                   options.get("skip_layers", "")))
