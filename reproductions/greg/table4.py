"""GReg paper, Table 4: unstructured pruning of ImageNet ResNet50 at 82.7% sparsity, GReg-1 and GReg-2.

The same code path as filter pruning with a single weight as the group: λ per weight, |w| scoring per
layer, masks instead of physical removal (kept through fine-tuning). Claim GREG-C8's second half —
GReg-2's edge does not carry over to unstructured pruning (GReg-2 was 0.18 lower) — is recorded, not
asserted (a tie or a reversal are both consistent with the paper at this effect size).

Command: make reproduce-greg-table4 SCALE=quick|paper|smoke
Scales:
- paper: torchvision pretrained ResNet50, `--wg weight` `[0,0.827,0.827,0.827,0.827,0.827]` (stem kept;
  all four stages and the FC at 82.7%), ImageNet settings of Table 3. Needs ImageNet.
- quick: the same ratios on ResNet50 at 1/4 width on 3k images of the Tiny-ImageNet-200 subset (64×64, 200 classes;
  the base on 12k), GReg-1 alone (as Table 3), 3 seeds, the budget of reproductions/greg/common.py.
- smoke: synthetic data, 1 seed (tests).
Measured at quick scale on an idle 2-core CPU (2026-12-01): 242 s after Table 3 (its ResNet50 base cached); GReg-1
ends at 0.77 % after fine-tuning.
"""
from __future__ import annotations

from prunebench.reproduce import Arm
from prunebench.scales import Scale
from reproductions.greg.common import NETWORKS, baseline_arm, greg_variant_arms, main, quick_notes, seeds

TABLE = "table4"
RATIOS = "[0,0.827,0.827,0.827,0.827,0.827]"

DIFFERENCES = [
    "quick/smoke: a proxy — the Tiny-ImageNet-200 subset (64×64, 200 classes) instead of ImageNet, ResNet50 at 1/4 width trained from scratch",
    *quick_notes(),
    "quick: GReg-1 alone — GReg-2's picking at the paper's δλ' fits the budget only on the CIFAR networks",
    "the magnitude-ratio exit is off, as in the official code for unstructured pruning",
]

CLAIMS: list = []  # GREG-C8's unstructured half is reported by the table, not asserted (see docstring)


def arms(scale: Scale, seed_override: tuple[int, ...] | None = None) -> list[Arm]:
    network = NETWORKS["resnet50"]
    out = [baseline_arm(network, scale)]
    for seed in seeds(scale, seed_override):
        out += greg_variant_arms(network, scale, f"{network.cell}/sp0.827", ("greg1", "greg2"),
                                 {"ratios": RATIOS, "granularity": "weight"}, seed, 0.827)
    return out


if __name__ == "__main__":
    raise SystemExit(main(TABLE, __doc__, arms, None))
