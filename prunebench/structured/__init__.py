"""Structured (filter) and unstructured (weight) group pruning shared by every method that removes
groups: the ratio notation, layer rules, scoring criteria, physical removal and its record."""
from prunebench.structured.criteria import (
    CRITERIA,
    PrunedSet,
    SelectionInputs,
    fingerprint,
    overlap,
    select_pruned,
)
from prunebench.structured.layers import PrunableLayer, describe, pruned_count, resolve_layers
from prunebench.structured.notation import RatioNotationError, parse_ratios, parse_skip_layers
from prunebench.structured.surgery import Structure, apply_structure, remove_filters, weight_masks

__all__ = [
    "CRITERIA", "PrunableLayer", "PrunedSet", "RatioNotationError", "SelectionInputs", "Structure",
    "apply_structure", "describe", "fingerprint", "overlap", "parse_ratios", "parse_skip_layers",
    "pruned_count", "remove_filters", "resolve_layers", "select_pruned", "weight_masks",
]
