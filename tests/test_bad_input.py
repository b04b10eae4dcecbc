"""Bad input ends in one clear error line, exit code 2, and no result row."""
import json
import os
from dataclasses import replace

import pytest

from prunebench.cli import main
from prunebench.config import OptimizerConfig, RunConfig
from prunebench.paths import RunPaths

pytestmark = pytest.mark.unit


def cli(tmp_path, *extra):
    return [
        "run", "--dataset", "synthetic", "--width", "0.125", "--epochs", "1", "--baseline-epochs", "1",
        "--train-subset", "128", "--batch-size", "64", "--no-progress",
        "--runs-root", str(tmp_path / "runs"), "--baselines-root", str(tmp_path / "base"),
        "--results", str(tmp_path / "results"), *extra,
    ]


def assert_clean_error(capsys, tmp_path, code, *needles, fresh=True):
    err = capsys.readouterr().err
    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith("prunebench: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert not list((tmp_path / "results").rglob("*.csv")), "a partial result was written"
    if fresh:
        assert not list((tmp_path / "runs").rglob("config.json")), "a run folder was started"
    return err


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--model", "resnet9000"], ["unknown model 'resnet9000'", "resnet18_cifar"]),
        (["--method", "obd"], ["unknown method 'obd'", "slr"]),
        (["--dataset", "mnist2"], ["unknown dataset 'mnist2'", "fashion_mnist"]),
        (["--ratio", "1.0"], ["must be in [0, 1)"]),
        (["--ratio", "-0.2"], ["must be in [0, 1)"]),
        (["--option", "gamma=3"], ["no option(s) ['gamma']"]),
        (["--batch-size", "-5"], ["batch_size must be an integer >= 1, got -5"]),
        (["--batch-size", "0"], ["batch_size must be an integer >= 1, got 0"]),
        (["--option", "rho=nan"], ["option rho=nan is not a finite number"]),
        (["--option", "rho=inf"], ["option rho=inf is not a finite number"]),
        (["--option", "rho=-1"], ["rho must be positive"]),
        (["--train-subset", "-5"], ["train_subset must be an integer >= 1, got -5"]),
        (["--train-subset", "0"], ["train_subset must be an integer >= 1, got 0"]),
        (["--optimizer", "adamw2"], ["unknown optimizer 'adamw2'", "adam"]),
        (["--lr", "nan"], ["lr must be a finite number > 0"]),
        (["--weight-decay", "-1"], ["weight_decay must be a finite number >= 0"]),
        (["--epochs", "-1"], ["epochs must be an integer >= 0"]),
        (["--width", "0"], ["width must be a finite number > 0"]),
        (["--device", "cuda:0"] if not __import__("torch").cuda.is_available() else ["--device", "nonsense"],
         ["device"]),
    ],
)
def test_bad_names_and_numbers(tmp_path, capsys, args, needles):
    err = assert_clean_error(capsys, tmp_path, main(cli(tmp_path, *args)), *needles)
    assert len(err.strip().splitlines()) == 1, err


def test_missing_data_set_says_how_to_get_it(tmp_path, capsys):
    code = main(cli(tmp_path, "--dataset", "cifar10", "--data-root", str(tmp_path / "empty")))
    assert_clean_error(capsys, tmp_path, code, "cifar-10-batches-py", "download=True")


def test_truncated_checkpoint(tmp_path, capsys):
    assert main(cli(tmp_path)) == 0  # a good run creates the baseline
    capsys.readouterr()
    # the baseline config the CLI builds for --baseline-epochs 2
    dense = RunConfig(dataset="synthetic", model="resnet18_cifar", width=0.125, epochs=2, batch_size=64,
                      train_subset=128, eval_every=0, optimizer=OptimizerConfig("adam", lr=0.01))
    paths = RunPaths(dense, tmp_path / "runs", tmp_path / "base")
    paths.checkpoint.parent.mkdir(parents=True)
    paths.checkpoint.write_bytes(b"PK\x03\x04 truncated")
    for csv in (tmp_path / "results").rglob("*.csv"):
        csv.unlink()
    code = main(cli(tmp_path, "--baseline-epochs", "2"))
    assert_clean_error(capsys, tmp_path, code, "truncated or corrupt", str(paths.checkpoint), fresh=False)


def test_negative_zero_ratio_is_the_same_run_as_zero():
    base = RunConfig(dataset="synthetic", model="resnet18_cifar", prune_rule="residual_branch_convs")
    assert replace(base, prune_ratio=-0.0).run_id == replace(base, prune_ratio=0.0).run_id


def test_a_read_only_results_folder_fails_before_any_training(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    results.chmod(0o500)
    try:
        if os.access(results, os.W_OK):  # root ignores permissions: simulate with a file where the folder goes
            results.chmod(0o700)
            results.rmdir()
            results.write_text("not a folder")
        code = main(cli(tmp_path))
    finally:
        if results.is_dir():
            results.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("prunebench: error: cannot write to") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists() and not (tmp_path / "base").exists()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{}", "has no valid 'run_id'"),
        ("not json", "is not valid JSON"),
        (None, "holds a non-numeric metric top1_final='abc'"),
    ],
)
def test_a_bad_result_json_is_named_in_one_line(tmp_path, capsys, content, needle):
    assert main(cli(tmp_path)) == 0
    capsys.readouterr()
    for csv in (tmp_path / "results").rglob("*.csv"):
        csv.unlink()
    result = next(p for p in (tmp_path / "runs").rglob("result.json") if "slr" in str(p))
    if content is None:
        stored = json.loads(result.read_text())
        stored["metrics"]["top1_final"] = "abc"
        content = json.dumps(stored)
    result.write_text(content)
    code = main(cli(tmp_path))
    assert_clean_error(capsys, tmp_path, code, needle, str(result), fresh=False)


def test_a_result_json_missing_a_metric_is_named_in_one_line(tmp_path, capsys):
    assert main(cli(tmp_path)) == 0
    capsys.readouterr()
    for csv in (tmp_path / "results").rglob("*.csv"):
        csv.unlink()
    result = next(p for p in (tmp_path / "runs").rglob("result.json") if "slr" in str(p))
    stored = json.loads(result.read_text())
    del stored["metrics"]["compression_nonbias"]
    result.write_text(json.dumps(stored))
    code = main(cli(tmp_path))
    assert_clean_error(capsys, tmp_path, code, "lacks the metric 'compression_nonbias'", str(result), fresh=False)


def test_a_bad_method_flag_is_refused_before_the_dense_baseline_trains(tmp_path, capsys, monkeypatch):
    """`prunebench run --method slr --rho nan` with the default data set: refused at once, before the baseline run
    it starts from (minutes of training) — no data set loaded, no run folder."""
    import time

    import prunebench.runner as runner

    loaded = []
    monkeypatch.setattr(runner, "load_splits", lambda *a, **k: loaded.append(a) or pytest.fail("data loaded"))
    began = time.perf_counter()
    code = main(["run", "--method", "slr", "--rho", "nan", "--no-progress", "--runs-root", str(tmp_path / "runs"),
                 "--baselines-root", str(tmp_path / "base"), "--results", str(tmp_path / "results")])
    assert_clean_error(capsys, tmp_path, code, "option rho=nan is not a finite number")
    assert not loaded and time.perf_counter() - began < 10
