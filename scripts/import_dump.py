"""Dump what the incidents import stores, to compare two versions of the importer row by row.

Imports each CAD file of the corpus (with the zone tests/test_incidents_corpus.py gives it, preset detected), all of
them into one database, and a generated export of N rows (`bench_import.generate`), each imported twice (the
generated one then followed, twice, by an export of the same numbers with other values); writes
one text file per database into OUT_DIR: the report of each import and every row of `incidents` (all columns but
`imported_utc`), `incident_aliases` and `incident_units`, sorted. Two runs agree when `diff -r` finds nothing.

Run: `.venv/bin/python scripts/import_dump.py OUT_DIR [ROWS]` (ROWS default 200,000; 0 leaves the generated file out).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import generate

from bodycam_index.db import connect
from bodycam_index.incidents.importer import import_incidents

CAD = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "cad"
SEATTLE, CHICAGO = "America/Los_Angeles", "America/Chicago"
FILES = [
    ("seattle_call_data_dennyblaine_2018-2023.csv", SEATTLE),
    ("seattle_911_incident_response_clanfear.csv", SEATTLE),
    ("dallas_active_calls_are8-xahz_ghfox.csv", CHICAGO),
    ("nopd_use_of_force_hk131999.csv", CHICAGO),
    ("seattle_use_of_force_galenegan.tsv", SEATTLE),
    ("portal_samples/28ec-c8d6.csv", CHICAGO),
    ("portal_samples/wgrp-d3ma.csv", CHICAGO),
    ("portal_samples/xviu-ezkt.csv", "America/New_York"),
    ("portal_samples/hz9m-tj6z.csv", SEATTLE),
    ("portal_samples/mgue-vbsx.csv", SEATTLE),
]
TABLES = {
    "incidents": "SELECT * FROM incidents",
    "incident_aliases": "SELECT incident_id, alias, raw FROM incident_aliases",
    "incident_units": "SELECT * FROM incident_units",
}


def dump(db_path: Path, reports: list[str], out: Path, tmp: str) -> None:
    """Write the reports and the three tables' rows (sorted, `imported_utc` left out, the temporary folder `tmp`
    written as `TMP`) to `out`."""
    db = connect(db_path)
    with out.open("w", encoding="utf-8") as fh:
        fh.writelines(line + "\n" for line in reports)
        for table, sql in TABLES.items():
            cursor = db.conn.execute(sql)
            names = [d[0] for d in cursor.description]
            keep = [i for i, name in enumerate(names) if name != "imported_utc"]
            rows = sorted(json.dumps([row[i] for i in keep]).replace(tmp, "TMP") for row in cursor)
            fh.write(f"## {table} {[names[i] for i in keep]} {len(rows)} rows\n")
            fh.writelines(row + "\n" for row in rows)
    db.conn.close()


def main() -> None:
    """Import, re-import, dump."""
    out = Path(sys.argv[1])
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        once = [[(CAD / name, tz, None)] for name, tz in FILES]
        jobs = [(name.replace("/", "_"), files * 2) for (name, _), files in zip(FILES, once, strict=True)]
        jobs.append(("all_in_one", [f for files in once for f in files] * 2))
        if rows:
            generated, changed = Path(tmp) / "generated.csv", Path(tmp) / "generated_changed.csv"
            generate(generated, rows)
            generate(changed, rows, seed=5)  # same numbers, other values: every incident updated
            steps = [(generated, SEATTLE, "seattle-cad"), (changed, SEATTLE, "seattle-cad")]
            jobs.append((f"generated_{rows}", [steps[0], steps[0], steps[1], steps[1]]))
        for label, files in jobs:
            db_path = Path(tmp) / f"{label}.db"
            db = connect(db_path)
            reports = []
            for path, tz, preset in files:
                report = import_incidents(db, path, tz=tz, preset=preset)
                skipped = [(s.line, s.reason) for s in report.skipped_rows]
                reports.append(f"{path.name}: {report.preset} {report.summary()} {skipped}")
            db.conn.close()
            dump(db_path, reports, out / f"{label}.txt", tmp)
            print(label, reports[-1][:120])


if __name__ == "__main__":
    main()
