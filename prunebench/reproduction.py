"""A reproduction as data: one script's declaration of a paper's table or figure — its arms at each scale, the
claims judged on its rows, where it departs from the paper — which the core runs (`prunebench.reproduction_cli`).

Every script `reproductions/<paper>/<table>.py` holds one `REPRODUCTION`; the core finds them by file name and
reads that attribute by module name (`load`), so it imports no reproduction and nothing registers itself by
being imported.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prunebench.cells import join_cell
from prunebench.config import Operational, RunConfig
from prunebench.registry import UnknownNameError, import_entry
from prunebench.scales import Override, Scale

if TYPE_CHECKING:  # the catalogue and the CLI read this module: nothing heavy at import
    from prunebench.claims import Claim
    from prunebench.runner import RunResult

REPRODUCTIONS_ROOT = Path(__file__).resolve().parent.parent / "reproductions"
NOT_SCRIPTS = {"__init__", "common"}  # modules of a paper's folder that declare no reproduction


@dataclass(frozen=True)
class Arm:
    """One run of a table: which published cell it belongs to and the result metrics it reports."""

    cell: str
    config: RunConfig
    metrics: Callable[[RunResult], dict[str, float]]
    method: str | None = None  # the method its rows name (default the config's): a retraining arm names the pruner
    ratio: float | None = None  # the prune ratio its rows name (default the config's `prune_ratio`)
    counting_rule: str = "nonbias"  # which parameters its rows' sparsity and compression count (the cell's protocol)
    variant: str = ""  # a sweep point, ablation setting or panel of the published cell (its rows' cell gets it)

    @property
    def row_cell(self) -> str:
        return join_cell(self.cell, self.variant)


Plan = Callable[[Scale, "tuple[int, ...] | None"], list[Arm]]  # (scale, seeds or None for the scale's) -> arms
FollowUp = Callable[[list[Arm], argparse.Namespace, Operational], list[Arm]]
After = Callable[[argparse.Namespace, list[Arm], Operational], None]


@dataclass(frozen=True)
class Reproduction:
    """Everything a table's script declares. `arms` lists the runs a scale makes (raising `NotRunAtScale` where the
    table declares `NotRun`); `follow_up` derives more from their finished results (known only after training;
    `follow_up_note` says what they are in a dry run; with `methods_in_follow_up` the `--with-method` arms join
    them there); `after` writes figure series from the results; `overrides` lists the method hyperparameters a
    scale changes; `describe` is a dry run's detail line under an arm; `refuse` the options ("amp",
    "with_method") the table cannot honour, with the reason; `not_paper_checked` why `prunebench paper-check`
    cannot walk its runs, if it cannot."""

    paper: str
    table: str
    title: str  # the report's heading and the script's --help
    arms: Plan
    claims: tuple[Claim, ...] = ()
    differences: tuple[str, ...] = ()  # where the reproduction departs from the paper at every scale
    overrides: Callable[[Scale], list[Override]] | None = None
    describe: Callable[[Arm], str] | None = None
    follow_up: FollowUp | None = None
    follow_up_note: str = ""
    methods_in_follow_up: bool = False
    after: After | None = None
    refuse: Mapping[str, str] = field(default_factory=dict)
    not_paper_checked: str = ""

    @property
    def name(self) -> str:
        return f"{self.paper}/{self.table}"


def in_paper_order(table: str) -> tuple:
    """Tables before figures, each by number as the paper numbers them (table2 before table10), others by name."""
    kind = 0 if table.startswith("table") else 1 if table.startswith("figure") else 2
    digits = "".join(ch for ch in table if ch.isdigit())
    return kind, int(digits) if digits and table.rstrip("0123456789").isalpha() else 10**6, table


def scripts() -> dict[str, str]:
    """"<paper>/<table>" -> module of every script under reproductions/<paper>/, papers by name, tables in the
    paper's order; read from the file names, nothing imported."""
    found = [path for path in REPRODUCTIONS_ROOT.glob("*/*.py") if path.stem not in NOT_SCRIPTS]
    found.sort(key=lambda path: (path.parent.name, in_paper_order(path.stem)))
    return {f"{path.parent.name}/{path.stem}": f"reproductions.{path.parent.name}.{path.stem}" for path in found}


def load(name: str) -> Reproduction:
    """The `REPRODUCTION` of "<paper>/<table>", imported now."""
    found = declared(*name.partition("/")[::2])
    if found is None:
        raise UnknownNameError(f"unknown reproduction {name!r}; known: {', '.join(scripts())}")
    return found


def declared(paper: str, table: str) -> Reproduction | None:
    """The reproduction of `paper`'s `table`; None where no script declares it (rows of a table since removed)."""
    module = scripts().get(f"{paper}/{table}")
    return import_entry(f"{module}:REPRODUCTION") if module else None


def selected(selector: str) -> list[str]:
    """The reproductions a name selects: "<paper>/<table>" itself, "<paper>" every table of the paper, "<table>"
    (e.g. table1) that table of every paper that has one — in the order `scripts` gives."""
    known = scripts()
    chosen = [name for name in known if selector in (name, *name.split("/"))]
    if not chosen:
        papers = sorted({name.split("/")[0] for name in known})
        raise UnknownNameError(f"unknown reproduction {selector!r}; known: {', '.join(known)}, or a paper "
                               f"({', '.join(papers)}) for all of its tables, or a table name such as table1 for "
                               f"that table of every paper")
    return chosen
