"""Disk trouble found before the hours of training it would otherwise end: folders that cannot be written, too
little free space, and a write that fails for want of space named as such (torch says "enforce fail at
inline_container.cc"); and a file's SHA-256, what the data archives and the shipped bases are checked against."""
from __future__ import annotations

import errno
import hashlib
import shutil
import tempfile
from pathlib import Path

MIN_FREE_BYTES = 256 * 2**20  # room for a few checkpoints of a quick run; paper-scale checkpoints are larger


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DiskError(OSError):
    """A folder prunebench must write to is not writable, or its device is (nearly) full."""


def check_writable(folder: Path, min_free: int = MIN_FREE_BYTES) -> None:
    """Create `folder` if needed, write and delete a probe file in it, and require `min_free` bytes free there."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-probe-"):
            pass
    except OSError as error:
        raise DiskError(f"cannot write to {folder.resolve()} ({error.strerror or error}); choose another folder or "
                        "fix its permissions") from None
    free = shutil.disk_usage(folder).free
    if free < min_free:
        raise DiskError(f"only {free / 2**20:.0f} MiB free on the device holding {folder.resolve()} (need at least "
                        f"{min_free / 2**20:.0f} MiB); free some space first")


def out_of_space(error: BaseException, path: Path) -> bool:
    """Whether a failed write of `path` failed for want of space (OSError ENOSPC, or torch's zip writer's error
    on a full device)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(error, RuntimeError) and "inline_container" in str(error):
        try:
            return shutil.disk_usage(Path(path).parent).free < MIN_FREE_BYTES
        except OSError:
            return False
    return False
