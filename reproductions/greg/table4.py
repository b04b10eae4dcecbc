"""GReg paper, Table 4: unstructured pruning of ImageNet ResNet50 at 82.7% sparsity, GReg-1 and GReg-2.

The same code path as filter pruning with a single weight as the group: λ per weight, |w| scoring per
layer, masks instead of physical removal (kept through fine-tuning). Claim GREG-C8's second half —
GReg-2's edge does not carry over to unstructured pruning (GReg-2 was 0.18 lower) — is recorded, not
asserted (a tie or a reversal are both consistent with the paper at this effect size).

Command: make reproduce-greg-table4 SCALE=quick|paper|smoke
Scales:
- paper: torchvision pretrained ResNet50, `--wg weight` `[0,0.827,0.827,0.827,0.827,0.827]` (stem kept;
  all four stages and the FC at 82.7%), ImageNet settings of Table 3. Needs ImageNet.
- quick: not run, as Table 3 (`common.IMAGENET_AT_QUICK`; GReg-1 ended at 0.77 % after fine-tuning).
- smoke: the same ratios, GReg-1 and GReg-2, synthetic data, 1 seed (tests).
"""
from __future__ import annotations

from prunebench.reproduction import Arm, Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import REDUCED, Scale
from reproductions.greg import common
from reproductions.greg.common import (
    NETWORKS,
    PAPER,
    baseline_arm,
    greg_variant_arms,
    overrides,
    pruned_layers,
    seeds,
)

TABLE = "table4"
RATIOS = "[0,0.827,0.827,0.827,0.827,0.827]"
RATIOS_AT = {"paper": RATIOS, "quick": common.IMAGENET_AT_QUICK, REDUCED: RATIOS}  # `Scale.pick`

DIFFERENCES = [
    common.IMAGENET_SMOKE,
    "the magnitude-ratio exit is off, as in the official code for unstructured pruning",
]

CLAIMS: list = []  # GREG-C8's unstructured half is reported by the table, not asserted (see docstring)


def arms(scale: Scale, seed_override: tuple[int, ...] | None = None) -> list[Arm]:
    ratios = scale.pick(RATIOS_AT, what="GReg Table 4 ratios")
    network = NETWORKS["resnet50"]
    out = [baseline_arm(network, scale)]
    for seed in seeds(scale, seed_override):
        out += greg_variant_arms(network, scale, f"{network.cell}/sp0.827", ("greg1", "greg2"),
                                 {"ratios": ratios, "granularity": "weight"}, seed, 0.827)
    return out


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Table 4: unstructured pruning of ImageNet ResNet-50 at 82.7 % sparsity, GReg-1 and GReg-2", arms,
    claims=CLAIMS, differences=DIFFERENCES, describe=pruned_layers, overrides=overrides,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
