"""What the proximal-NS reproductions share: the three networks with the official repositories'
settings, the runs of each pipeline, their metrics, the claim checks and the command line.

Per network and data set (cells `<data>/<net>`, `<data>/<net>/ns-p<percent>`, `<data>/<net>/proximal_ns`):

* the dense baseline (no sparsity term), for NS-C1 and NS-C5;
* NS: sparsity training (λ·Σ|γ| by subgradient) → pruning at each percent (no epochs, parent = the
  trained run: one training serves every percent) → fine-tuning;
* proximal NS: one PALM training whose ξ are exactly zero where channels go; removal of those channels
  is its `finalize`; fine-tuning is optional and run only to check that claim (PNS-C4).

Every training uses the official repositories' recipe: SGD lr 0.1, momentum 0.9 (not Nesterov, as in
both codes; Liu et al. write Nesterov), wd 1e-4, batch 64, 160 epochs, lr ÷10 at 50% and 75%.

Reduced scales keep the recipe's shape (milestones at 50% and 75% of fewer epochs) and every method
hyperparameter: the headline cells use the paper's λ and β at every scale. In a few hundred steps the
paper's λ cannot move γ or ξ far (the paper's run shrinks ξ by Σ_t λ/(α_t+β) ≈ 3.4 in 125k steps; quick
scale by ≈ 0.005), so at quick scale no scaling factor reaches zero: that is what the headline rows show.
Beside them, sweep cells (`@lam<k>x`, VGG-19 only, not judged by the claims) multiply λ by
k = N_paper / N_scaled (N = training steps), the rule that gives the paper's total shrink in the short run.
Measured at quick scale (docs/methods/proxns.md): between those two, there is no λ at which ξ separates the
channels — ξ is either nowhere or everywhere zero — because the loss gradients that tell channels apart
act over the whole of the paper's 125k steps.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from prunebench.claims import NO_SIGNAL, NOT_RUN, Claim, Verdict, at_least, at_most, interval_verdict
from prunebench.config import OptimizerConfig, RunConfig
from prunebench.evidence import RULE, Interval, combine
from prunebench.metric_names import select
from prunebench.reproduction import Arm
from prunebench.runner import RunResult
from prunebench.scales import Scale

PAPER = "proxns"
CIFAR_TRAIN = 50_000
PAPER_EPOCHS = 160
PAPER_BATCH = 64


@dataclass(frozen=True)
class Network:
    """A network of the comparison with its official hyperparameters."""

    key: str  # vgg19 | densenet40 | resnet164 (the cell's name)
    model: str
    ns_sparsity: float  # λ of NS (Liu et al.: VGG 1e-4, ResNet/DenseNet 1e-5)
    pns_sparsity: float  # λ of proximal NS, CIFAR-10 (official README / script.sh)
    pns_beta: float  # β of proximal NS, CIFAR-10


NETWORKS = {
    "vgg19": Network("vgg19", "vgg19_ns_cifar", 1e-4, 0.0045, 100.0),
    "densenet40": Network("densenet40", "densenet40_cifar", 1e-5, 0.004, 100.0),
    "resnet164": Network("resnet164", "preresnet164_cifar", 1e-5, 0.002, 0.25),
}


@dataclass(frozen=True)
class Budget:
    """How a scale shrinks every training of a table (None: the paper's value)."""

    epochs: int | None
    finetune_epochs: int | None
    train_subset: int | None
    networks: tuple[str, ...]  # which networks run
    depth: dict[str, int]  # model depth at this scale (the family stays; the depth shrinks)
    sweep: tuple[str, ...] = ()  # networks that also run λ × N_paper/N_scaled (sweep cells, not judged)


ALL = ("vgg19", "densenet40", "resnet164")
BUDGETS = {
    "paper": Budget(None, None, None, ALL, {}),
    # quick: 3 seeds of two networks at the paper's λ fit 15 min; ResNet-164 and the λ sweep (measured before, with
    # one seed: docs/methods/proxns.md) would not, and a sweep is cells at a changed λ
    "quick": Budget(4, 2, 4000, ("vgg19", "densenet40"), {"densenet40": 13}),
    "smoke": Budget(2, 1, None, ALL, {"densenet40": 10, "resnet164": 11}, sweep=("vgg19",)),
}  # `Scale.pick`; a table's percents per scale likewise
SWEEP = "@lam"  # sweep cells are named <cell>@lam<k>x


def budget(scale: Scale) -> Budget:
    return scale.pick(BUDGETS, what="proximal NS budget")


def epochs(scale: Scale, finetune: bool = False) -> int:
    b = budget(scale)
    value = b.finetune_epochs if finetune else b.epochs
    return PAPER_EPOCHS if value is None else value


def steps(scale: Scale, dataset_size: int = CIFAR_TRAIN) -> int:
    images = budget(scale).train_subset or scale.images(dataset_size)
    batch = scale.batch(PAPER_BATCH)
    return epochs(scale) * math.ceil(images / batch)


def shrink_multiplier(scale: Scale) -> float:
    """N_paper / N_scaled: λ times this gives the paper's total shrink of the scaling factors in fewer steps."""
    return (PAPER_EPOCHS * math.ceil(CIFAR_TRAIN / PAPER_BATCH)) / steps(scale)


def recipe(scale: Scale, finetune: bool = False) -> OptimizerConfig:
    """SGD lr 0.1, momentum 0.9, wd 1e-4; ÷10 at 50% and 75% of the epochs (80 and 120 of 160)."""
    n = epochs(scale, finetune)
    milestones = tuple(sorted({max(1, n // 2), max(1, (3 * n) // 4)}))
    return OptimizerConfig("sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="multistep", milestones=milestones)


def training(network: Network, dataset: str, scale: Scale, method: str, options: dict, seed: int, tag: str) -> RunConfig:
    b = budget(scale)
    depth = b.depth.get(network.key)
    return RunConfig(
        dataset=scale.dataset_for(dataset), model=network.model, method=method, width=scale.width_for(network.model),
        model_options={"depth": depth} if depth else {}, method_options=options, epochs=epochs(scale),
        batch_size=scale.batch(PAPER_BATCH), optimizer=recipe(scale), train_subset=b.train_subset or scale.images(),
        seed=seed, eval_every=0, tag=f"proxns-{tag}-{scale.name}",
    )


def finetuning(parent: RunConfig, scale: Scale) -> RunConfig:
    return replace(parent, method="finetune", method_options={}, parent=parent, epochs=epochs(scale, finetune=True),
                   optimizer=recipe(scale, finetune=True))


def network_arms(network: Network, dataset: str, scale: Scale, percents: tuple[float, ...], seed: int,
                 pns: tuple[float, float], multiplier: float = 1.0) -> list[Arm]:
    """Every run of one network: baseline, NS at each percent (+ fine-tune), proximal NS (+ fine-tune); λ of
    both methods times `multiplier` (1: the headline cells; otherwise sweep cells without fine-tuning)."""
    cell = f"{dataset}/{network.key}"
    sweep = "" if multiplier == 1.0 else f"{SWEEP}{multiplier:.0f}x"
    arms = [] if sweep else [Arm(cell, training(network, dataset, scale, "dense", {}, seed, "base"), baseline_metrics)]
    ns_train = training(network, dataset, scale, "network_slimming", {"sparsity": network.ns_sparsity * multiplier}, seed, "ns")
    for percent in percents:
        prune = replace(ns_train, method_options={"percent": percent}, parent=ns_train, epochs=0)
        ns_cell = f"{cell}/ns-p{percent:g}{sweep}"
        arms.append(Arm(ns_cell, prune, pruning_metrics, method="ns", ratio=percent))
        if not sweep:
            arms.append(Arm(ns_cell, finetuning(prune, scale), finetune_metrics, method="ns", ratio=percent))
    lam, beta = pns
    pns_train = training(network, dataset, scale, "proximal_slimming", {"sparsity": lam * multiplier, "beta": beta}, seed, "pns")
    arms.append(Arm(f"{cell}/proximal_ns{sweep}", pns_train, pruning_metrics, method="proximal_ns"))
    if not sweep:
        arms.append(Arm(f"{cell}/proximal_ns", finetuning(pns_train, scale), finetune_metrics, method="proximal_ns"))
    return arms


def table_plan(dataset: str, percents: dict[str, dict[str, tuple[float, ...]]]
               ) -> Callable[[Scale, tuple[int, ...] | None], list[Arm]]:
    """A table's runs: every network of the scale, each seed, NS at the scale's percents, proximal NS with
    the official CIFAR-10 λ and β."""

    def arms(scale: Scale, seed_override: tuple[int, ...] | None = None) -> list[Arm]:
        out = []
        at = scale.pick(percents, what="pruning percents")
        for key in budget(scale).networks:
            network = NETWORKS[key]
            for seed in seeds(scale, seed_override):
                pns = (network.pns_sparsity, network.pns_beta)
                out += network_arms(network, dataset, scale, at[key], seed, pns)
                if key in budget(scale).sweep:
                    out += network_arms(network, dataset, scale, at[key], seed, pns, shrink_multiplier(scale))
        return out

    return arms


# -- metrics ----------------------------------------------------------------------------------------
def baseline_metrics(result: RunResult) -> dict[str, float]:
    return select(result, "top1_trained")


def pipeline_epochs(config: RunConfig) -> float:
    """Training epochs of a run and all its parents (NS: sparsity training + fine-tuning)."""
    return float(config.epochs + (pipeline_epochs(config.parent) if config.parent is not None else 0))


def pruning_metrics(result: RunResult) -> dict[str, float]:
    """The pruning step: accuracy before (after training) and after removal, no fine-tuning; what went."""
    m = result.metrics
    zeros = "xi_zero_pct" if "xi_zero_pct" in m else "gamma_zero_pct"
    out = {
        **select(result, "top1_before_removal", "top1_pruned"),
        "pruning_drop": m["top1_before_removal"] - m["top1_pruned"],
        "params_pruned_pct": 100.0 * (1.0 - m["params_all_remaining"] / m["params_all_dense"]),
        "flops_pruned_pct": 100.0 * (1.0 - m["macs_nonzero"] / m["macs_dense"]),
        "zero_scaling_factors_pct": m[zeros],
        "zero_gamma_pct": m["gamma_zero_pct"],
        "channels_pruned_pct": 100.0 * m["channels_pruned"] / m["channels"],
        "layers_guarded": m["layers_guarded"],
        "sparsity_used": (result.config.parent if result.config.epochs == 0 else result.config).method_options["sparsity"],
        "pipeline_epochs": pipeline_epochs(result.config),
    }
    if "channels_xi_zero" in m:  # PNS-C5: removed = {ξ = 0} less one per guarded layer; the code's rule beside it
        out["removed_not_xi_zero"] = abs(m["channels_pruned"] - (m["channels_xi_zero"] - m["layers_guarded"]))
        out["channels_gamma_min_threshold"] = m["channels_gamma_min_threshold"]
    return out


def finetune_metrics(result: RunResult) -> dict[str, float]:
    m = result.metrics
    return {
        **select(result, "top1_finetuned"),
        "top1_finetuned_best": m.get("top1_best_epoch", m["top1_finetuned"]),
        "finetune_change": abs(m["top1_finetuned"] - m["top1_start"]),
        "pipeline_epochs_with_finetune": pipeline_epochs(result.config),
    }


# -- claims -----------------------------------------------------------------------------------------
def network_of(cell: str) -> str:
    return "/".join(str(cell).split("/")[:2])


def network_gap(left: tuple[str, str], right: tuple[str, str], minimum: float) -> Callable[[pd.DataFrame], Verdict]:
    """Per network (and per cell of `left`'s method): `left` (method, metric) − `right` ≥ `minimum`, paired by seed
    (a seed's runs of one network start from the same weights), judged by the interval of the difference."""

    def check(results: pd.DataFrame) -> Verdict:
        def by_seed(method: str, metric: str) -> pd.DataFrame:
            rows = results[(results["method"] == method) & (results["metric"] == metric)]
            return rows.pivot_table(index="seed", columns="cell", values="value", aggfunc="mean")

        a, b = by_seed(*left), by_seed(*right)
        b_by_network = {network_of(cell): b[cell] for cell in b.columns}
        pairs = [(cell, a[cell], b_by_network[network_of(cell)]) for cell in a.columns if network_of(cell) in b_by_network]
        if not pairs:
            return Verdict(NOT_RUN, f"no {left} rows beside {right} rows")
        intervals = [Interval.of(list((x - y).dropna())) for _, x, y in pairs]

        detail = "; ".join(f"{cell}: {left[1]} {x.mean():.2f} vs {right[0]} {right[1]} {y.mean():.2f} (Δ {iv})"
                           for (cell, x, y), iv in zip(pairs, intervals, strict=True))
        return interval_verdict([iv.judge("above", minimum - 1e-9) for iv in intervals], f"{detail}; claimed Δ ≥ {minimum:g}",
                                intervals, RULE + f"; here the bound is {minimum:g}")

    return check


def restricted(cells: str, check: Callable[[pd.DataFrame], Verdict]) -> Callable[[pd.DataFrame], Verdict]:
    """`check` on the rows whose cell contains `cells` (e.g. the VGG cells only)."""
    return lambda results: check(results[results["cell"].astype(str).str.contains(cells, regex=False)])


def headline(check: Callable[[pd.DataFrame], Verdict]) -> Callable[[pd.DataFrame], Verdict]:
    """`check` on the headline cells only: sweep cells (`@lam<k>x`) are shown, not judged."""
    return lambda results: check(results[~results["cell"].astype(str).str.contains(SWEEP, regex=False)])


def something_removed(check: Callable[[pd.DataFrame], Verdict]) -> Callable[[pd.DataFrame], Verdict]:
    """A claim about what removal does has no signal, rather than holding vacuously, where proximal NS removed
    nothing (no ξ reached zero)."""

    def guarded(results: pd.DataFrame) -> Verdict:
        removed = results[(results["method"] == "proximal_ns") & (results["metric"] == "channels_pruned_pct")]
        empty = removed[removed["value"] <= 0]
        if not empty.empty:
            cells = ", ".join(sorted(set(empty["cell"].astype(str))))
            return Verdict(NO_SIGNAL, f"proximal NS removed no channel (no ξ reached zero) in {cells}: nothing to judge")
        return check(results)

    return guarded


def one_pass_competitive(accuracy_margin: float, reduction_margin: float) -> Callable[[pd.DataFrame], Verdict]:
    """PNS-C3: proximal NS without fine-tuning is within `accuracy_margin` points of NS after fine-tuning,
    with a parameter reduction at least NS's minus `reduction_margin` points (per network)."""
    return both_parts(("accuracy", one_pass_accuracy(accuracy_margin)),
                      ("parameters pruned", network_gap(("proximal_ns", "params_pruned_pct"),
                                                        ("ns", "params_pruned_pct"), -reduction_margin)))


def one_pass_accuracy(margin: float) -> Callable[[pd.DataFrame], Verdict]:
    return network_gap(("proximal_ns", "top1_pruned"), ("ns", "top1_finetuned"), -margin)


def both_parts(*parts: tuple[str, Callable[[pd.DataFrame], Verdict]]) -> Callable[[pd.DataFrame], Verdict]:
    """A claim of two conditions (e.g. accuracy and compression): each judged, both reported, combined (fails if
    one fails, holds if both hold)."""

    def check(results: pd.DataFrame) -> Verdict:
        verdicts = [(name, part(results)) for name, part in parts]
        evidence = "; ".join(f"{name} ({v.status}): {v.evidence}" for name, v in verdicts)
        if any(v.status == NOT_RUN for _, v in verdicts):
            return Verdict(NOT_RUN, evidence)
        return Verdict(combine([v.status for _, v in verdicts]), evidence, min(v.n or 0 for _, v in verdicts),
                       "; ".join(v.interval for _, v in verdicts), verdicts[0][1].rule)

    return check


PAPER_WORDS = "abstract of the proximal NS paper"
REIMPLEMENTATION = "the NS re-implementation's README (repository Eric-mingjie/network-slimming), not a paper"
SUGGESTED = "bound chosen here (claims.md's suggestion): {}"
CLAIMS = [Claim(c.id, c.statement, headline(c.check), c.source, c.bound) for c in [
    Claim("NS-C1", "Slimming + fine-tuning is within 0.5 points of the unpruned baseline (or above it).",
          network_gap(("ns", "top1_finetuned"), ("dense", "top1_trained"), -0.5),
          source="Network Slimming paper (Liu et al. 2017), Table 1: 11 of 14 pruned rows have lower error than their "
                 "baseline, all within +0.54 points",
          bound=SUGGESTED.format("within 0.5 points")),
    Claim("NS-C3", "Without fine-tuning, NS's VGG loses more than 10 points at its pruning percent.",
          restricted("vgg19", at_least("pruning_drop", "ns", 10.0)),
          source=f"{REIMPLEMENTATION}: VGG CIFAR-10 at 70 % falls from 93.30 to 32.54 % before fine-tuning",
          bound=SUGGESTED.format("more than 10 points")),
    Claim("NS-C4", "Subgradient NS leaves essentially no exactly-zero scaling factors (≤ 1%).",
          at_most("zero_scaling_factors_pct", "ns", 1.0),
          source=f'{PAPER_WORDS}: subgradient descent "does not exactly train CNNs towards sparse, accurate structures"',
          bound=SUGGESTED.format("'essentially none' is at most 1 % of the channels")),
    Claim("NS-C5", "Sparsity training costs at most 0.5 points against the baseline.",
          network_gap(("ns", "top1_before_removal"), ("dense", "top1_trained"), -0.5),
          source=f"{REIMPLEMENTATION}: 93.77 → 93.30 (VGG CIFAR-10), 72.12 → 72.05 (VGG CIFAR-100)",
          bound=SUGGESTED.format("0.5 points")),
    Claim("PNS-C1", "After one pass of proximal NS at least 20% of the scaling factors ξ are exactly zero.",
          at_least("zero_scaling_factors_pct", "proximal_ns", 20.0),
          source='summary of the proximal NS paper: "many BN scaling factors become exactly zero after one training '
                 'pass"',
          bound=SUGGESTED.format("'many' is at least 20 % of the channels")),
    Claim("PNS-C2", "Removing proximal NS's zero-ξ channels costs at most 0.5 points without fine-tuning.",
          something_removed(at_most("pruning_drop", "proximal_ns", 0.5)),
          source=f'{PAPER_WORDS}: "trains CNNs towards sparse, accurate structures, so identifying a scaling factor '
                 f'threshold is unnecessary and fine tuning the pruned CNNs is optional"',
          bound=SUGGESTED.format("0.5 points")),
    Claim("PNS-C3", "Proximal NS without fine-tuning is within 1 point of NS after fine-tuning, at a parameter "
          "reduction at least NS's minus 10 points.", something_removed(one_pass_competitive(1.0, 10.0)),
          source=f'{PAPER_WORDS}: "after one round of training, proximal NS yields a CNN with competitive accuracy and '
                 f'compression"',
          bound=SUGGESTED.format("'competitive' is within 1 point of accuracy and 10 points of parameters pruned")),
    Claim("PNS-C4", "Fine-tuning after proximal NS changes accuracy by at most 0.5 points.",
          something_removed(at_most("finetune_change", "proximal_ns", 0.5)),
          source=f'{PAPER_WORDS}: "fine tuning the pruned CNNs is optional"', bound=SUGGESTED.format("0.5 points")),
    Claim("PNS-C5", "The channels removed are exactly those with ξ = 0 (no threshold chosen).",
          something_removed(at_most("removed_not_xi_zero", "proximal_ns", 0.0)),
          source=f'{PAPER_WORDS}: "identifying a scaling factor threshold is unnecessary"'),
    Claim("PNS-C7", "Proximal NS's single pass takes fewer training epochs than NS's training + fine-tuning, at an "
          "accuracy within 1 point of fine-tuned NS.",
          something_removed(both_parts(
              ("epochs", network_gap(("ns", "pipeline_epochs_with_finetune"), ("proximal_ns", "pipeline_epochs"), 1.0)),
              ("accuracy", one_pass_accuracy(1.0)))),
          source='summary of the proximal NS paper: "proximal NS reduces the original three-step NS pipeline to a '
                 'single prune-while-training phase, offering practical speedups ... while maintaining performance"',
          bound=SUGGESTED.format("the accuracy condition is PNS-C3's 1 point")),
]]


# -- the command line -----------------------------------------------------------------------------------
def seeds(scale: Scale, override: tuple[int, ...] | None) -> tuple[int, ...]:
    return override or scale.seeds
