"""Proximal NS paper (Bui et al., LOD 2023), Table 1 (CIFAR-10): network slimming vs proximal NS on
VGG-19, DenseNet-40 and ResNet-164 — accuracy after training, after pruning without fine-tuning and after
fine-tuning, % parameters and % FLOPs pruned, % exactly-zero scaling factors.

NS cells are set beside Liu et al. (ICCV 2017) Table 1 and the official PyTorch code's README; the proximal
NS paper's own numbers are not available (its cells keep their place, empty), so its claims are checked
against NS run here.
Claims: NS-C1, C3, C4, C5; PNS-C1, C2, C3, C4, C5, C7 (reproductions/proxns/common.py).

Command: make reproduce-proxns-table1 SCALE=quick|paper|smoke  (= python -m reproductions.proxns.table1)
Scales:
- paper: CIFAR-10, full networks, 160 epochs (lr 0.1 ÷10 at 80 and 120, batch 64, wd 1e-4, momentum 0.9),
  NS λ 1e-4 (VGG) / 1e-5, percents VGG 70%, DenseNet-40 40/60/70%, ResNet-164 40/60%; proximal NS λ, β
  from the official script.sh (VGG 0.0045/100, DenseNet 0.004/100, ResNet-164 0.002/0.25); 3 seeds.
- quick: the CIFAR-10 JPEG copy (4,000 training images), 1/4 width, VGG-19 and DenseNet-40 (depth 13, same block
  types; ResNet-164 runs at paper and smoke scale only: three seeds of three networks do not fit 15 min),
  4 training epochs and 2 fine-tuning epochs, the paper's λ and β, one percent per network, 3 seeds. The λ sweep
  (λ × N_paper/N_scaled, not judged) runs at smoke scale; its quick measurement is in docs/methods/proxns.md.
  Measured: see the README's row.
- smoke: synthetic data, tiny depths (tests).
"""
from __future__ import annotations

from prunebench.reproduction import Reproduction
from prunebench.reproduction_cli import run_reproduction
from prunebench.scales import REDUCED
from reproductions.proxns.common import CLAIMS, PAPER, table_plan

TABLE = "table1"
DATASET = "cifar10"
PERCENTS = {
    "paper": {"vgg19": (0.7,), "densenet40": (0.4, 0.6, 0.7), "resnet164": (0.4, 0.6)},
    REDUCED: {"vgg19": (0.7,), "densenet40": (0.4,), "resnet164": (0.4,)},
}

DIFFERENCES = [
    "both methods train with plain momentum 0.9 as both official codes do (Liu et al. write Nesterov)",
    "proximal NS prunes the channels whose ξ is exactly zero (the paper); the official code prunes |γ| ≤ min|γ|, "
    "which always removes at least one channel (reported as channels_gamma_min_threshold)",
    "parameters are counted without the official code's channel_selection index vectors (buffers here, "
    "parameters there); FLOPs are conv and linear multiply-accumulates",
    "a layer never loses all its channels: the largest |γ| is kept and layers_guarded counts it",
    "accuracy is the last epoch's; the best epoch (what the official code keeps) is recorded beside it",
    "quick: 4,000 training images (not the scale's 12,000); 1/4 width; VGG-19 and DenseNet-40 only, DenseNet depth "
    "13 (same blocks); 4 training + 2 fine-tuning epochs; the paper's λ and β",
    "smoke: sweep cells <cell>@lam<k>x (VGG-19) multiply λ by N_paper/N_scaled and are not judged",
]


arms = table_plan(DATASET, PERCENTS)
__all__ = ["CLAIMS", "DIFFERENCES", "arms"]


REPRODUCTION = Reproduction(
    PAPER, TABLE, "Table 1 (CIFAR-10): network slimming vs proximal NS on VGG-19, DenseNet-40 and ResNet-164", arms,
    claims=CLAIMS, differences=DIFFERENCES,
)

if __name__ == "__main__":
    raise SystemExit(run_reproduction(REPRODUCTION))
