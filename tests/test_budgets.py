"""A whole command's time is recorded by the command itself and shown beside its limit; a run that started from a
warm cache says it is no fresh-clone measurement; a budget nothing timed says so instead of a number."""
from __future__ import annotations

import json

import pytest

from prunebench.budgets import LIMITS, main, read_records, record
from prunebench.status import budgets_section

pytestmark = pytest.mark.unit


def test_a_record_holds_the_wall_time_the_machine_and_the_cache_state(tmp_path):
    path = record("make quick", started=1000.0, cache_was_empty=True, root=tmp_path, now=1000.0 + 95 * 60)
    entry = json.loads(path.read_text())
    assert (entry["command"], entry["wall_seconds"], entry["cache_was_empty"]) == ("make quick", 5700.0, True)
    assert entry["hardware"]["device"] == "cpu" and entry["started_at"] == "1970-01-01T00:16:40Z"
    assert read_records(tmp_path) == {"make quick": entry}


def test_the_status_page_sets_each_record_beside_its_limit(tmp_path):
    record("make quick", 0.0, True, root=tmp_path / "budgets", now=95 * 60)
    record("make nightly", 0.0, False, root=tmp_path / "budgets", now=13 * 3600)
    lines = budgets_section(tmp_path, tmp_path / "no-manifest.json")
    quick = next(line for line in lines if line.startswith("| `make quick`"))
    nightly = next(line for line in lines if line.startswith("| `make nightly`"))
    bases = next(line for line in lines if line.startswith("| `make baselines`"))
    assert "| 2 h | 95.0 min | within |" in quick and "| empty |" in quick
    assert "| 12 h | 780.0 min | over |" in nightly and "not a fresh-clone measurement" in nightly
    assert "not timed as one command" in bases and "0 s" in bases


def test_the_command_line_refuses_an_unknown_budget(capsys):
    with pytest.raises(SystemExit):
        main(["record", "make everything", "0", "empty"])
    assert "make quick" in capsys.readouterr().err
    assert set(LIMITS) == {"make quick", "make nightly", "make baselines"}
