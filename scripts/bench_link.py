"""Benchmark the linker: N synthetic incidents and N synthetic recordings, bulk-inserted, then linked.

    python scripts/bench_link.py [--n 1000000] [--db FILE] [--keep]

Prints the generation time, the link time, the link counts, the linker's peak memory and CPU time (the link runs
in a child process so the figures are its own) and the load average (on a shared machine wall time follows it). The data: incidents spread over one year across a 20 km city; 70 % of
recordings belong to an incident (some carry its number, some its unit, most a GPS track near it), 30 % are decoys
at random times and places, 10 % of all recordings without any position.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bodycam_index import db as store

YEAR_START = datetime(2023, 1, 1, tzinfo=UTC).timestamp()
YEAR_S = 365 * 86400
LAT0, LON0, LAT_SPAN, LON_SPAN = 47.50, -122.45, 0.18, 0.26


def iso(t: float) -> str:
    """Epoch seconds as stored text."""
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def generate(path: Path, n: int, seed: int = 1) -> None:
    """Bulk-insert n incidents and n recordings (with units, hints and fixes)."""
    rnd = random.Random(seed)
    db = store.connect(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    incidents = []
    for k in range(n):
        t = YEAR_START + rnd.random() * YEAR_S
        incidents.append((t, LAT0 + rnd.random() * LAT_SPAN, LON0 + rnd.random() * LON_SPAN))
    with conn:
        conn.executemany(
            "INSERT INTO incidents (id, number, source, received_utc, dispatched_utc, arrived_utc, cleared_utc,"
            " lat, lon, requires_footage) VALUES (?, ?, 'bench', ?, ?, ?, ?, ?, ?, 1)",
            (
                (k + 1, f"2023{k:09d}", iso(t), iso(t + 120), iso(t + 600), iso(t + 600 + 60 * (k % 90 + 10)), la, lo)
                for k, (t, la, lo) in enumerate(incidents)
            ),
        )
        conn.executemany(
            "INSERT INTO incident_units (incident_id, unit) VALUES (?, ?)",
            ((k + 1, f"U{k % 2000}") for k in range(0, n, 10)),
        )
    footage, fixes, hints = [], [], []
    for f in range(1, n + 1):
        if rnd.random() < 0.7:
            k = rnd.randrange(n)
            t, la, lo = incidents[k]
            start = t + 600 - rnd.random() * 300
            unit = f"U{k % 2000}" if k % 10 == 0 else None
            if rnd.random() < 0.2:
                hints.append((f, f"2023{k:09d}"))
        else:
            start = YEAR_START + rnd.random() * YEAR_S
            la, lo = LAT0 + rnd.random() * LAT_SPAN, LON0 + rnd.random() * LON_SPAN
            unit = None
        placed = rnd.random() >= 0.1
        duration = 300 + rnd.random() * 2100
        footage.append((f, f"/bench/{f}.mp4", iso(start), iso(start + duration), duration, unit,
                        la if placed else None, lo if placed else None, 2 if placed else 0))
        if placed:
            for off in (0.0, duration / 2):
                fixes.append((f, iso(start + off), la + rnd.uniform(-0.001, 0.001), lo + rnd.uniform(-0.001, 0.001)))
    with conn:
        conn.executemany(
            "INSERT INTO footage (id, path, status, start_utc, end_utc, duration_s, zone_kind, unit, lat, lon,"
            " fix_count) VALUES (?, ?, 'ok', ?, ?, ?, 'utc', ?, ?, ?, ?)",
            footage,
        )
        conn.executemany("INSERT INTO gps_fixes (footage_id, t_utc, lat, lon) VALUES (?, ?, ?, ?)", fixes)
        conn.executemany(
            "INSERT INTO footage_hints (footage_id, kind, value, normalized) VALUES (?, 'incident_number', ?, ?)",
            ((f, h, h) for f, h in hints),
        )
    db.close()


def link_child(path: Path) -> None:
    """Run in the child process: link and print the result."""
    from bodycam_index.link import relink

    start = time.perf_counter()
    stats = relink(store.connect(path))
    print(f"link: {time.perf_counter() - start:.1f} s; footage {stats.footage:,}, incidents {stats.incidents:,}, "
          f"links {stats.links}")


def main() -> None:
    """Generate, link in a child process, report time and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--reuse", action="store_true", help="link the --db from an earlier run, if it exists")
    parser.add_argument("--link-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.link_only:
        link_child(args.link_only)
        return
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.db"
    if args.reuse and path.exists():
        print(f"reusing {path}")
    else:
        start = time.perf_counter()
        generate(path, args.n)
        print(f"generate {args.n:,} incidents + {args.n:,} recordings: {time.perf_counter() - start:.1f} s")
    # GNU time forks the linker from a small process: forked from this one (which holds the generated rows), the
    # child would count this process's memory as its own peak.
    load = os.getloadavg()[0]
    with tempfile.NamedTemporaryFile("r") as peak:
        subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", peak.name, sys.executable, __file__, "--link-only",
                        str(path)], check=True)
        kib, user, system = peak.read().split()[-3:]
    print(f"link peak memory (RSS): {int(kib) / 1024:,.0f} MiB; CPU {float(user) + float(system):.1f} s; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
    if not args.keep:
        tmp.cleanup()


if __name__ == "__main__":
    main()
