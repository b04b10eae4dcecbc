"""The command line itself: fast help, each command's own help, the command a user typed in the metadata."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from prunebench import COMMAND_ENV
from prunebench.cli import main

pytestmark = pytest.mark.unit


def test_help_answers_within_a_second_without_importing_torch():
    imported = subprocess.run([sys.executable, "-c", "import sys, prunebench.cli; print('torch' in sys.modules)"],
                              capture_output=True, text=True)
    assert imported.stdout.strip() == "False"
    began = time.perf_counter()
    help_run = subprocess.run([sys.executable, "-m", "prunebench.cli", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "reproduce" in help_run.stdout
    assert time.perf_counter() - began < 1.0
    # what the Makefile's reproduce-<paper>-<table> targets run: `python -m prunebench ...`
    as_make_runs_it = subprocess.run([sys.executable, "-m", "prunebench", "--help"], capture_output=True, text=True)
    assert as_make_runs_it.returncode == 0 and as_make_runs_it.stdout == help_run.stdout


def test_reproduce_help_is_the_scripts_own(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["reproduce", "slr/table1", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: prunebench reproduce slr/table1") and "--scale" in out and "--seeds" in out


def test_report_help_names_the_command_typed(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert capsys.readouterr().out.startswith("usage: prunebench report")


def test_run_help_shows_the_defaults(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "(default: fashion_mnist)" in out and "(default: 0.9)" in out and "Fashion-MNIST" in out


def test_the_metadata_records_the_command_the_user_typed(monkeypatch):
    from prunebench.provenance import invoked_command

    monkeypatch.setattr(sys, "argv", ["/somewhere/reproductions/slr/table1.py", "--scale", "quick"])
    monkeypatch.setenv(COMMAND_ENV, "prunebench reproduce slr/table1")
    assert invoked_command() == "prunebench reproduce slr/table1 --scale quick"
    monkeypatch.delenv(COMMAND_ENV)
    assert invoked_command().endswith("table1.py --scale quick")


@pytest.mark.parametrize("name", __import__("prunebench.methods", fromlist=["METHODS"]).METHODS.names())
def test_run_flags_come_from_each_methods_options(name):
    """Every registered method's Options fields are `prunebench run` flags of their type, parsed into
    method_options; none collides with a flag of the command itself."""
    import dataclasses

    from prunebench.cli import build_parser, method_options
    from prunebench.methods import METHODS

    fields = dataclasses.fields(METHODS.get(name).Options)
    parser = build_parser(name)  # argparse raises on a flag defined twice
    args = parser.parse_args(["run", "--method", name])
    assert method_options(args) == {}
    for field in fields:
        kind = type(field.default) if field.default is not None else int if str(field.type).startswith("int") else float
        value = {bool: "true", int: "3", float: "0.5", str: "x"}.get(kind, "0.5")
        parsed = method_options(parser.parse_args(["run", "--method", name, f"--{field.name.replace('_', '-')}", value]))
        assert list(parsed) == [field.name] and str(parsed[field.name]).lower() in (value, "3", "0.5")


def test_a_method_flag_reaches_the_run_and_beats_option(monkeypatch):
    from prunebench.cli import build_parser, method_options

    args = build_parser("slr").parse_args(["run", "--method", "slr", "--rho", "0.2", "--option", "rho=0.3",
                                           "--option", "M=10", "--take-while-k-is-1", "true"])
    assert method_options(args) == {"rho": 0.2, "M": 10, "take_while_k_is_1": True}


def test_run_has_a_dry_run_that_checks_and_lists_without_training(tmp_path, capsys):
    where = ["--runs-root", str(tmp_path / "runs"), "--baselines-root", str(tmp_path / "base"),
             "--results", str(tmp_path / "results")]
    assert main(["run", "--method", "slr", "--rho", "0.1", "--dry-run", *where]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("to run  ") for line in lines)
    assert lines[0].split()[-1].startswith("dense-") and lines[1].split()[-1].startswith("slr-")
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results").exists()
    assert main(["run", "--method", "slr", "--rho", "nan", "--dry-run", *where]) == 2


@pytest.mark.unit
def test_a_table_in_a_log_file_prints_runs_left_and_an_estimate():
    from prunebench.reproduce import progress_line

    # 4 of 19 runs: one cached (0.2 s), three trained in 124 s each: 15 left at 124 s -> 1860 s = 31 min
    assert progress_line("slr table1 (quick)", [0.2, 124.0, 124.0, 124.0], 19) == \
        "slr table1 (quick): 4/19 runs, 6.2 min, about 31 min left"
    assert progress_line("t", [0.1], 3) == "t: 1/3 runs, 0.0 min, an estimate after the first run that trains"
    assert progress_line("t", [0.1, 0.1], 2) == "t: 2/2 runs, 0.0 min, about 0 min left"


@pytest.mark.unit
def test_amp_unset_keeps_each_runs_declared_precision_and_off_or_bf16_set_the_whole_chain():
    from prunebench.reproduction import load
    from prunebench.reproduction_cli import arms_to_run, parser
    from prunebench.scales import SCALES

    table1 = load("slr/table1")
    quick = SCALES.get("quick")

    def precisions(*flags: str) -> set[tuple[str, str]]:
        args = parser("t", "d").parse_args(["--scale", "quick", *flags])
        return {(c.method, c.precision) for arm in arms_to_run(table1, quick, args) for c in arm.config.lineage}

    assert precisions() == {("dense", "bf16"), ("admm", "float32"), ("slr", "float32")}  # the base's own recipe
    assert precisions("--amp", "off") == {("dense", "float32"), ("admm", "float32"), ("slr", "float32")}
    assert precisions("--amp", "bf16") == {("dense", "bf16"), ("admm", "bf16"), ("slr", "bf16")}
