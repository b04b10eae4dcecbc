"""Bad input ends in one clear error line, exit code 2, and no result row."""
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


def assert_clean_error(capsys, tmp_path, code, *needles):
    err = capsys.readouterr().err
    assert code == 2
    first = err.splitlines()[0]
    assert first.startswith("prunebench: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert not list((tmp_path / "results").rglob("*.csv")), "a partial result was written"


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--model", "resnet9000"], ["unknown model 'resnet9000'", "resnet18_cifar"]),
        (["--method", "obd"], ["unknown method 'obd'", "slr"]),
        (["--dataset", "mnist2"], ["unknown dataset 'mnist2'", "fashion_mnist"]),
        (["--ratio", "1.0"], ["must be in [0, 1)"]),
        (["--ratio", "-0.2"], ["must be in [0, 1)"]),
        (["--option", "gamma=3"], ["no option(s) ['gamma']"]),
    ],
)
def test_bad_names_and_numbers(tmp_path, capsys, args, needles):
    assert_clean_error(capsys, tmp_path, main(cli(tmp_path, *args)), *needles)


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
    assert_clean_error(capsys, tmp_path, code, "truncated or corrupt", str(paths.checkpoint))
