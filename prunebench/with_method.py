"""Any registered method in any table's protocol (`--with-method NAME[:k=v,...]`): an extra arm beside the paper's
methods in every cell whose protocol fits it, with the cell's baseline, budget, prune target and seeds.

A cell's protocol fits a method when one of its paper methods removes the same kind of thing (`Method.prunes`:
unstructured weights, filters, scaling factors). The arms of the first such paper method of each (cell, seed) are
copied with that method's run swapped for the new one (same config otherwise, so the same parent and the same
retraining after it); the copies report under the new method's name. Claims name the paper's methods, so they are
judged on the paper's arms only.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from prunebench.config import RunConfig
from prunebench.methods import METHODS
from prunebench.reproduction import Arm


def parse_spec(text: str) -> tuple[str, dict[str, Any]]:
    """'imp:rounds=1,rewind_epoch=0' -> ('imp', {'rounds': 1, 'rewind_epoch': 0}), checked against the method."""
    from prunebench.options import parse_key_value

    name, _, rest = text.partition(":")
    options = dict(parse_key_value(item, "method option") for item in rest.split(",") if item)
    METHODS.get(name).from_dict(options, {})  # an unknown name or option fails here, before any run
    return name, options


def with_method(arms: list[Arm], name: str, options: dict[str, Any]) -> list[Arm]:
    kind = METHODS.get(name).prunes
    if kind is None:
        raise ValueError(f"method {name!r} prunes nothing (Method.prunes is None): it cannot be a table's arm")
    chosen: dict[tuple[str, int], str] = {}
    extra, elsewhere = [], set()
    for arm in arms:
        pruner = arm.method or arm.config.method
        if pruner not in METHODS.names() or METHODS.get(pruner).prunes != kind:
            continue
        if arm.config.kind != "train":  # another trainer (ultralytics) runs it: a Method's hooks are not called there
            elsewhere.add(arm.config.kind)
            continue
        if chosen.setdefault((arm.row_cell, arm.config.seed), pruner) == pruner:
            extra.append(replace(arm, config=swapped(arm.config, pruner, name, options), method=name))
    if not extra and elsewhere:
        raise ValueError(f"this table's {kind} runs are {', '.join(sorted(elsewhere))} runs, not prunebench's "
                         f"trainer: {name!r} cannot join them")
    if not extra:
        raise ValueError(f"no cell of this table prunes {kind} (what {name!r} prunes): nothing to run it beside")
    return arms + extra


def swapped(config: RunConfig, pruner: str, name: str, options: dict[str, Any]) -> RunConfig:
    """`config` with the run of method `pruner` in its chain (itself or an ancestor) made a run of `name`."""
    if config.method == pruner:
        return replace(config, method=name, method_options=dict(options))
    if config.parent is None:
        raise ValueError(f"{config.run_id} has no {pruner} run in its chain")
    return replace(config, parent=swapped(config.parent, pruner, name, options))
