"""What the SLR paper's reproduction scripts share: the command line, and how a pruning arm is derived from
a dense baseline, so that the same arm in two scripts has the same run id (and runs once)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from prunebench.claims import Claim, beats, falls, gap_grows
from prunebench.config import Operational, OptimizerConfig, RunConfig
from prunebench.reproduce import Arm
from prunebench.runner import RunResult, run
from reproductions.cli import Plan, run_plan

PAPER = "slr"
RHO = 0.1  # every SLR/ADMM comparison of the paper (Sec. 4)


def pruned_config(
    dense: RunConfig, *, method: str, prune_rule: str, ratio: float, epochs: int, optimizer: OptimizerConfig,
    eval_every: int, method_options: dict[str, Any] | None = None, model_options: dict[str, Any] | None = None,
    **changes: Any,
) -> RunConfig:
    """An ADMM/SLR arm that starts from `dense`'s final weights (ρ = 0.1 unless `method_options` says). The
    model options are the architecture's only (no pretrained-weights option: the parent's weights are loaded)."""
    return replace(
        dense, method=method, prune_rule=prune_rule, prune_ratio=ratio, epochs=epochs, optimizer=optimizer,
        eval_every=eval_every, method_options={"rho": RHO, **(method_options or {})}, parent=dense,
        model_options=model_options or {}, **changes,
    )


def comparison_claims(metric: str, what: str) -> list[Claim]:
    """SLR-C1, SLR-C2 and ADMM-C1 on a table's hard-prune `metric` (`what` names it in the statements)."""
    return [
        Claim("SLR-C1", f"SLR's hard-prune {what} beats ADMM's at every compression rate.", beats(metric, "slr", "admm")),
        Claim("SLR-C2", "The SLR − ADMM hard-prune gap grows with the compression rate.", gap_grows(metric, "slr", "admm")),
        Claim("ADMM-C1", f"ADMM's hard-prune {what} falls as compression grows.", falls(metric, "admm")),
    ]


def main_for(
    table: str, prog: str, description: str, plan: Plan, argv: list[str] | None,
    figure: Callable[[str, list[tuple[Arm, RunResult]], Path, Operational], None] | None = None,
    describe: Callable[[Arm], str] | None = None,
) -> int:
    """The SLR scripts' command line; the figure series, if any, are written from the runs' results
    (`Operational` says where their files are); `describe`: `--dry-run`'s detail of an arm."""
    def after(args, arms: list[Arm], ops: Operational) -> None:
        figure(args.scale, [(arm, run(arm.config, ops)) for arm in arms], args.results, ops)

    return run_plan(PAPER, table, prog, description, plan, argv, after=after if figure else None, describe=describe)
