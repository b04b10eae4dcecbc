"""`prunebench list` reads the registered names from the source in well under a second, and names exactly what the
registries hold."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.unit


def test_the_catalogue_names_exactly_what_the_registries_hold():
    from prunebench.catalog import entries
    from prunebench.data import DATASETS
    from prunebench.detection.data import DETECTION_DATA
    from prunebench.methods import METHODS
    from prunebench.models import MODELS
    from prunebench.scales import SCALES
    from prunebench.sparsity import PRUNE_SETS

    live = {"data sets": DATASETS, "detection data sets": DETECTION_DATA, "models": MODELS, "methods": METHODS,
            "prune sets": PRUNE_SETS, "scales": SCALES}
    assert {h: sorted(names) for h, names in entries().items()} == {h: sorted(r.names()) for h, r in live.items()}


def test_list_answers_within_a_second_one_name_a_line():
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "prunebench.cli", "list"], capture_output=True, text=True, check=True)
    assert time.perf_counter() - began < 1.5  # the interpreter's own start included
    assert any(line.startswith("  coco128") for line in out.stdout.splitlines())  # detection sets named too
    assert max(len(line) for line in out.stdout.splitlines()) <= 140
