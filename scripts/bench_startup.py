"""Time the read commands as a user runs them: whole child processes of the installed `bodycam-index`, on a small
database built from `sample_media/` (the README's story: scan, CAD export, roster, DEMS inventory, link, one manual
link).

    python scripts/bench_startup.py [--repeats 5] [--db FILE] [--bin PATH] [--before PATH]

Each command runs once to warm the cache (and write the bytecode cache), then `--repeats` times, the commands
alternating (and with `--before`, another build's executable alternating with this one, for a before/after on the
same load); min and median of wall seconds and of CPU seconds (user + system of the child, from `wait4`) are
printed with the load average. The environment is passed on without `PYTHONDONTWRITEBYTECODE`, as an installed
tool runs after its first run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LA = "America/Los_Angeles"

#: The read commands, as a user types them after `bodycam-index --db DB`.
COMMANDS = [
    ["--help"],
    ["footage", "list"],
    ["footage", "show", "1"],
    ["show", "2024-000451"],
    ["incidents", "list"],
    ["incidents", "show", "2024-451"],
    ["gaps", "--as-of", "2024-06-01", "--tz", LA],
    ["audit", "list"],
    ["audit", "verify"],
    ["export", "geojson"],
    ["sample", "--n", "2", "--seed", "1", "--as-of", "2024-06-01"],
    ["verify"],
]


def build(binary: str, folder: Path) -> Path:
    """The README's sample database in `folder`."""
    shutil.copytree(ROOT / "sample_media", folder / "sample_media")
    db = folder / "sample.db"
    media = folder / "sample_media"
    steps = [
        ["scan", "-j", "1", str(media / "footage"), "--tz", LA],
        ["import-incidents", str(media / "exports" / "cad_calls.csv"), "--preset", "seattle-cad", "--tz", LA],
        ["import-roster", str(media / "exports" / "roster.csv"), "--tz", LA],
        ["import-footage-list", str(media / "exports" / "dems_inventory.csv"), "--preset", "axon", "--tz", LA],
        ["link"],
        ["link", "add", str(media / "footage" / "dashcam" / "2024_0301_143000_0007F.MP4"), "2024-000453",
         "--reason", "benchmark"],
    ]
    for step in steps:
        subprocess.run([binary, "--db", str(db), *step], check=True, capture_output=True)
    return db


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and exit code of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--db", type=Path, help="An existing database (default: the sample, built in a temp folder).")
    parser.add_argument("--bin", default=shutil.which("bodycam-index", path=str(Path(sys.executable).parent)),
                        help="The bodycam-index executable (default: beside this Python).")
    parser.add_argument("--before", help="Another bodycam-index executable to time alternately (e.g. an older build).")
    args = parser.parse_args()
    if not args.bin:
        sys.exit("bodycam-index not found beside this Python: give --bin")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    builds = {"before": args.before, "after": args.bin} if args.before else {"": args.bin}
    with tempfile.TemporaryDirectory(prefix="bench-startup") as tmp:
        db = args.db or build(args.bin, Path(tmp))
        runs = [(label, k, [binary, "--db", str(db), *command]) for k, command in enumerate(COMMANDS)
                for label, binary in builds.items()]
        for _, _, argv in runs:
            run_once(argv, env)
        walls: dict[tuple[str, int], list[float]] = {(label, k): [] for label, k, _ in runs}
        cpus: dict[tuple[str, int], list[float]] = {(label, k): [] for label, k, _ in runs}
        codes: dict[tuple[str, int], int] = {}
        for _ in range(args.repeats):
            for label, k, argv in runs:
                wall, cpu, codes[label, k] = run_once(argv, env)
                walls[label, k].append(wall)
                cpus[label, k].append(cpu)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.repeats} repeats; seconds")
    print(f"{'command':<52} {'':<6} {'wall min':>8} {'median':>7} {'CPU min':>8} {'median':>7}  exit")
    for label, k, _ in runs:
        wall, cpu = walls[label, k], cpus[label, k]
        print(f"{' '.join(COMMANDS[k]):<52} {label:<6} {min(wall):8.3f} {statistics.median(wall):7.3f} "
              f"{min(cpu):8.3f} {statistics.median(cpu):7.3f}  {codes[label, k]}")


if __name__ == "__main__":
    main()
