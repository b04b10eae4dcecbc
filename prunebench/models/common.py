"""Width scaling shared by every model family, so a 1/4- or 1/8-width network is the same network thinner."""

from __future__ import annotations


def scaled(channels: int, width: float) -> int:
    """``channels`` times the width multiplier, rounded, never below one channel."""
    return max(1, int(round(channels * width)))
