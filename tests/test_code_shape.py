"""The shape the code keeps: the core (prunebench/) imports no reproduction — reproductions are declarations the
core runs, and the commands that walk them find them by module name — and no function runs over 60 lines."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
LONGEST = 60


def modules(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_the_core_imports_no_reproduction():
    found = []
    for path, tree in modules("prunebench"):
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] == "reproductions"]
    assert found == []


def test_no_function_is_longer_than_sixty_lines():
    long = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for folder in ("prunebench", "reproductions") for path, tree in modules(folder) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > LONGEST]
    assert long == []


def test_every_script_declares_one_reproduction_of_its_own_table():
    """A script is found by its file name alone (make, `prunebench reproduce`, paper-check, the audit): its
    declaration must name that paper and table."""
    from prunebench.reproduction import Reproduction, load, scripts

    for name in scripts():
        reproduction = load(name)
        assert isinstance(reproduction, Reproduction) and reproduction.name == name, name
        assert reproduction.title and "\n" not in reproduction.title, name


def test_a_name_selects_a_reproduction_a_paper_or_a_table_of_every_paper():
    from prunebench.registry import UnknownNameError
    from prunebench.reproduction import selected

    assert selected("slr/table1") == ["slr/table1"]
    assert selected("table1") == ["greg/table1", "proxns/table1", "slr/table1"]
    assert selected("greg")[:3] == ["greg/table1", "greg/table2", "greg/table3"] and "greg/table10" in selected("greg")
    assert selected("greg").index("greg/table9") < selected("greg").index("greg/table10")  # the paper's order
    with pytest.raises(UnknownNameError, match="unknown reproduction 'slr/table9'"):
        selected("slr/table9")
