"""A scale is declared once in the core; what a table does differently at a scale is data (`Scale.pick`), and a
method hyperparameter a budget forces off the paper's value is a printed, recorded `Override`."""
from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

from prunebench.provenance import table_meta
from prunebench.reproduce import print_overrides
from prunebench.reproduction import load, scripts
from prunebench.scales import REDUCED, SCALES, NotRun, NotRunAtScale, Override

pytestmark = pytest.mark.unit
REPRODUCTIONS = Path(__file__).resolve().parents[1] / "reproductions"


def test_pick_prefers_the_scales_own_entry_then_its_fallbacks_then_the_default():
    quick, paper = SCALES.get("quick"), SCALES.get("paper")
    assert quick.pick({"quick": 1, REDUCED: 2}) == 1
    assert quick.pick({"paper": 0, REDUCED: 2}) == 2
    assert paper.pick({"paper": 0, REDUCED: 2}) == 0
    assert paper.pick({REDUCED: 2}, default=7) == 7  # paper never falls back to the reduced entry
    assert quick.pick({"smoke": 3}, default=None) is None


def test_pick_names_the_scale_and_what_is_declared_when_nothing_fits():
    with pytest.raises(LookupError, match=r"no TuSimple setting is declared for scale 'paper'.*declared for 'quick', 'smoke'"):
        SCALES.get("paper").pick({"quick": 1, "smoke": 2}, what="TuSimple setting")


def test_pick_raises_the_reason_where_a_table_declares_it_runs_nothing():
    quick, smoke = SCALES.get("quick"), SCALES.get("smoke")
    rows = {"paper": [1, 2], "quick": NotRun("chance-level rows"), REDUCED: [1]}
    with pytest.raises(NotRunAtScale, match="not run at quick scale: chance-level rows") as raised:
        quick.pick(rows)
    assert raised.value.why == "chance-level rows"
    assert smoke.pick(rows) == [1]  # smoke has no entry and falls back to the reduced one
    with pytest.raises(NotRunAtScale):  # a scale falling back to quick inherits quick's NotRun
        replace(quick, name="medium", falls_back_to=("quick", REDUCED)).pick(rows)


def test_reduced_scales_drop_pretrained_weights_and_use_their_fast_baseline_recipe():
    paper, quick = SCALES.get("paper"), SCALES.get("quick")
    options = (("weights", "IMAGENET1K_V1"), ("depth", 20))
    assert paper.model_options(options) == {"weights": "IMAGENET1K_V1", "depth": 20}
    assert quick.model_options(options) == {"depth": 20}
    recipe = object()
    assert paper.baseline_recipe(recipe) is recipe
    assert quick.baseline_recipe(recipe) is quick.baseline_optimizer is not None
    assert (paper.images(50_000), quick.images(50_000), paper.batch(128), quick.batch(256)) == (50_000, 12_000, 128, 128)


def test_no_reproduction_branches_on_a_scale_name():
    found = [f"{p.relative_to(REPRODUCTIONS)}:{n}" for p in REPRODUCTIONS.rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"scale\.name\s*(==|!=|in\b)|\[(scale\.name|args\.scale)\]|args\.scale\s*==", line)]
    assert found == []


@pytest.mark.parametrize("name", scripts())
def test_a_new_scale_needs_no_entry_in_any_table(name):
    """A scale declared in the core alone (here: quick's settings at half width, falling back to quick's entries)
    plans every table; adding a scale no longer means a KeyError in every per-scale dict."""
    medium = replace(SCALES.get("quick"), name="medium", width=0.5, falls_back_to=("quick", REDUCED))
    try:
        arms = load(name).arms(medium, None)
    except NotRunAtScale as declined:  # a table may run nothing at quick, and then says why
        assert len(declined.why) > 40
        return
    trained = [arm for arm in arms if arm.config.kind != "ultralytics_detection"]  # YOLO keeps its width
    assert arms and all(arm.config.width in (0.5, 0.125) for arm in trained)  # 0.125: gRDA's declared quick proxies


def test_greg_overrides_are_the_budgets_changes_and_none_at_paper_scale():
    from reproductions.greg.common import overrides

    assert overrides(SCALES.get("paper")) == []
    quick = {o.option: (o.paper, o.scaled) for o in overrides(SCALES.get("quick"))}
    assert quick["ceiling τ"] == ("1", "80") and quick["δλ"] == ("0.0001", "4")  # 80 / 20 updates
    # GReg-2's picking keeps the paper's δλ' and τ' (no override) and runs one update per iteration
    assert "picking δλ" not in quick and "picking ceiling τ'" not in quick
    assert quick["picking K_u'"] == ("Table 8's K_u", "1")


def test_grda_c_override_is_the_step_ratio_of_the_rule():
    """VGG16 on CIFAR-10: 600 epochs × ⌈50,000 / 128⌉ = 234,600 paper steps; quick: 3 × ⌈4,000 / 128⌉ = 96."""
    from reproductions.grda.common import c_overrides, scale_c
    from reproductions.grda.table_cifar import ROWS_AT, VGG16_C10

    quick = SCALES.get("quick")
    (override,) = c_overrides([r.recipe for r in quick.pick(ROWS_AT)], quick)
    assert override.scaled == "c·2444^μ"
    assert math.isclose(scale_c(5e-4, 0.6, VGG16_C10, quick), 5e-4 * (234_600 / 96) ** 0.6)
    assert c_overrides([VGG16_C10], SCALES.get("paper")) == []


def test_overrides_are_printed_once_per_reason_and_recorded_in_the_metadata(capsys):
    changes = [Override("m", "a", "1", "2", "why one"), Override("m", "b", "3", "4", "why two"),
               Override("n", "c", "5", "6", "why one")]
    print_overrides(changes, "quick")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["  m a: 2 (paper: 1)", "  n c: 6 (paper: 5)", "    because why one",
                         "  m b: 4 (paper: 3)", "    because why two"]
    meta = table_meta("p", "t", "quick", None, "cpu", configs=[], started_at="", finished_at="", wall_seconds=0.0,
                      overrides=changes)
    assert "m a: 2 (paper: 1); why one" in meta["differences"]


def test_a_scale_may_keep_a_thin_network_wider_than_its_width():
    """`Scale.widths`: DenseNet-40 at 1/2 width while VGG-19 in the same table takes the scale's 1/4."""
    from reproductions.proxns import table1

    wider = replace(SCALES.get("quick"), name="wider", widths=(("densenet40_cifar", 0.5),),
                    falls_back_to=("quick", REDUCED))
    widths = {(arm.config.model, arm.config.width) for arm in table1.arms(wider)}
    assert widths == {("densenet40_cifar", 0.5), ("vgg19_ns_cifar", 0.25)}
    assert SCALES.get("quick").width_for("resnet56") == 0.25  # no entry: the scale's width
