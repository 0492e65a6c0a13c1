"""Stop the whole sample batch (scan of sample_media/footage, the three imports, link, link add, link remove) at
every single database write, with SIGKILL and with Ctrl-C, and report kill points tried, consistency problems and
records lost. The CI test (tests/test_kill.py) does the same at the distinct points of a smaller batch.

    .venv/bin/python scripts/kill_sweep.py [--signal KILL|INT] [--json]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import killharness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signal", choices=["KILL", "INT"], action="append", help="default: both")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        figures = killharness.sweep(Path(work), killharness.steps(), tuple(args.signal or ("KILL", "INT")),
                                    every=True, progress=lambda text: print(text, file=sys.stderr))
    if args.json:
        print(figures.as_json())
    else:
        for step, count in figures.points.items():
            print(f"{step:<28} {count:>4} kill points")
        print(f"total {sum(figures.points.values())} kill points in {time.monotonic() - started:.0f} s: "
              f"{len(figures.problems)} consistency problems, {len(figures.lost)} records lost")
        for line in figures.problems + figures.lost:
            print(f"  {line}")
    return 1 if figures.problems or figures.lost else 0


if __name__ == "__main__":
    sys.exit(main())
