"""One name per number, from a run to a table's row.

A run names the accuracy (and top-5, losses) of its final model by what its method's finalize leaves
(`Method.final`): `top1_trained` (the finalize changes nothing: the model as trained), `top1_finetuned` (a
retraining of its parent), `top1_hardprune` (the weights outside the prune set zeroed, Π_S) or `top1_pruned`
(filters or channels removed). Where the finalize changes the model, the accuracy just before it is
`top1_before_hardprune` or `top1_before_removal`. The trainer's history uses the same words per epoch
(`test_top1`, and `test_top1_hardprune` where a prune set is planned; `top1_start_hardprune` is its first read,
the starting weights pruned by Π_S). A table's arm selects these names; it never renames them, so a
`--with-method` row says what that method's run measured.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prunebench.runner import RunResult

BEFORE = {  # Method.final -> the name of the accuracy before the finalize (None: the finalize changes nothing)
    "trained": None,
    "finetuned": None,
    "hardprune": "before_hardprune",
    "pruned": "before_removal",
}


def final_word(method: str) -> str:
    """What `method`'s finalize leaves, the word its run's final numbers carry."""
    from prunebench.methods import METHODS

    return METHODS.get(method).final


def named(quantity: str, word: str) -> tuple[str, str | None]:
    """The names of `quantity` after and before a finalize that leaves `word` (`Method.final`), e.g. ("top1",
    "pruned") -> ("top1_pruned", "top1_before_removal"); before is None where the finalize changes nothing."""
    return f"{quantity}_{word}", f"{quantity}_{BEFORE[word]}" if BEFORE[word] else None


def after_finalize(quantity: str, method: str) -> str:
    """e.g. ("top1", "slr") -> "top1_hardprune", ("top1", "grda") -> "top1_trained"."""
    return named(quantity, final_word(method))[0]


def before_finalize(quantity: str, method: str) -> str | None:
    """e.g. ("top1", "greg1") -> "top1_before_removal"; None for a method whose finalize changes nothing."""
    return named(quantity, final_word(method))[1]


def select(result: RunResult, *names: str | None, optional: tuple[str, ...] = ()) -> dict[str, float]:
    """The run's numbers under `names` exactly as the run gives them (None: skipped; a missing one raises KeyError,
    which the table's writer turns into "delete the run folder to train it again"), and those of `optional` that the
    run has."""
    m = result.metrics
    return {**{name: m[name] for name in names if name is not None}, **{name: m[name] for name in optional if name in m}}


def final_accuracies(result: RunResult) -> dict[str, float]:
    """top-1 and top-5 of the run's final model, and top-1 before its finalize where that changed the model."""
    method = result.config.method
    return select(result, after_finalize("top1", method), after_finalize("top5", method),
                  before_finalize("top1", method))
