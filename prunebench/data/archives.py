"""The offline copies of real data sets (`../shared/data/*.tar.gz`, listed with their SHA-256 in SHA256SUMS):
verified and unpacked once into the data root, never beside the archives (that folder may be read-only).

`python -m prunebench.data.archives` (what `make data` runs) unpacks every archive that is not unpacked yet, or
whose archive changed; a loader that finds its folder missing says to run it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from prunebench.data.root import default_data_root
from prunebench.disk import file_sha256
from prunebench.paths import PROJECT_ROOT

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SUMS = "SHA256SUMS"
MARKER = ".unpacked-from"  # in each unpacked folder: the archive's SHA-256


class ArchiveError(ValueError):
    """An archive does not match its listed checksum, or unpacks outside its folder."""


def listed(archives: Path) -> dict[str, str]:
    """archive name -> SHA-256, from SHA256SUMS."""
    sums = {}
    for line in (archives / SUMS).read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def unpack(archive: Path, expected: str, root: Path) -> Path | None:
    """Verify and unpack one archive into `root` (into a temp folder first, moved into place when complete);
    returns the unpacked folder, or None when it was already there from the same archive."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        tops = {Path(m.name).parts[0] for m in members}
        if len(tops) != 1:
            raise ArchiveError(f"{archive} should unpack into one folder, not {sorted(tops)}")
        folder = root / tops.pop()
        if (folder / MARKER).exists() and (folder / MARKER).read_text().strip() == expected:
            return None
        actual = file_sha256(archive)
        if actual != expected:
            raise ArchiveError(f"{archive} has SHA-256 {actual}, but {SUMS} lists {expected}: a damaged copy")
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".unpacking-") as staging:
            tar.extractall(staging, filter="data")  # refuses absolute paths, links out, devices
            unpacked = Path(staging) / folder.name
            (unpacked / MARKER).write_text(expected + "\n")
            if folder.exists():
                shutil.rmtree(folder)
            unpacked.rename(folder)
    return folder


def unpack_all(archives: Path = SHARED_DATA, root: Path | None = None) -> list[Path]:
    root = root or default_data_root()
    return [folder for name, digest in listed(archives).items()
            if (folder := unpack(archives / name, digest, root)) is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prunebench.data.archives", description=__doc__.split("\n\n")[0])
    parser.add_argument("--archives", type=Path, default=SHARED_DATA, help="folder of the archives and SHA256SUMS")
    parser.add_argument("--root", type=Path, help="data root (default $PRUNEBENCH_DATA, else ~/.cache/prunebench/data)")
    args = parser.parse_args(argv)
    if not (args.archives / SUMS).exists():
        print(f"no offline data archives in {args.archives} (no {SUMS}); the loaders will look for the originals",
              file=sys.stderr)
        return 0
    try:
        for folder in unpack_all(args.archives, args.root):
            print(f"unpacked {folder}")
    except ArchiveError as error:
        print(f"prunebench data: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
