"""The shipped bases' accuracy, measured again: each base's weights (SHA-256 checked) evaluated on its data set's test
split on this machine, in its recipe's precision, beside the top-1 its manifest records. The two agree up to the
last bits a different CPU rounds differently (a few test images may flip); a larger gap means the data copy or the
evaluation changed. Each base's accuracy against the target its table needs is in docs/baselines.md.
"""
from __future__ import annotations

import contextlib

import pytest
import torch

from prunebench.checkpoint import load_checkpoint
from prunebench.data import load_dataset
from prunebench.memory_format import memory_format_for
from prunebench.models import build_model
from prunebench.shipped_bases import read_manifest, verify
from prunebench.train import AUTOCAST_DTYPES, evaluate

SHIPPED = read_manifest()
AGREEMENT_POINTS = 0.2  # top-1 points: 20 of 10,000 test images


@pytest.mark.parametrize("run_id", sorted(SHIPPED))
def test_a_shipped_base_scores_what_its_manifest_says(run_id):
    base = SHIPPED[run_id]
    verify(base)
    recipe = base.recipe
    splits = load_dataset(recipe["dataset"], augment=False, download=False)
    model = build_model(recipe["model"], in_channels=splits.info.in_channels, num_classes=splits.info.num_classes,
                        width=recipe["width"], **recipe["model_options"])
    model.load_state_dict(load_checkpoint(base.folder() / "model.pt"))
    memory_format = memory_format_for(model, None)  # the rule a run uses
    model = model.to(memory_format=memory_format)
    dtype = AUTOCAST_DTYPES[recipe.get("precision", "float32")]
    with torch.autocast("cpu", dtype=dtype) if dtype else contextlib.nullcontext():
        measured = evaluate(model, splits.test, "cpu", memory_format).top1
    print(f"\n{run_id}: top-1 {measured:.2f} here, {base.top1:.2f} in the manifest ({base.machine})")
    assert abs(measured - base.top1) <= AGREEMENT_POINTS
