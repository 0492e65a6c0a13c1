"""Where one `scan --no-hash` spends its CPU: the steps the CLI takes, timed in one process (workers off).

    python scripts/scan_breakdown.py TREE [--repeats 3]

Each repeat runs in a fresh interpreter (imports are the point) with its bytecode cache on, scanning TREE into a new
database, and prints CPU seconds for: importing click, the CLI's modules, the scan's modules and sqlite-utils;
opening a new database (schema); discovery; the scan itself, split into the imports it triggers (parsers,
sidecar readers), the zone index (the first zone lookup, which builds it) and the rest (the work on the files).
The minimum of each step over the repeats is printed last. Then the floor: a process that loads only the libraries
every scan needs (`LIBRARIES`), and ExifTool `-ee3` on the same tree, whose ratio is the most any scan built on those
libraries could reach on this tree.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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


#: A process that only starts the interpreter and loads what every scan of real footage needs: click (the CLI),
#: sqlite-utils (the database layer, as `db` imports it), exifread (EXIF) and tzfpy's zone index (a zone at a GPS
#: position): no file is read.
LIBRARIES = ("import click; from bodycam_index.db import _sqlite_utils; _sqlite_utils(); import exifread; "
             "import tzfpy; tzfpy.get_tz(-122.33, 47.61)")


def child_cpu(command: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one child process, run to its end with its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def print_floor(tree: str, repeats: int, env: dict[str, str]) -> None:
    """The libraries' start-up alone against ExifTool on the same tree: the best ratio any scan built on them
    could reach there, however little it did per file."""
    floor = min(child_cpu([sys.executable, "-c", LIBRARIES], env) for _ in range(repeats + 1))
    print(f"  {'libraries alone':<18} min {floor:.3f}   (start-up + click + sqlite-utils + exifread + zone index)")
    if shutil.which("exiftool") is None:
        return
    exiftool = min(child_cpu(["exiftool", "-j", "-r", "-ee3", "-n", tree], env) for _ in range(repeats))
    print(f"  exiftool -ee3      min {exiftool:.3f}   -> 10x needs <= {exiftool / 10:.3f} s; the libraries alone "
          f"allow at most {exiftool / floor:.1f}x")


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
    print_floor(args.tree, args.repeats, env)


if __name__ == "__main__":
    main()
