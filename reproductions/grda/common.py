"""What the four gRDA reproductions share: the paper's training recipes, how a scale shrinks them, the
plain-SGD / gRDA / matched-magnitude run configs, the metrics they report, gRDA's claim checks and the CLI.

Cells name what the paper varies: `<data>/<model>/<schedule>/c<c>/mu<μ>` for gRDA (c is always the paper's
value, whatever the scale), `<data>/<model>/<schedule>/sgd` for the plain-SGD comparison.

Reduced scales (quick, smoke) change data, width, epochs, images and seeds as `Proxy` says, and one
method hyperparameter by a stated rule: c is multiplied by (N_paper / N_scaled)^μ, N the number of
training steps, so the threshold T = c·√γ·(Nγ)^μ reached at the end of the short run equals the paper's
at the end of its run (at the paper's lr). With the paper's c a few hundred steps give a threshold
hundreds of times smaller and almost no sparsity. Every row's cell keeps the paper's c; the c actually
used is the `grda_c` metric.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise

import pandas as pd

from prunebench.claims import (
    NO_SIGNAL,
    NOT_RUN,
    Verdict,
    arm_stats,
    interval_verdict,
    paired_arms,
    seed_values,
)
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.evidence import RULE, Interval
from prunebench.methods import METHODS
from prunebench.reproduction import Arm
from prunebench.runner import RunResult, run
from prunebench.scales import SCALES, Override, Scale

PAPER = "grda"
CIFAR_TRAIN, IMAGENET_TRAIN = 50_000, 1_281_167


@dataclass(frozen=True)
class Proxy:
    """How a reduced scale runs a recipe beyond what the scale itself changes (None: the scale's value)."""

    width: float | None = None
    epochs: int | None = None
    train_subset: int | None = None


@dataclass(frozen=True)
class Recipe:
    """One training recipe of the paper (methods.md §10.3, published-numbers.md §4)."""

    name: str  # "cifar10/vgg16"
    dataset: str
    model: str
    epochs: int
    batch_size: int
    train_size: int
    lr: float = 0.1
    proxies: tuple[tuple[str, Proxy], ...] = ()  # (scale name, proxy): `Scale.pick` data

    def proxy(self, scale: Scale) -> Proxy:
        return scale.pick(dict(self.proxies), default=Proxy())

    def epochs_at(self, scale: Scale) -> int:
        return self.proxy(scale).epochs or scale.epochs(self.epochs)

    def images(self, scale: Scale) -> int:
        return self.proxy(scale).train_subset or scale.images(self.train_size)

    def steps(self, scale: Scale) -> int:
        return self.epochs_at(scale) * math.ceil(self.images(scale) / scale.batch(self.batch_size))


@dataclass(frozen=True)
class Schedule:
    """An lr schedule of the paper; multistep milestones shrink in proportion to the epochs."""

    name: str  # readable, part of the cell
    kind: str  # a prunebench.train.SCHEDULES name
    milestones: tuple[int, ...] = ()
    gamma: float = 0.1

    def optimizer(self, recipe: Recipe, scale: Scale, name: str) -> OptimizerConfig:
        epochs = recipe.epochs_at(scale)
        stones = tuple(sorted({min(max(1, round(m * epochs / recipe.epochs)), max(epochs - 1, 1))
                               for m in self.milestones if m < recipe.epochs}))
        return OptimizerConfig(name, lr=recipe.lr, schedule=self.kind, milestones=stones, gamma=self.gamma)


MODE_CONNECTIVITY = Schedule("mc", "mode_connectivity")  # CIFAR: 1.0 to 50%, linear to 0.01 at 90%, then 0.01


def steps_ratio(recipe: Recipe, scale: Scale) -> float:
    """N_paper / N_scaled (1 at paper scale)."""
    return recipe.steps(SCALES.get("paper")) / recipe.steps(scale)


def scale_c(c: float, mu: float, recipe: Recipe, scale: Scale) -> float:
    """The module docstring's threshold-matching rule (identity at paper scale)."""
    return c * steps_ratio(recipe, scale) ** mu


def c_overrides(recipes: list[Recipe], scale: Scale) -> list[Override]:
    """The printed form of `scale_c`, one line per recipe whose step count the scale changes."""
    ratios = {recipe.name: steps_ratio(recipe, scale) for recipe in recipes}
    return [Override("grda", f"c of {name}", "c", f"c·{ratio:.4g}^μ",
                     "with N_paper / N_scaled training steps as the base, the final threshold c·√γ·(Nγ)^μ equals the "
                     "paper's; cells keep the paper's c, the c used is the grda_c metric")
            for name, ratio in ratios.items() if ratio != 1.0]


def sgd_config(recipe: Recipe, schedule: Schedule, scale: Scale, seed: int) -> RunConfig:
    """Plain SGD, no momentum, no weight decay: gRDA's comparison and, for the same seed, its initialisation."""
    proxy = recipe.proxy(scale)
    return RunConfig(
        dataset=scale.dataset_for(recipe.dataset), model=recipe.model, method="sgd",
        width=proxy.width or scale.width_for(recipe.model), epochs=recipe.epochs_at(scale),
        batch_size=scale.batch(recipe.batch_size), optimizer=schedule.optimizer(recipe, scale, "sgd"),
        train_subset=proxy.train_subset or scale.images(), seed=seed, eval_every=0, tag=scale.name,
    )


def grda_config(recipe: Recipe, schedule: Schedule, scale: Scale, seed: int, c: float, mu: float) -> RunConfig:
    """The same data order and initial weights as `sgd_config` (same seed): gRDA starts where SGD starts."""
    sgd = sgd_config(recipe, schedule, scale, seed)
    return replace(sgd, method="grda", optimizer=replace(sgd.optimizer, name="grda"),
                   method_options={"c": round(scale_c(c, mu, recipe, scale), 10), "mu": mu})


def sgd_cell(recipe: Recipe, schedule: Schedule) -> str:
    return f"{recipe.name}/{schedule.name}/sgd"


def grda_cell(recipe: Recipe, schedule: Schedule, c: float, mu: float) -> str:
    return f"{recipe.name}/{schedule.name}/c{c:g}/mu{mu:g}"


def family(cell: str) -> str:
    """`<data>/<model>`: the cells a claim compares across μ, c and schedules."""
    return "/".join(cell.split("/")[:2])


def schedule_of(cell: str) -> str:
    return cell.split("/")[2] if cell.count("/") >= 2 else ""


# ---- metrics -----------------------------------------------------------------------------------------

def sparsity_percent(m: dict[str, float], rule: str) -> float:
    return 100.0 * (1.0 - m[f"params_{rule}_nonzero"] / m[f"params_{rule}_dense"])


def grda_metrics(c: float) -> Callable[[RunResult], dict[str, float]]:
    """A gRDA arm's metrics: `trained_metrics` and the c its cell declares (the paper's; `grda_c` is the c used after
    the scale's rule), so the claims read the settings from rows, not from cell names."""
    return lambda result: {**trained_metrics(result), "grda_c_declared": c}


def trained_metrics(result: RunResult) -> dict[str, float]:
    """gRDA and SGD runs: accuracy of the weights as trained (no hard prune, no retraining) and sparsity."""
    m = result.metrics
    out = {
        "top1_trained": m["top1_trained"],
        "sparsity_all": sparsity_percent(m, "all"),  # every parameter (gRDA's counting rule)
        "sparsity_nonbias": sparsity_percent(m, "nonbias"),
        "train_loss_last_epoch": (result.per_epoch("train_loss") or [(0, math.nan)])[-1][1],
        "train_loss_trained": m.get("train_loss_trained", math.nan),  # the fixed training subset, weights as trained
    }
    keep = ("grda_c", "grda_mu", "grda_mu_outside_theory", "grda_final_threshold", "grda_revived_total",
            "grda_sparsity_epoch_spearman")
    return {**out, **{k: m[k] for k in keep if k in m}}


def magnitude_metrics(retrained: bool) -> Callable[[RunResult], dict[str, float]]:
    def metrics(result: RunResult) -> dict[str, float]:
        m = result.metrics
        suffix = "retrained" if retrained else "noretrain"
        return {f"top1_magnitude_{suffix}": m["top1_trained"], f"train_loss_magnitude_{suffix}": m.get("train_loss_trained", math.nan),
                "sparsity_all": sparsity_percent(m, "all"), "magnitude_empty_tensors": m.get("magnitude_empty_tensors", math.nan)}

    return metrics


COUNTED_SET = "all_parameters"  # gRDA counts (and its comparisons prune) every parameter
COUNTING_RULE = "all"  # ... so its rows' sparsity and compression count every parameter (prunebench.sparsity rules)


def reached_sparsities(trained: list[Arm], schedule: Schedule, ops: Operational) -> Iterator[tuple[Arm, RunConfig, float]]:
    """(gRDA arm, the same-seed SGD config, the sparsity over every parameter that gRDA run reached) for every
    finished gRDA arm on `schedule` that neither diverged nor zeroed every weight. Known only after training."""
    sgd = {a.config.seed: a.config for a in trained if a.config.method == "sgd" and schedule_of(a.cell) == schedule.name}
    for arm in trained:
        if arm.config.method != "grda" or schedule_of(arm.cell) != schedule.name or arm.config.seed not in sgd:
            continue
        result = run(arm.config, ops)  # finished: read back, not retrained
        if result.diverged:
            continue
        m = result.metrics
        sparsity = round(1.0 - m["params_all_nonzero"] / m["params_all_dense"], 6)
        if sparsity < 1.0:  # gRDA zeroed every weight: there is no pruned model to compare with
            yield arm, sgd[arm.config.seed], sparsity


def magnitude_arms(
    trained: list[Arm], schedule: Schedule, retrain_epochs: tuple[int, ...], retrain_lr: float, ops: Operational
) -> list[Arm]:
    """For every finished gRDA arm on `schedule`: the same-seed SGD model pruned by global magnitude to its
    sparsity, once per entry of `retrain_epochs` (0: no retraining)."""
    out = []
    for arm, parent, sparsity in reached_sparsities(trained, schedule, ops):
        for epochs in retrain_epochs:
            config = replace(parent, method="magnitude_global", method_options={"sparsity": sparsity}, epochs=epochs,
                             optimizer=OptimizerConfig("sgd", lr=retrain_lr), parent=parent,
                             derived=("method_options.sparsity",))
            out.append(Arm(arm.cell, config, magnitude_metrics(retrained=epochs > 0), counting_rule=COUNTING_RULE))
    return out


def method_arms(trained: list[Arm], schedule: Schedule, name: str, options: dict, ops: Operational) -> list[Arm]:
    """`--with-method` in gRDA's protocol: for every finished gRDA arm on `schedule`, the same-seed SGD run (from
    scratch: the same initial weights, data order, schedule and epochs) trained under method `name`, with the
    sparsity that gRDA run reached as its target over every parameter (gRDA's counting set)."""
    if METHODS.get(name).prunes != "weights":
        raise ValueError(f"method {name!r} does not prune weights: gRDA's protocol has no place for it")
    return [Arm(arm.cell, replace(parent, method=name, method_options=dict(options), prune_rule=COUNTED_SET,
                                  prune_ratio=sparsity, derived=("prune_ratio",)), trained_metrics, method=name,
                counting_rule=COUNTING_RULE)
            for arm, parent, sparsity in reached_sparsities(trained, schedule, ops)]


# ---- claim checks ------------------------------------------------------------------------------------

SETTINGS = {"c": "grda_c_declared", "mu": "grda_mu"}  # claim column -> the metric rows that carry it


def _grda_means(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per gRDA cell: the mean of `metric`, its family and schedule, and its c and μ (from the cell's rows)."""
    stats = arm_stats(results, metric)
    stats = stats[stats["method"] == "grda"].copy()
    stats["family"] = stats["cell"].map(family)
    stats["schedule"] = stats["cell"].map(schedule_of)
    settings = (results[results["metric"].isin(SETTINGS.values())].groupby(["cell", "metric"])["value"].first()
                .unstack().reindex(columns=list(SETTINGS.values())))
    for column, metric in SETTINGS.items():
        stats[column] = stats["cell"].map(settings[metric])
    return stats


def increases_with(option: str, metric: str = "sparsity_all") -> Callable[[pd.DataFrame], Verdict]:
    """Within each (family, schedule, the other option), `metric` rises from each value of `option` (c or mu) to the
    next: per seed, (value at the larger option) − (value at the smaller), interval above 0 at every step."""
    other = "c" if option == "mu" else "mu"

    def check(results: pd.DataFrame) -> Verdict:
        stats = _grda_means(results, metric)
        groups = [(k, g.sort_values(option)) for k, g in stats.groupby(["family", "schedule", other]) if g[option].nunique() >= 2]
        if not groups:
            return Verdict(NOT_RUN, f"needs at least two values of {option} in one setting")
        statuses, details, intervals = [], [], []
        for k, g in groups:
            steps = []
            for (lo, v_lo), (hi, v_hi) in pairwise(zip(g["cell"], g[option], strict=True)):
                step = paired_arms(results, (metric, "grda", hi), (metric, "grda", lo))
                statuses.append(step.judge("above"))
                intervals.append(step.interval)
                steps.append(f"{option} {v_lo:g} → {v_hi:g}: Δ {step.interval}" + (" — no signal" if step.silent else ""))
            means = ", ".join(f"{option}={v:g}: {m:.2f}" for v, m in zip(g[option], g["mean"], strict=True))
            details.append(f"{k[0]} {k[1]} {other}={k[2]:g}: {means} ({'; '.join(steps)})")
        return interval_verdict(statuses, f"{metric}: " + "; ".join(details), intervals)

    return check


def _sgd_means(results: pd.DataFrame, metric: str) -> dict[tuple[str, str], float]:
    stats = arm_stats(results, metric)
    stats = stats[stats["method"] == "sgd"]
    return {(family(c), schedule_of(c)): m for c, m in zip(stats["cell"], stats["mean"], strict=True)}


def _sgd_cells(results: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(family, schedule) -> the SGD cell a gRDA cell of that family and schedule is paired with."""
    return {(family(c), schedule_of(c)): c for c in results[results["method"] == "sgd"]["cell"]}


def matches_sgd(mus: tuple[float, ...], tolerance: float) -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C4: gRDA's top-1 >= SGD's − `tolerance` for the μ in `mus`, paired by seed (gRDA and SGD of a seed start
    from the same weights), judged by its interval; the sparsity it reaches is GRDA-C4b's question."""

    def check(results: pd.DataFrame) -> Verdict:
        top1 = _grda_means(results, "top1_trained")
        sparsity = _grda_means(results, "sparsity_all").set_index("cell")["mean"]
        sgd = _sgd_means(results, "top1_trained")
        sgd_cells = _sgd_cells(results)
        paired = pd.Series([(f, s) in sgd for f, s in zip(top1["family"], top1["schedule"], strict=True)], index=top1.index, dtype=bool)
        rows = top1[top1["mu"].isin(mus) & paired]
        if rows.empty:
            return Verdict(NOT_RUN, f"needs gRDA runs with mu in {mus} and their SGD runs")
        statuses, details, intervals = [], [], []
        for r in rows.itertuples():
            base, sp = sgd[(r.family, r.schedule)], sparsity.get(r.cell, math.nan)
            gap = paired_arms(results, ("top1_trained", "grda", r.cell), ("top1_trained", "sgd", sgd_cells[(r.family, r.schedule)])).interval
            statuses.append(gap.judge("above", -tolerance))
            details.append(f"{r.cell}: {r.mean:.2f} vs SGD {base:.2f} (Δ {gap}) at sparsity {sp:.1f}%")
            intervals.append(gap)
        return interval_verdict(statuses, "; ".join(details) + f"; claimed Δ ≥ −{tolerance:g}", intervals,
                                RULE + f"; here the bound is −{tolerance:g}")

    return check


def sparse_at(mus: tuple[float, ...], min_sparsity: float) -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C4b: gRDA's final sparsity (%) at the μ in `mus` is at least `min_sparsity`, per setting over seeds."""

    def check(results: pd.DataFrame) -> Verdict:
        rows = results[(results["metric"] == "sparsity_all") & (results["method"] == "grda")]
        mu = rows["run_id"].map(results[results["metric"] == "grda_mu"].groupby("run_id")["value"].first())
        rows = rows[mu.isin(mus)]
        if rows.empty:
            return Verdict(NOT_RUN, f"needs gRDA runs with mu in {mus}")
        intervals = {cell: Interval.of(list(seed_values(rows, "sparsity_all", "grda", cell)))
                     for cell in sorted(set(rows["cell"]))}
        return interval_verdict([iv.judge("above", min_sparsity) for iv in intervals.values()],
                                "; ".join(f"{cell}: sparsity {iv}" for cell, iv in intervals.items())
                                + f"; claimed ≥ {min_sparsity:g}%", list(intervals.values()))

    return check


def tradeoff_at_high_mu(count: int = 3) -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C5: over the `count` sparsest gRDA settings of a (family, schedule, c), top-1 does not rise with
    sparsity: per seed, (top-1 of the sparser setting) − (top-1 of the next less sparse), interval below 0 at every
    step; a step whose two settings are at chance level carries no signal."""

    def check(results: pd.DataFrame) -> Verdict:
        sparsity = _grda_means(results, "sparsity_all")
        groups = [(k, g.sort_values("mean").tail(count)) for k, g in sparsity.groupby(["family", "schedule", "c"]) if len(g) >= 2]
        if not groups:
            return Verdict(NOT_RUN, "needs at least two gRDA settings in one (family, schedule, c)")
        statuses, details, intervals = [], [], []
        for k, g in groups:
            steps = []
            for (dense, s_dense), (sparse, s_sparse) in pairwise(zip(g["cell"], g["mean"], strict=True)):
                step = paired_arms(results, ("top1_trained", "grda", sparse), ("top1_trained", "grda", dense))
                statuses.append(step.judge("below"))
                intervals.append(step.interval)
                steps.append(f"{s_dense:.1f}% → {s_sparse:.1f}%: top-1 {step.b.mean():.2f} → {step.a.mean():.2f}, Δ {step.interval}"
                             + (" (both at chance level: no evidence)" if step.silent else ""))
            details.append(f"{k[0]} {k[1]} c={k[2]:g}: " + "; ".join(steps))
        return interval_verdict(statuses, "; ".join(details) + "; claimed: top-1 falls (Δ < 0) as sparsity rises", intervals)

    return check


def drop_beats_fixed(drop: str, fixed: str) -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C6: at the same (c, μ), per seed, the late-drop schedule's top-1 − the fixed lr's has its interval above
    0, and the sparsity difference's lies inside (−1, +1) points."""

    def check(results: pd.DataFrame) -> Verdict:
        cells = _grda_means(results, "top1_trained")
        pairs = cells[cells["schedule"] == drop].merge(cells[cells["schedule"] == fixed], on=["family", "c", "mu"],
                                                       suffixes=("_drop", "_fixed"))
        if pairs.empty:
            return Verdict(NOT_RUN, f"needs runs with both schedules {drop!r} and {fixed!r} at the same (c, mu)")
        statuses, details, intervals = [], [], []
        for r in pairs.itertuples():
            top1 = paired_arms(results, ("top1_trained", "grda", r.cell_drop), ("top1_trained", "grda", r.cell_fixed))
            moved = paired_arms(results, ("sparsity_all", "grda", r.cell_drop), ("sparsity_all", "grda", r.cell_fixed)).interval
            # the sparsity bound qualifies the accuracy comparison: without accuracy signal the pair says nothing
            statuses += [NO_SIGNAL] if top1.silent else [top1.judge("above"), moved.judge("above", -1.0), moved.judge("below", 1.0)]
            intervals += [top1.interval, moved]
            details.append(f"c={r.c:g} mu={r.mu:g}: {drop} − {fixed} top-1 {top1.b.mean():.2f} → {top1.a.mean():.2f}, "
                           f"Δ {top1.interval}" + (" — no signal" if top1.silent else "") + f"; sparsity Δ {moved}")
        return interval_verdict(statuses, "; ".join(details) + "; claimed: top-1 Δ > 0 with sparsity Δ inside (−1, +1)",
                                intervals)

    return check


def beats_magnitude(metric: str = "top1_magnitude_noretrain") -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C7: in every cell, gRDA's top-1 >= that of its seed's SGD pruned by magnitude to the same sparsity:
    per seed, gRDA − magnitude, interval above 0; a cell where both are at chance level has no signal."""

    def check(results: pd.DataFrame) -> Verdict:
        grda = _grda_means(results, "top1_trained")["cell"]
        cells = [c for c in dict.fromkeys(results[results["metric"] == metric]["cell"]) if c in set(grda)]
        if not cells:
            return Verdict(NOT_RUN, f"no {metric} rows beside gRDA rows")
        statuses, details, intervals = [], [], []
        for c in cells:
            pair = paired_arms(results, ("top1_trained", "grda", c), (metric, None, c))
            statuses.append(pair.judge("above"))
            intervals.append(pair.interval)
            details.append(f"{c}: gRDA {pair.a.mean():.2f} vs magnitude {pair.b.mean():.2f}, Δ {pair.interval}"
                           + (" — both at chance level: no signal" if pair.silent else ""))
        return interval_verdict(statuses, "; ".join(details) + f" ({metric})", intervals)

    return check


def magnitude_needs_retraining(margin: float = 2.0) -> Callable[[pd.DataFrame], Verdict]:
    """GRDA-C9, in every cell with a no-retraining magnitude arm: pruning SGD's solution to gRDA's sparsity
    raises the training loss (fixed training subset) by at least `margin` times gRDA's distance from SGD's
    loss — claims.md's "much more", made a number — and leaves a lower test top-1 than gRDA's. Per seed (the
    magnitude arm prunes that seed's SGD run to that seed's gRDA sparsity): rise − margin·gap and gRDA's top-1 −
    magnitude's, each judged by its interval above 0."""

    def check(results: pd.DataFrame) -> Verdict:
        grda_loss = _grda_means(results, "train_loss_trained").set_index("cell")["mean"]
        grda_top1 = _grda_means(results, "top1_trained").set_index("cell")["mean"]
        sgd_loss = _sgd_means(results, "train_loss_trained")
        mag_loss = arm_stats(results, "train_loss_magnitude_noretrain").set_index("cell")["mean"]
        mag_top1 = arm_stats(results, "top1_magnitude_noretrain").set_index("cell")["mean"]
        cells = [c for c in mag_loss.index if c in grda_loss.index and (family(c), schedule_of(c)) in sgd_loss]
        cells = [c for c in cells if not any(math.isnan(v) for v in (mag_loss[c], grda_loss[c], sgd_loss[(family(c), schedule_of(c))]))]
        if not cells:
            return Verdict(NOT_RUN, "needs train_loss_trained of SGD, gRDA and the no-retraining magnitude arm in one cell")
        sgd_cells = _sgd_cells(results)
        statuses, details, intervals = [], [], []
        for c in cells:
            sgd = sgd_loss[(family(c), schedule_of(c))]
            rise, gap = mag_loss[c] - sgd, abs(grda_loss[c] - sgd)
            sgd_seeds = seed_values(results, "train_loss_trained", "sgd", sgd_cells[(family(c), schedule_of(c))])
            excess = Interval.of(list((seed_values(results, "train_loss_magnitude_noretrain", cell=c) - sgd_seeds
                                       - margin * (seed_values(results, "train_loss_trained", "grda", c) - sgd_seeds).abs()).dropna()))
            kept = paired_arms(results, ("top1_trained", "grda", c), ("top1_magnitude_noretrain", None, c)).interval
            statuses += [excess.judge("above"), kept.judge("above")]
            intervals += [excess, kept]
            details.append(f"{c}: train loss SGD {sgd:.3f}, gRDA {grda_loss[c]:.3f} (gap {gap:.3f}), magnitude {mag_loss[c]:.3f} "
                           f"(rise {rise:+.3f}; rise − {margin:g}·gap {excess}); top-1 magnitude {mag_top1[c]:.2f} vs gRDA "
                           f"{grda_top1[c]:.2f} (gRDA − magnitude {kept})")
        return interval_verdict(statuses, "; ".join(details) + f"; claimed: rise ≥ {margin:g}× gap and magnitude top-1 < gRDA's",
                                intervals)

    return check


# ---- command line ------------------------------------------------------------------------------------

FLOAT32_ONLY = "its follow-up runs (magnitude pruning, curve fits) are derived from float32 runs"
REFUSED = {"amp": FLOAT32_ONLY, "with_method": "in gRDA's protocol only the CIFAR table (table_cifar) takes it"}


def options_detail(arm: Arm) -> str:
    """`--dry-run`'s line under an arm: its epochs and method options (c as used, after the scale's rule)."""
    options = " ".join(f"{k}={v}" for k, v in arm.config.method_options.items())
    return f"epochs={arm.config.epochs} {options}".strip()


def c_overrides_of(recipes: Callable[[Scale], list[Recipe]]) -> Callable[[Scale], list[Override]]:
    """A reproduction's `overrides`: the c its `recipes` use at a scale where the paper's does not fit."""
    return lambda scale: c_overrides(recipes(scale), scale)
