"""Which layers a ratio string prunes, and how many groups (filters or weights) each loses.

The layer rules are GReg's (methods.md §3.2), shared by L1, GReg-1/2, OBD, random and network
slimming's channel removal:

* filter pruning of a ResNet prunes every conv of a residual block but the last (BasicBlock: conv1;
  Bottleneck: conv1 and conv2), so the residual width never changes; shortcut convs, the stem and the
  classifier keep their filters; skipped blocks keep all theirs;
* filter pruning of a chain (VGG) prunes the listed convs; the classifier's inputs shrink with the last conv;
* unstructured (weight) pruning applies each stage's ratio to every conv of the stage, the stem ratio
  to the stem and the classifier ratio to the classifier: no layer restriction but the ratios.

Every layer has a `name` (its module path), so pruned indices, logs and checkpoints refer to layers the
same way across runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from prunebench.structured.notation import (
    IndexRatios,
    RatioNotationError,
    Ratios,
    StageRatios,
    parse_ratios,
    parse_skip_layers,
)

GRANULARITIES = ("filter", "weight")
_SHORTCUT_NAMES = ("shortcut", "downsample")


@dataclass(frozen=True)
class PrunableLayer:
    name: str  # module path of the conv / linear layer
    ratio: float
    groups: int  # filters (output channels) or weights

    @property
    def n_pruned(self) -> int:
        return pruned_count(self.groups, self.ratio)


def pruned_count(groups: int, ratio: float) -> int:
    """min(ceil(r·n), n−1): never a whole layer. The tolerance keeps 0.7·10 at 7, where float ceil gives 8."""
    return min(math.ceil(ratio * groups - 1e-9), groups - 1)


def _groups(module: nn.Module, granularity: str) -> int:
    return module.weight.shape[0] if granularity == "filter" else module.weight.numel()


def _residual_stages(model: nn.Module) -> list[nn.Module]:
    stages = []
    while hasattr(model, f"layer{len(stages) + 1}"):
        stages.append(getattr(model, f"layer{len(stages) + 1}"))
    return stages


def _stage_layers(
    model: nn.Module, ratios: StageRatios, granularity: str, skip: frozenset[tuple[int, int]]
) -> list[PrunableLayer]:
    stages = _residual_stages(model)
    if len(stages) != len(ratios.stages):
        raise RatioNotationError(
            f"{ratios.text} gives {len(ratios.stages)} stage ratios; {type(model).__name__} has {len(stages)} stages"
        )
    if granularity == "filter" and (ratios.stem or ratios.classifier):
        raise RatioNotationError(
            f"{ratios.text}: filter pruning keeps the stem and classifier whole (they set the residual width "
            "and the classes); their ratios must be 0"
        )
    known_blocks = {(s, b) for s, stage in enumerate(stages, 1) for b in range(len(stage))}
    unknown = sorted(skip - known_blocks)
    if unknown:
        raise RatioNotationError(f"skip layers {unknown} are not blocks of this model (stage.block, 1-based stages)")
    layers: list[PrunableLayer] = []
    for s, (stage, ratio) in enumerate(zip(stages, ratios.stages, strict=True), 1):
        stage_name = f"layer{s}"
        for b, block in enumerate(stage):
            convs = [(n, m) for n, m in block.named_modules() if isinstance(m, nn.Conv2d)]
            if granularity == "filter":
                if (s, b) in skip:
                    continue
                branch = [(n, m) for n, m in convs if not n.startswith(_SHORTCUT_NAMES)]
                convs = branch[:-1]  # the last conv of the block writes the residual stream
            layers += [PrunableLayer(f"{stage_name}.{b}.{n}", ratio, _groups(m, granularity)) for n, m in convs]
    if granularity == "weight":
        stem = model.conv1
        layers.insert(0, PrunableLayer("conv1", ratios.stem, _groups(stem, granularity)))
        layers.append(PrunableLayer("fc", ratios.classifier, _groups(model.fc, granularity)))
    return [layer for layer in layers if layer.ratio > 0]


def _index_layers(
    model: nn.Module, ratios: IndexRatios, granularity: str, skip: frozenset[tuple[int, int]]
) -> list[PrunableLayer]:
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    too_far = [i for i, _ in ratios.by_index if i >= len(convs)]
    if too_far:
        raise RatioNotationError(f"{ratios.text} names conv(s) {too_far}; the model has convs 0..{len(convs) - 1}")
    return [
        PrunableLayer(name, ratios.ratio(i), _groups(m, granularity))
        for i, (name, m) in enumerate(convs)
        if ratios.ratio(i) > 0
    ]


LAYER_RULES = {StageRatios: _stage_layers, IndexRatios: _index_layers}  # notation form -> layer rule


def resolve_layers(
    model: nn.Module, ratios: str | Ratios, granularity: str = "filter", skip_layers: str = ""
) -> list[PrunableLayer]:
    """The layers `ratios` prunes in `model`, in forward order, with their resolved ratio."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")
    parsed = parse_ratios(ratios) if isinstance(ratios, str) else ratios
    skip = parse_skip_layers(skip_layers)
    if skip and not isinstance(parsed, StageRatios):
        raise RatioNotationError("skip layers name residual blocks; they need a stage list")
    if isinstance(parsed, StageRatios) and not _residual_stages(model):
        raise RatioNotationError(f"a stage list such as {parsed.text} needs a ResNet (layer1, layer2, ...)")
    return LAYER_RULES[type(parsed)](model, parsed, granularity, skip)


def describe(layers: list[PrunableLayer]) -> str:
    """The resolved per-layer ratios and counts, one line each (printed by --dry-run)."""
    width = max((len(layer.name) for layer in layers), default=5)
    lines = [f"{'layer':<{width}}  ratio  groups  pruned"]
    lines += [f"{layer.name:<{width}}  {layer.ratio:5.3f}  {layer.groups:6d}  {layer.n_pruned:6d}" for layer in layers]
    return "\n".join(lines)
