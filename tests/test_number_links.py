"""Number links end to end: an incident export and a DEMS inventory whose typed numbers name the same incidents in
other written forms; hints and incidents' own numbers go through one normalisation."""

from __future__ import annotations

import csv

import pytest

from bodycam_index.db import connect
from bodycam_index.incidents.dems import import_footage_list
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.normalize import canonical_number, incident_key
from bodycam_index.link import relink

MAP = {"number": "Case #", "received": "Date Occurred", "type": "Type"}
#: Incident numbers as the export writes them; prefix, year and sequence tell them apart.
INCIDENTS = ["GO-1727", "1727", "GO-1728", "CAD-1727", "GO16-104006", "GO17-104006", "2015-089852"]
#: What officers typed in the DEMS inventory → the incident it names (None: no incident has that number).
TYPED = {
    "GO-1727": "GO-1727", "go1727": "GO-1727", "GO 1727": "GO-1727", "go_1727": "GO-1727",
    "Case # GO-1727": "GO-1727", "1727": "1727", "#1727": "1727", "GO-1728": "GO-1728", "cad 1727": "CAD-1727",
    "GO-2016-104006": "GO16-104006", "go 16-0104006": "GO16-104006", "GO2017-104006": "GO17-104006",
    "Case # 2015-89852": "2015-089852", "GO-1729": None, "RMS-1727": None, "GO-2018-104006": None,
}


def _write(path, header, rows):
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.mark.parametrize(("typed", "number"), [(t, n) for t, n in TYPED.items() if n])
def test_hint_and_incident_number_share_one_key(typed, number):
    assert canonical_number(typed) == incident_key(number)


def test_typed_numbers_link_to_the_incident_in_any_written_form_and_only_to_it(tmp_path):
    db = connect(tmp_path / "t.db")
    export = tmp_path / "cad.csv"
    _write(export, ["Case #", "Date Occurred", "Type"],
           [[n, f"2024-03-0{1 + i % 7} 10:00", "THEFT"] for i, n in enumerate(INCIDENTS)])
    assert import_incidents(db, export, mapping=MAP, tz="UTC").new == len(INCIDENTS)
    inventory = tmp_path / "dems.csv"
    # recorded years away from every incident, so only the number can link them
    _write(inventory, ["evidence_id", "id_external", "created_date_record_start", "duration_seconds"],
           [[f"E{i}", typed, "2020-01-01T00:00:00", "60"] for i, typed in enumerate(TYPED)])
    assert import_footage_list(db, inventory).new == len(TYPED)
    relink(db)
    got = {}
    for typed, raw, method in db.execute(
            "SELECT h.value, i.number_raw, l.method FROM footage_hints h JOIN links l ON l.footage_id = h.footage_id"
            " JOIN incidents i ON i.id = l.incident_id"):
        assert method == "number"
        got.setdefault(typed, []).append(raw)
    assert got == {typed: [number] for typed, number in TYPED.items() if number}
