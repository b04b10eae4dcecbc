"""A result row's cell: the published cell it reproduces, and optionally a variant of it.

A sweep point, an ablation setting or a figure panel is a variant of one published cell ("cifar10/resnet18~p0.5");
claims judge a variant with its published cell, and the report orders variants under it. The mark is written and
read here only: a script names an arm's variant and reads `Arm.variant`, never a cell string.
"""
from __future__ import annotations

VARIANT_MARK = "~"


def join_cell(published: str, variant: str = "") -> str:
    if VARIANT_MARK in published or VARIANT_MARK in variant:
        raise ValueError(f"a cell or variant may not contain {VARIANT_MARK!r}: {published!r}, {variant!r}")
    return f"{published}{VARIANT_MARK}{variant}" if variant else published


def split_cell(cell: str) -> tuple[str, str]:
    """(published cell, variant; '' for none) of a row's cell."""
    published, _, variant = cell.partition(VARIANT_MARK)
    return published, variant


def published_cell(cell: str) -> str:
    return split_cell(cell)[0]
