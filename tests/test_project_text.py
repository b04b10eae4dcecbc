"""The project speaks only of itself: its front door is short, its status page is generated from the results (never
typed), and no text says how it was made (sessions, borrowed machines, issue numbers, dates of measurements)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from prunebench import status

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["README.md", "docs", "benchmarks", "prunebench", "reproductions", "Makefile", "scripts"]
FORBIDDEN = re.compile(r"(this|previous|earlier|last) session|lent to|issue [0-9]+", re.IGNORECASE)


def files():
    for name in TEXTS:
        path = ROOT / name
        for f in [path] if path.is_file() else sorted(path.rglob("*")):
            if f.is_file() and f.suffix in {".md", ".py", ".sh", ""} and "published" not in f.parts:
                yield f


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


def test_no_text_tells_how_the_project_was_made():
    found = [f"{f.relative_to(ROOT)}: {m.group(0)}" for f in files() if f.name != "status.md"
             for m in [FORBIDDEN.search(f.read_text(encoding="utf-8", errors="ignore"))] if m]
    assert found == []


def test_no_script_docstring_carries_a_dated_measurement():
    dated = [str(f.relative_to(ROOT)) for f in (ROOT / "reproductions").rglob("*.py")
             if re.search(r"20\d\d-\d\d-\d\d", f.read_text(encoding="utf-8"))]
    assert dated == []


def test_the_status_page_is_what_the_committed_results_give():
    assert (ROOT / "docs" / "status.md").read_text(encoding="utf-8") == status.render(ROOT / "results"), \
        "docs/status.md is out of date: run `make status`"


def test_the_reports_light_install_pins_what_the_project_pins():
    """`make report` without the full environment installs REPORT_DEPS only: each must be the project's own pin."""
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    light = re.search(r"^REPORT_DEPS\s*:=\s*(.+)$", make, re.MULTILINE).group(1).split()
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert light and all(f'"{dep}"' in project for dep in light), light
