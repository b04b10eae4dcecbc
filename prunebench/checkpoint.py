"""Atomic writes (temp file + rename), checksummed checkpoints, and loading with a clear error when a file is bad.

A run killed at any instant leaves either the previous checkpoint or the new one, never half a file; the temp file
such a kill leaves behind is removed when the run resumes (`remove_stale_temp_files`). Every checkpoint and weights
file carries the SHA-256 of its content in its zip comment, so a flipped bit is reported instead of loaded, while
the file stays an ordinary `torch.load`-able checkpoint.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from prunebench.disk import DiskError, out_of_space

CHECKSUM_MAGIC = b"prunebench-sha256:"  # then 64 hex digits: the zip comment of a file save_atomic wrote
COMMENT_LENGTH = len(CHECKSUM_MAGIC) + 64
END_OF_ZIP = b"PK\x05\x06"  # the end-of-central-directory record, 22 bytes, its last 2 the comment length


class CheckpointError(RuntimeError):
    """A checkpoint or weights file cannot be read (truncated, corrupt, or not a checkpoint)."""


def _temp_name(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.tmp")


def _replace_atomically(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path, os.getpid())
    try:
        write(tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as error:
        if out_of_space(error, tmp):
            raise DiskError(f"no space left on the device holding {path.parent} while writing {path.name}; free some "
                            "space and run the same command again (finished work is kept)") from None
        raise
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the temp files of writers that are gone (a run killed mid-write), in `folder`; returns them."""
    removed = []
    for tmp in Path(folder).glob(".*.tmp"):
        try:
            pid = int(tmp.suffixes[-2].lstrip("."))
        except (IndexError, ValueError):
            continue
        if not _alive(pid):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def save_atomic(obj: Any, path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    data = buffer.getvalue()
    _replace_atomically(Path(path), lambda tmp: tmp.write_bytes(with_checksum(data)))


def with_checksum(data: bytes) -> bytes:
    """torch's zip bytes (written without a comment) with the SHA-256 of those bytes as the zip comment."""
    if data[-22:-18] != END_OF_ZIP or data[-2:] != b"\0\0":
        raise ValueError("torch.save wrote no plain zip archive; cannot add a checksum")
    comment = CHECKSUM_MAGIC + hashlib.sha256(data).hexdigest().encode()
    return data[:-2] + len(comment).to_bytes(2, "little") + comment


def checksum_holds(data: bytes) -> bool | None:
    """True / False when `data` carries save_atomic's checksum and it matches / does not; None without one."""
    comment, length = data[-COMMENT_LENGTH:], data[-COMMENT_LENGTH - 2:-COMMENT_LENGTH]
    if not comment.startswith(CHECKSUM_MAGIC) or length != COMMENT_LENGTH.to_bytes(2, "little"):
        return None
    original = data[:-COMMENT_LENGTH - 2] + b"\0\0"
    return hashlib.sha256(original).hexdigest().encode() == comment[len(CHECKSUM_MAGIC):]


def write_text_atomic(text: str, path: Path) -> None:
    _replace_atomically(Path(path), lambda tmp: tmp.write_text(text))


def write_json_atomic(data: Any, path: Path) -> None:
    write_text_atomic(json.dumps(data, indent=2, sort_keys=True, default=str), path)


def load_checkpoint(path: Path) -> Any:
    path = Path(path)
    data = path.read_bytes()  # FileNotFoundError passes through: a missing file is not a corrupt one
    if checksum_holds(data) is False:
        raise CheckpointError(f"checkpoint {path} fails its SHA-256 check (the file changed on disk after it was "
                              "written); delete it to restart this run from scratch")
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=False)
    except (EOFError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError, OSError) as error:
        raise CheckpointError(
            f"cannot read checkpoint {path}: it is truncated or corrupt ({type(error).__name__}); "
            f"delete it to restart this run from scratch"
        ) from None
