import pytest

from prunebench.cells import join_cell, published_cell, split_cell
from prunebench.reproduction import Arm
from prunebench.scales import SCALES
from reproductions.slr import figure4, table1

pytestmark = pytest.mark.unit


def test_a_variant_is_written_after_the_mark_and_read_back():
    assert join_cell("cifar10/resnet18") == "cifar10/resnet18"
    assert join_cell("cifar10/resnet18", "p0.5") == "cifar10/resnet18~p0.5"
    assert split_cell("cifar10/resnet18~p0.5") == ("cifar10/resnet18", "p0.5")
    assert split_cell("cifar10/resnet18") == ("cifar10/resnet18", "")
    assert published_cell("coco/yolov3-tiny~1.19x") == "coco/yolov3-tiny"


def test_a_mark_inside_a_name_is_refused():
    with pytest.raises(ValueError, match="may not contain"):
        join_cell("a~b", "c")


def test_scripts_name_variants_and_rows_carry_them():
    smoke = SCALES.get("smoke")
    sweep = [a for a in table1.arms(smoke) if a.variant]
    assert sweep and all(a.row_cell == f"{a.cell}~{a.variant}" and "~" not in a.cell for a in sweep)
    panels = {a.variant for a in figure4.arms(smoke)}
    assert panels == set(figure4.PANELS)  # both ADMM and SLR at same compression keep the panel
    assert Arm("c", sweep[0].config, table1.pruned_metrics).row_cell == "c"
