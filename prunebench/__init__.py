"""prunebench: reproduce published neural-network pruning results, honestly."""

__version__ = "0.1.0"
COMMAND_ENV = "PRUNEBENCH_COMMAND"  # what the user typed, told to a reproduction script (its --help, its metadata)
