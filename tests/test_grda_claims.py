"""gRDA claim checks on hand-made result rows."""
import pandas as pd

from prunebench.claims import FAILS, HOLDS, NOT_RUN
from prunebench.results import COLUMNS
from reproductions.grda.common import magnitude_needs_retraining

SGD, GRDA = "cifar10/vgg16/mc/sgd", "cifar10/vgg16/mc/c0.0005/mu0.6"


def frame(values: dict[tuple[str, str, str], list[float]]) -> pd.DataFrame:
    """{(cell, method, metric): one value per seed} -> rows in the results schema."""
    rows = []
    for (cell, method, metric), per_seed in values.items():
        for seed, value in enumerate(per_seed):
            rows.append({**dict.fromkeys(COLUMNS), "paper": "grda", "table": "table_cifar", "cell": cell, "scale": "quick",
                         "run_id": f"{method}-{seed}", "method": method, "dataset": "cifar10", "seed": seed,
                         "metric": metric, "value": value, "prune_ratio": 0.0})
    return pd.DataFrame(rows, columns=COLUMNS)


def results(magnitude_loss: list[float], magnitude_top1: list[float]) -> pd.DataFrame:
    return frame({
        (SGD, "sgd", "train_loss_final"): [0.50, 0.70],  # mean 0.60
        (GRDA, "grda", "train_loss_final"): [0.60, 0.80],  # mean 0.70: gap 0.10
        (GRDA, "grda", "top1_final"): [80.0, 82.0],  # mean 81
        (GRDA, "magnitude_global", "train_loss_magnitude_noretrain"): magnitude_loss,
        (GRDA, "magnitude_global", "top1_magnitude_noretrain"): magnitude_top1,
    })


def test_holds_when_magnitude_loss_rises_by_at_least_twice_the_gap_and_loses_accuracy():
    verdict = magnitude_needs_retraining()(results([0.80, 0.82], [70.0, 72.0]))  # rise 0.21 >= 2 x 0.10
    assert verdict.status == HOLDS
    assert "gap 0.100" in verdict.evidence and "rise +0.210" in verdict.evidence


def test_fails_when_the_rise_is_under_twice_the_gap():
    assert magnitude_needs_retraining()(results([0.78, 0.80], [70.0, 72.0])).status == FAILS  # rise 0.19


def test_fails_when_magnitude_keeps_gRDAs_accuracy():
    assert magnitude_needs_retraining()(results([1.5, 1.5], [81.0, 81.0])).status == FAILS  # 81 is not < 81


def test_not_run_without_the_magnitude_arm():
    rows = results([1.0], [50.0])
    rows = rows[rows["method"] != "magnitude_global"]
    assert magnitude_needs_retraining()(rows).status == NOT_RUN
