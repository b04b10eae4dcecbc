"""What every reproduction's smoke test asks of its claims: the verdicts file holds exactly what the script's
CLAIMS say of the rows it wrote, and only the claims that a smoke run cannot judge are "not run"."""
from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from prunebench.claims import evaluate_claims
from prunebench.paths import claims_csv, results_csv


def written_verdicts_match(paper: str, table: str, results: Path, not_run_at_smoke: tuple[str, ...] = ()) -> dict:
    script = importlib.import_module(f"reproductions.{paper}.{table}")
    frame = pd.read_csv(results_csv("smoke", paper, table, results))
    expected = {claim.id: verdict.status for claim, verdict in evaluate_claims(script.CLAIMS, frame)}
    path = claims_csv("smoke", paper, table, results)
    if not expected:  # a table that only records (e.g. GReg Table 4)
        assert not path.exists(), table
        return expected
    written = pd.read_csv(path)
    assert dict(zip(written["claim"], written["status"], strict=True)) == expected, table
    assert sorted(c for c, status in expected.items() if status == "not run") == sorted(not_run_at_smoke), table
    return expected
