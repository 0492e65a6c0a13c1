"""Where one `scan --no-hash` spends its CPU: the steps the CLI takes, timed in one process (workers off).

    python scripts/scan_breakdown.py TREE [--repeats 3]

Each repeat runs in a fresh interpreter (imports are the point) with its bytecode cache on, scanning TREE into a new
database, and prints CPU seconds for: importing click, the CLI's modules, the scan's modules and sqlite-utils;
opening a new database (schema); discovery; the scan itself, split into the imports it triggers (parsers,
sidecar readers), the zone index (the first zone lookup, which builds it) and the rest (the work on the files).
The minimum of each step over the repeats is printed last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ("click", "cli modules", "scan modules", "sqlite-utils", "open + schema", "discovery", "scan: imports",
         "scan: zone index", "scan: the rest", "total")


def measure(tree: str, db: str) -> dict[str, float]:
    """One scan of `tree`, timed step by step (run in a child interpreter)."""
    clock = time.process_time
    marks = {"start": clock()}
    import click  # noqa: F401

    marks["click"] = clock()
    import bodycam_index.cli.footage  # noqa: F401

    marks["cli modules"] = clock()
    from bodycam_index import scan, zones

    marks["scan modules"] = clock()
    from bodycam_index import db as store

    store._sqlite_utils()
    marks["sqlite-utils"] = clock()
    database = store.connect(db)
    marks["open + schema"] = clock()
    list(scan.discover([Path(tree)]))
    marks["discovery"] = clock()

    spent = {"imports": 0.0, "zone": 0.0}
    busy = [False]
    import builtins
    import importlib

    def timed(kind: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            if busy[0]:
                return function(*args, **kwargs)
            busy[0] = True
            began = clock()
            try:
                return function(*args, **kwargs)
            finally:
                spent[kind] += clock() - began
                busy[0] = False
        return wrapper

    builtins.__import__ = timed("imports", builtins.__import__)
    importlib.import_module = timed("imports", importlib.import_module)
    first_lookup = zones.zone_at
    zones.zone_at = timed("zone", first_lookup)
    began = clock()
    scan.scan_paths(database, [Path(tree)], hash=False, jobs=1)
    scanned = clock() - began
    database.close()
    out, previous = {}, marks["start"]
    for step in STEPS[:6]:
        out[step] = marks[step] - previous
        previous = marks[step]
    out["scan: imports"] = spent["imports"]
    out["scan: zone index"] = spent["zone"]  # the first lookup builds the index; later ones are microseconds
    out["scan: the rest"] = scanned - spent["imports"] - spent["zone"]
    out["total"] = clock() - marks["start"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(args.tree, str(Path(tmp, "scan.db")))))
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    for _ in range(args.repeats + 1):  # the first run writes the bytecode cache and is not counted
        done = subprocess.run([sys.executable, __file__, args.tree, "--child"], env=env, capture_output=True,
                              text=True, check=True)
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    runs = runs[1:]
    print(f"{args.tree}: CPU seconds, {args.repeats} runs, load {os.getloadavg()[0]:.1f}")
    for step in STEPS:
        values = " ".join(f"{run[step]:.3f}" for run in runs)
        print(f"  {step:<18} min {min(run[step] for run in runs):.3f}   ({values})")


if __name__ == "__main__":
    main()
