"""The pruning-ratio language of the GReg code (and the papers' tables), parsed into typed ratios.

Two forms exist, and the form decides how layers are indexed:

* a **stage list** for ResNets, `[0,0.75,0.75,0.32,0]`: one ratio per stage, in the order
  [stem, stage 1, ..., stage S, classifier];
* an **index map** for plain chains such as VGG, `[1-15:0.7]` or `[0:0,1-15:0.7]`: ratios by conv
  index (0-based, in forward order); unlisted convs and the classifier are not pruned.

Skip lists, `[1.0,2.0,2.3]`, name residual blocks as `stage.block` (stage 1-based as in `layer1`,
block 0-based) that keep all their filters, as in Li et al.'s ResNet-34 "pruned-B".
A malformed string fails with a message that quotes it; nothing is guessed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass


class RatioNotationError(ValueError):
    """A ratio or skip-layer string that does not parse, or names layers a model does not have."""


@dataclass(frozen=True)
class StageRatios:
    """[stem, stage 1..S, classifier]."""

    stem: float
    stages: tuple[float, ...]
    classifier: float

    @property
    def text(self) -> str:
        return "[" + ",".join(f"{r:g}" for r in (self.stem, *self.stages, self.classifier)) + "]"


@dataclass(frozen=True)
class IndexRatios:
    """Conv index -> ratio; every other layer 0."""

    by_index: tuple[tuple[int, float], ...]

    def ratio(self, index: int) -> float:
        return dict(self.by_index).get(index, 0.0)

    @property
    def text(self) -> str:
        return "[" + ",".join(f"{i}:{r:g}" for i, r in self.by_index) + "]"


Ratios = StageRatios | IndexRatios


def _ratio(token: str, text: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise RatioNotationError(f"{token!r} in {text!r} is not a number") from None
    if not (0.0 <= value < 1.0 and math.isfinite(value)):
        raise RatioNotationError(f"pruning ratio {token!r} in {text!r} must be in [0, 1)")
    return value


def _items(text: str) -> list[str]:
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        raise RatioNotationError(f"{text!r} must be a bracketed list such as [0,0.5,0.5,0.5,0] or [1-15:0.7]")
    items = [item.strip() for item in stripped[1:-1].split(",")]
    if items == [""] or any(item == "" for item in items):
        raise RatioNotationError(f"{text!r} has an empty entry")
    return items


_RANGE = re.compile(r"^(\d+)(?:-(\d+))?:(.+)$")


def parse_ratios(text: str) -> Ratios:
    """`[0,0.5,0.5,0.5,0]` -> StageRatios; `[1-15:0.7]` -> IndexRatios."""
    items = _items(text)
    if all(":" in item for item in items):
        by_index: dict[int, float] = {}
        for item in items:
            match = _RANGE.match(item)
            if not match:
                raise RatioNotationError(f"{item!r} in {text!r} is not 'index:ratio' or 'first-last:ratio'")
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if last < first:
                raise RatioNotationError(f"range {item!r} in {text!r} runs backwards")
            ratio = _ratio(match.group(3), text)
            for index in range(first, last + 1):
                if index in by_index:
                    raise RatioNotationError(f"conv {index} is given twice in {text!r}")
                by_index[index] = ratio
        return IndexRatios(tuple(sorted(by_index.items())))
    if any(":" in item for item in items):
        raise RatioNotationError(f"{text!r} mixes a stage list with 'index:ratio' entries")
    values = [_ratio(item, text) for item in items]
    if len(values) < 3:
        raise RatioNotationError(f"stage list {text!r} needs [stem, stage 1, ..., classifier]: at least 3 entries")
    return StageRatios(values[0], tuple(values[1:-1]), values[-1])


def parse_skip_layers(text: str) -> frozenset[tuple[int, int]]:
    """`[1.0,2.3]` -> {(1, 0), (2, 3)}; "" or "[]" -> nothing skipped."""
    if not text.strip() or text.strip() == "[]":
        return frozenset()
    skipped = set()
    for item in _items(text):
        match = re.fullmatch(r"(\d+)\.(\d+)", item)
        if not match:
            raise RatioNotationError(f"skip entry {item!r} in {text!r} is not 'stage.block' (e.g. 2.3)")
        skipped.add((int(match.group(1)), int(match.group(2))))
    return frozenset(skipped)
