"""prunebench: reproduce published neural-network pruning results, honestly."""

__version__ = "0.1.0"
