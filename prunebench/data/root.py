"""Where data sets live unless a command says otherwise."""
from __future__ import annotations

import os
from pathlib import Path


def default_data_root() -> Path:
    """`$PRUNEBENCH_DATA` if set, else `~/.cache/prunebench/data`: one place for every set we download."""
    configured = os.environ.get("PRUNEBENCH_DATA")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "prunebench" / "data"
