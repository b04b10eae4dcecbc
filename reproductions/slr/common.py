"""What the SLR paper's reproduction scripts share: the claims, figure series from runs, and how a pruning arm is derived from
a dense baseline, so that the same arm in two scripts has the same run id (and runs once)."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from prunebench.claims import (
    NO_SIGNAL,
    NOT_RUN,
    Claim,
    Verdict,
    at_most,
    beats_at_published,
    falls,
    gap_grows,
)
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.reproduction import After, Arm
from prunebench.runner import RunResult, run

PAPER = "slr"
RHO = 0.1  # every SLR/ADMM comparison of the paper (Sec. 4)


def pruned_config(
    dense: RunConfig, *, method: str, prune_rule: str, ratio: float, epochs: int, optimizer: OptimizerConfig,
    eval_every: int, method_options: dict[str, Any] | None = None, model_options: dict[str, Any] | None = None,
    **changes: Any,
) -> RunConfig:
    """An ADMM/SLR arm that starts from `dense`'s final weights (ρ = 0.1 unless `method_options` says), in float32
    whatever precision trained the base (`changes` set the rest: the seed, images per epoch, ...). The model options
    are the architecture's only (no pretrained-weights option: the parent's weights are loaded)."""
    return replace(
        dense, method=method, prune_rule=prune_rule, prune_ratio=ratio, epochs=epochs, optimizer=optimizer,
        eval_every=eval_every, method_options={"rho": RHO, **(method_options or {})}, parent=dense,
        model_options=model_options or {}, **{"precision": "float32", **changes},
    )


def comparison_claims(metric: str, what: str) -> list[Claim]:
    """SLR-C1, SLR-C2 and ADMM-C1 on a table's hard-prune `metric` (`what` names it in the statements)."""
    return [
        Claim("SLR-C1", f"At the table's published compression rates, SLR's hard-prune {what} beats ADMM's.",
              beats_at_published(metric, "slr", "admm"),
              source='Sec. 4.1 (Table 1, one rate per model): "SLR outperforms ADMM method in terms of accuracy under '
                     'the same compression rate"; Sec. 4.4: "for a small compression rate such as 1.82×, SLR has '
                     'little advantage over ADMM in terms of hardpruning accuracy"'),
        Claim("SLR-C2", "On one model swept over compression rates, the SLR − ADMM hard-prune gap grows with the rate.",
              gap_grows(metric, "slr", "admm"),
              source='Figure 3 caption (TuSimple, one model): "SLR has a greater advantage over ADMM as compression '
                     'rate increases"; Table 4: gaps 2.15 points at 1.82× to 43.63 at 77.67×'),
        Claim("ADMM-C1", f"ADMM's hard-prune {what} falls as compression grows.", falls(metric, "admm"),
              source='Sec. 4.4 (Figure 3, Table 4): "SLR survives 77.67× compression ... while ADMM accuracy drops to '
                     '46.09%" (92.49 % at 1.82×)'),
    ]


CONDITION_LIMIT = 5  # violated updates in a row


def condition_keeps_holding(results: pd.DataFrame) -> Verdict:
    """SLR-C6 on runs that made more than CONDITION_LIMIT multiplier updates: a shorter run cannot break the limit,
    so it measures nothing."""
    long_enough = results[(results["metric"] == "slr_updates") & (results["value"] > CONDITION_LIMIT)]["run_id"]
    verdict = at_most("slr_longest_cond3_violation_run", "slr", CONDITION_LIMIT)(
        results[results["run_id"].isin(set(long_enough))])
    if verdict.status == NOT_RUN and not results[results["metric"] == "slr_updates"].empty:
        updates = results[results["metric"] == "slr_updates"]["value"]
        return Verdict(NO_SIGNAL, f"every SLR run made at most {updates.max():g} updates: none can break a limit of "
                                  f"{CONDITION_LIMIT} violated updates in a row", 0)
    return verdict


CONDITION_CLAIM = Claim(
    "SLR-C6", f"SLR's surrogate optimality condition (3) keeps being satisfied: never violated more than "
              f"{CONDITION_LIMIT} updates in a row.", condition_keeps_holding,
    source='Theorem (Sec. 3): the multipliers converge if "for any integer κ there exists k > κ such that surrogate '
           'optimality conditions (3) and (8) are satisfied"; Figure 6 caption: "The condition is satisfied '
           'periodically."',
    bound=f"bound chosen here: at most {CONDITION_LIMIT} violated updates in a row (the paper gives no number); a run "
          f"of {CONDITION_LIMIT} updates or fewer cannot break it and is no signal")


def series_from_runs(figure: Callable[[str, list[tuple[Arm, RunResult]], Path, Operational], None]) -> After:
    """A reproduction's `after` that writes `figure`'s series from its runs' results (cached by then: read, not
    trained; `Operational` says where their files are)."""
    def after(args: argparse.Namespace, arms: list[Arm], ops: Operational) -> None:
        figure(args.scale, [(arm, run(arm.config, ops)) for arm in arms], args.results, ops)

    return after
