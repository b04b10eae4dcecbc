"""GReg paper, Table 4: unstructured pruning of ImageNet ResNet50 at 82.7% sparsity, GReg-1 and GReg-2.

The same code path as filter pruning with a single weight as the group: λ per weight, |w| scoring per
layer, masks instead of physical removal (kept through fine-tuning). Claim GREG-C8's second half —
GReg-2's edge does not carry over to unstructured pruning (GReg-2 was 0.18 lower) — is recorded, not
asserted (a tie or a reversal are both consistent with the paper at this effect size).

Command: make reproduce-greg-table4 SCALE=quick|paper|smoke
Scales:
- paper: torchvision pretrained ResNet50, `--wg weight` `[0,0.827,0.827,0.827,0.827,0.827]` (stem kept;
  all four stages and the FC at 82.7%), ImageNet settings of Table 3. Needs ImageNet.
- quick: the same ratios on ResNet50 at 1/4 width on 3k images of the Tiny-ImageNet-200 subset (64×64, 200 classes), 3 seeds, budget proxy.
- smoke: synthetic data, 1 seed (tests).
Measured at quick scale on an idle 2-core CPU, on Fashion-MNIST with its earlier seeds (before the quick scale moved to the real-data copies; not re-measured yet): 274 s after Table 3 (its ResNet50 dense base cached; 18 s more alone).
"""
from __future__ import annotations

from prunebench.reproduce import Arm
from prunebench.scales import Scale
from reproductions.greg.common import NETWORKS, baseline_arm, greg_variant_arms, main, seeds

TABLE = "table4"
RATIOS = "[0,0.827,0.827,0.827,0.827,0.827]"

DIFFERENCES = [
    "quick/smoke: a proxy — the Tiny-ImageNet-200 subset (64×64, 200 classes) instead of ImageNet, ResNet50 at 1/4 width trained from scratch",
    "quick/smoke: regularisation and picking phases are budget proxies (reproductions/greg/common.py)",
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
