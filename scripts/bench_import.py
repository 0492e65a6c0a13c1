"""Benchmark `import_incidents`: generate N CAD rows (default 1,000,000) in a temp dir, import, print rows/s and
peak memory (this process, and the helper process that parses files of `HELPER_BYTES` and more), against the floor
measured in the same run: the same file read with `csv.reader` and stored as it is with one `executemany` into a
table of as many TEXT columns (no parsing, no grouping, no index), in its own database. The goal (issue 14) is an
import at least half as fast as that floor. A third figure, the writes alone, is what the import's own statements
cost on this schema: the stored incidents read back (untimed) and written into a fresh database with the importer's
inserts (incidents with their keys and indexes, each incident's own number as an alias), batches and transactions.

The generated file looks like a current Seattle CAD export (12-hour unpadded times, Pacific, YYYY + 9-digit event
numbers, blurred coordinates); every tenth incident has a second row, as files with one row per unit do.
Run: `.venv/bin/python scripts/bench_import.py [ROWS] [REPEATS]` (import and floor alternate; min reported).
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bodycam_index.db import connect
from bodycam_index.incidents import store
from bodycam_index.incidents.importer import BATCH, import_incidents

HEADER = ["CAD Event Number", "Event Clearance Description", "Call Type", "Priority", "Initial Call Type",
          "Final Call Type", "Original Time Queued", "Arrived Time", "Precinct", "Sector", "Beat",
          "Blurred_Longitude", "Blurred_Latitude"]
TYPES = ["THEFT - ALL OTHER", "ASLT - IP/JO - WITH OR W/O WPNS", "DISTURBANCE, MISCELLANEOUS", "TRAFFIC STOP",
         "SUSPICIOUS PERSON", "ALARM - COMM", "WELFARE CHECK"]


def _stamp(value: datetime) -> str:
    hour = value.hour % 12 or 12
    return f"{value:%m/%d/%Y} {hour}:{value:%M:%S} {'PM' if value.hour >= 12 else 'AM'}"


def generate(path: Path, rows: int, seed: int = 4) -> None:
    """Write a synthetic CAD export of `rows` rows."""
    rng = random.Random(seed)
    start = datetime(2018, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        written, seq = 0, 0
        while written < rows:
            seq += 1
            received = start + timedelta(seconds=seq * 31 + rng.randrange(30))
            arrived = received + timedelta(seconds=rng.randrange(60, 3600))
            base = [f"{received.year}{seq:09d}", "ASSISTANCE RENDERED", rng.choice(("911", "ONVIEW")),
                    str(rng.randrange(1, 8)), rng.choice(TYPES), "--" + rng.choice(TYPES), _stamp(received),
                    _stamp(arrived) if rng.random() < 0.85 else "", "EAST", "CHARLIE", "C3",
                    f"{-122.3 + rng.random() / 10:.7f}", f"{47.6 + rng.random() / 10:.7f}"]
            for _ in range(2 if seq % 10 == 0 else 1):
                writer.writerow(base)
                written += 1
                if written == rows:
                    break


def plain_insert(csv_path: Path, db_path: Path) -> tuple[int, float]:
    """The floor: rows read with `csv.reader` and inserted as they are with `executemany`; (rows, seconds)."""
    t0 = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        width = len(next(reader))
        conn.execute(f"CREATE TABLE plain ({', '.join(f'c{i} TEXT' for i in range(width))})")
        conn.execute("BEGIN")
        cur = conn.executemany(f"INSERT INTO plain VALUES ({', '.join('?' * width)})", reader)
        conn.execute("COMMIT")
    rows = cur.rowcount
    conn.close()
    return rows, time.perf_counter() - t0


def writes_alone(source: Path, target: Path) -> tuple[float, float]:
    """The import's writes of the incidents stored in `source`, into a fresh database at `target`, timed alone:
    (wall seconds, CPU seconds)."""
    rows = sqlite3.connect(source).execute(f"SELECT id, {', '.join(store.INCIDENT_COLUMNS)} FROM incidents ORDER BY id")
    db = connect(target)
    wall = cpu = 0.0
    with store.bulk_load(db.conn):
        while batch := rows.fetchmany(BATCH):
            t0, c0 = time.perf_counter(), time.process_time()
            with store.immediate(db.conn):
                store.insert(db.conn, batch)
                store.add_own_aliases(db.conn, batch[0][0], batch[-1][0])
            wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
    db.conn.close()
    return wall, cpu


def main() -> None:
    """Generate, import, report."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "calls.csv"
        t0 = time.perf_counter()
        generate(csv_path, rows)
        print(f"generated {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        load = os.getloadavg()[0]
        imports, floors = [], []
        for k in range(repeats):  # alternated, each into a fresh database: on a shared machine the min is fairest
            db = connect(Path(tmp) / f"bench{k}.db")
            children = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
            t0, c0 = time.perf_counter(), time.process_time()
            report = import_incidents(db, csv_path, preset="seattle-cad", tz="America/Los_Angeles")
            imports.append((time.perf_counter() - t0, time.process_time() - c0,
                            sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - children))
            p0 = time.process_time()
            plain_rows, plain = plain_insert(csv_path, Path(tmp) / f"plain{k}.db")
            floors.append((plain, time.process_time() - p0))
        elapsed, cpu, helper_cpu = min(imports)
        written, written_cpu = writes_alone(Path(tmp) / f"bench{repeats - 1}.db", Path(tmp) / "writes.db")
        plain, plain_cpu = min(floors)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(report.summary())
        print(f"import (min of {repeats}): {elapsed:.1f} s wall, {report.rows / elapsed:,.0f} rows/s ({cpu:.1f} s CPU "
              f"in this process, {helper_cpu:.1f} s in the helper that parses); all: "
              f"{', '.join(f'{i[0]:.1f}' for i in imports)} s")
        print(f"floor (csv.reader + executemany, same file, same run, min of {repeats}): {plain:.1f} s wall "
              f"({plain_cpu:.1f} s CPU), {plain_rows / plain:,.0f} rows/s; all: "
              f"{', '.join(f'{f[0]:.1f}' for f in floors)} s")
        print(f"import speed = {plain / elapsed:.0%} of the floor (goal >= 50%); CPU: floor {plain_cpu:.1f} s, import "
              f"{cpu:.1f} s here + {helper_cpu:.1f} s in parallel")
        print(f"the import's writes alone (same incidents, its statements, batches and transactions): {written:.1f} s "
              f"wall ({written_cpu:.1f} s CPU) = {written / plain:.1f}x the floor")
        print(f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
        print(f"peak RSS {peak / 1024:.0f} MB (before import {before / 1024:.0f} MB); "
              f"helper process {helper / 1024:.0f} MB")
        t0 = time.perf_counter()
        again = import_incidents(db, csv_path, preset="seattle-cad", tz="America/Los_Angeles")
        elapsed = time.perf_counter() - t0
        print(f"re-import: {again.summary()}; {elapsed:.1f} s, {again.rows / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main()
