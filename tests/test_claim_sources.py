"""Every claim a reproduction declares says where its paper says it (the paper's words and the table, figure or
section; or the repository file, where it comes from code or logs, saying so), and a claim whose statement names a
threshold says whether the number is the paper's or chosen here."""
from __future__ import annotations

import re

import pytest

from prunebench.reproduction import load, scripts

pytestmark = pytest.mark.unit

DECLARED = [(name, claim) for name in scripts() for claim in load(name).claims]


def test_every_reproduction_declares_claims_with_ids():
    assert len(DECLARED) >= 40 and all(re.fullmatch(r"[A-Z]+-C\d+b?", c.id) for _, c in DECLARED)


@pytest.mark.parametrize(("name", "claim"), DECLARED, ids=[f"{n}:{c.id}" for n, c in DECLARED])
def test_a_claim_quotes_its_source(name, claim):
    words = claim.source
    assert len(words) > 30, f"{name} {claim.id} names no source"
    assert re.search(r"Table|Figure|Fig\.|Sec\.|Appendix|abstract|summary|poster|README|repository|update rule",
                     words), f"{name} {claim.id}: the source says not where"
    if claim.bound:
        assert "chosen here" in claim.bound or "the paper" in claim.bound


def test_no_labelling_rule_is_a_verdict():
    """What a run is labelled (μ outside the theorem's range) is not a finding of the paper."""
    assert "GRDA-C11" not in {c.id for _, c in DECLARED}
