"""Files that several processes update (a table's results CSV, its update log, its verdicts): one writer at a time.

Parallel seeds or tables write the same results CSV, and each update is read, merge, replace: without a lock the
slower writer's replace drops the rows the faster one added. `locked(path)` holds an OS lock on the sibling file
`.<name>.lock` for the whole update. The OS releases it when its process dies, so a killed writer never leaves a
file locked; the empty lock file stays (and is ignored by git).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_TIMEOUT_S = 600.0  # one update takes well under a second; this long a wait means something is stuck


class FileBusyError(RuntimeError):
    """Another process has held a shared file's lock for longer than any update takes."""


@contextmanager
def locked(path: Path) -> Iterator[None]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.lock")
    try:
        with FileLock(str(lock), timeout=LOCK_TIMEOUT_S):
            yield
    except Timeout:
        raise FileBusyError(
            f"{path} has been locked by another process for {LOCK_TIMEOUT_S:.0f} s ({lock}); is a stuck prunebench "
            "still running?"
        ) from None
