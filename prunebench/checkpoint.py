"""Atomic writes (temp file + rename) and checkpoint loading with a clear error when a file is bad.

A run killed at any instant leaves either the previous checkpoint or the new one, never half a file.
"""
from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch


class CheckpointError(RuntimeError):
    """A checkpoint or weights file cannot be read (truncated, corrupt, or not a checkpoint)."""


def _replace_atomically(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_atomic(obj: Any, path: Path) -> None:
    _replace_atomically(Path(path), lambda tmp: torch.save(obj, tmp))


def write_text_atomic(text: str, path: Path) -> None:
    _replace_atomically(Path(path), lambda tmp: tmp.write_text(text))


def write_json_atomic(data: Any, path: Path) -> None:
    write_text_atomic(json.dumps(data, indent=2, sort_keys=True, default=str), path)


def load_checkpoint(path: Path) -> Any:
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise
    except (EOFError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError, OSError) as error:
        raise CheckpointError(
            f"cannot read checkpoint {path}: it is truncated or corrupt ({type(error).__name__}); "
            f"delete it to restart this run from scratch"
        ) from None
