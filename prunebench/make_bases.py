"""`make baselines`: every dense base a scale's reproductions prune, trained afresh and committed under
`baselines/shipped/` with its manifest entry (`prunebench.shipped_bases`); each one's test top-1 is printed beside
the one the manifest held. A base is a dense run that another declared run starts from: what the papers call the
pretrained model.

    python -m prunebench.make_bases --list              # the bases the quick scale declares, shipped or not
    python -m prunebench.make_bases --only resnet18     # re-make the bases whose run id contains "resnet18"
    python -m prunebench.make_bases --from-cache        # ship the bases a reproduction already trained into the cache
"""
from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from prunebench.config import Operational, RunConfig
from prunebench.disk import file_sha256
from prunebench.methods import METHODS
from prunebench.metric_names import after_finalize
from prunebench.paths import RunPaths
from prunebench.reproduction import load, scripts
from prunebench.runner import RunResult, run
from prunebench.scales import SCALES, NotRunAtScale, Scale
from prunebench.shipped_bases import FILES, MANIFEST, SHIPPED, ShippedBase, read_manifest, write_manifest
from prunebench.training_options import add_location_options, operational

REMAKE_ROOT = Path("baselines") / "remake"  # where a base is trained afresh (the cache may hold the shipped copy)


def declared_bases(scale: Scale) -> dict[str, RunConfig]:
    """run id -> config of every dense run that a run some reproduction declares at `scale` starts from."""
    bases: dict[str, RunConfig] = {}
    for name in scripts():
        try:
            arms = load(name).arms(scale, None)
        except NotRunAtScale:
            continue
        for config in (c for arm in arms for c in arm.config.lineage):
            parent = config.parent
            if parent is not None and parent.method in METHODS and METHODS.get(parent.method).trains_baselines:
                bases[parent.run_id] = parent
    return bases


def ship(result: RunResult, command: str, root: Path = SHIPPED) -> ShippedBase:
    """Copy a finished base's files under `root` and describe them."""
    target = root / result.config.run_id
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(result.paths.dir / name, target / name)
    return ShippedBase(
        run_id=result.config.run_id, sha256={name: file_sha256(target / name) for name in FILES},
        top1=result.metrics[after_finalize("top1", "dense")], recipe=result.config.to_json(), command=command,
        machine=result.provenance.get("device", "unknown"), wall_seconds=round(result.wall_seconds, 1),
        finished_at=result.provenance.get("finished_at", "unknown"),
    )


def make(bases: dict[str, RunConfig], scale: str, ops: Operational, from_cache: bool) -> list[str]:
    """Train (or, `from_cache`, take) each base, ship it and rewrite the manifest after each: a killed run keeps the
    bases it finished. The lines compare each new top-1 with the manifest's."""
    shipped = read_manifest()
    source = ops if from_cache else replace(ops, baselines_root=REMAKE_ROOT)
    lines = []
    for run_id, config in bases.items():
        if from_cache and not RunPaths(config, ops.runs_root, ops.baselines_root).result.exists():
            lines.append(f"{run_id}: not in {ops.baselines_root}; train it (without --from-cache) first")
            continue
        before = shipped.get(run_id)
        result = run(config, replace(source, shipped_bases=False))
        shipped[run_id] = ship(result, f"python -m prunebench.make_bases --scale {scale} --only {run_id}")
        write_manifest(shipped)
        was = f"{before.top1:.2f}" if before else "none"
        lines.append(f"{run_id}: top-1 {shipped[run_id].top1:.2f} (manifest before: {was}), "
                     f"{shipped[run_id].wall_seconds / 60:.1f} min")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m prunebench.make_bases", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--scale", default="quick", choices=SCALES.names(), help="whose bases (default quick)")
    parser.add_argument("--only", metavar="TEXT", help="the bases whose run id contains TEXT")
    parser.add_argument("--list", action="store_true", help="list the bases and whether each is shipped; train nothing")
    parser.add_argument("--from-cache", action="store_true",
                        help="ship the finished bases of --baselines-root as they are, training none")
    add_location_options(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bases = {k: v for k, v in declared_bases(SCALES.get(args.scale)).items() if not args.only or args.only in k}
    if not bases:
        print(f"no base at scale {args.scale!r}" + (f" contains {args.only!r}" if args.only else ""), file=sys.stderr)
        return 2
    if args.list:
        shipped = read_manifest()
        for run_id in bases:
            print(f"{run_id}: " + (f"shipped, top-1 {shipped[run_id].top1:.2f}" if run_id in shipped else "not shipped"))
        return 0
    for line in make(bases, args.scale, operational(args), args.from_cache):
        print(line)
    print(f"manifest: {MANIFEST.relative_to(MANIFEST.parents[1])}; runs cached from an earlier copy of a re-made base "
          f"started from other weights: delete them (make clean) before re-running their tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
