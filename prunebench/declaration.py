"""What a reproduction declares beside its runs, handed to the core by the reproduction (the core imports none):
the title the report gives the table, the claims judged on its rows, its departures from the paper."""
from __future__ import annotations

from dataclasses import dataclass

from prunebench.claims import Claim


@dataclass(frozen=True)
class Declaration:
    title: str
    claims: tuple[Claim, ...] = ()
    differences: tuple[str, ...] = ()
