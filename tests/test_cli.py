"""The command line itself: fast help, each command's own help, the command a user typed in the metadata."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from prunebench.cli import COMMAND_ENV, main

pytestmark = pytest.mark.unit


def test_help_answers_within_a_second_without_importing_torch():
    imported = subprocess.run([sys.executable, "-c", "import sys, prunebench.cli; print('torch' in sys.modules)"],
                              capture_output=True, text=True)
    assert imported.stdout.strip() == "False"
    began = time.perf_counter()
    help_run = subprocess.run([sys.executable, "-m", "prunebench.cli", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0 and "reproduce" in help_run.stdout
    assert time.perf_counter() - began < 1.0


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
