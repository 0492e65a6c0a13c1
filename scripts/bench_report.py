"""Benchmark the gap report: time to build and render every format on bench_link's synthetic data.

    python scripts/bench_report.py [--n 100000] [--db FILE]

With `--db` an existing database is used as it is (generated and linked when the file does not exist yet).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_link import generate

from bodycam_index import db as store
from bodycam_index.link import relink
from bodycam_index.reports.gaps import build_report
from bodycam_index.reports.render import FORMATS, render


def main() -> None:
    """Generate (if needed), link, then time the report's build and each rendering."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.db"
    if not path.exists():
        generate(path, args.n)
        relink(store.connect(path))
    db = store.connect(path)
    incidents = db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
    start = time.perf_counter()
    report = build_report(db)
    print(f"{incidents:,} incidents: build {time.perf_counter() - start:.1f} s")
    for fmt in FORMATS:
        start = time.perf_counter()
        text = render(report, fmt)
        print(f"  {fmt:<5} {time.perf_counter() - start:5.1f} s  {len(text) / 1e6:6.1f} MB")
    print(f"peak memory (RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    tmp.cleanup()


if __name__ == "__main__":
    main()
