"""The link commands on the command line: shared window options, --json, and manual links that echo what the
references resolved to."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from test_link import HOME, add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.cli import main


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    db = store.connect(path)
    add_incident(db, "A1", 0)
    add_footage(db, "one.mp4", 2, fixes=[(1, *HOME)])
    add_footage(db, "two.mp4", 300)
    db.close()
    return path


def test_link_json_and_window_options(tmp_path: Path) -> None:
    path = _db(tmp_path)
    result = CliRunner().invoke(main, ["link", "--json", "--radius", "1km", "--before", "1h", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"incidents": 1, "footage": 2, "links": {"time+place": 1}, "uncertain": 0,
                                         "manual_kept": 0}
    bad = CliRunner().invoke(main, ["--db", str(path), "link", "--radius", "near"])
    assert bad.exit_code == 2 and "bad distance 'near' (use e.g. 300m, 1km)" in bad.stderr


def test_manual_link_echoes_the_resolved_recording_and_incident(tmp_path: Path) -> None:
    path = _db(tmp_path)
    added = CliRunner().invoke(main, ["--db", str(path), "link", "add", "two.mp4", "A1", "--reason", "seen"])
    assert added.exit_code == 0, added.output
    assert added.stdout == "manual link 1: /media/two.mp4 (footage 2) → incident A1 (audited)\n"
    removed = CliRunner().invoke(main, ["--db", str(path), "link", "remove", "1", "A1", "--reason", "other call",
                                        "--json"])
    assert json.loads(removed.stdout) == {"link_id": 2, "footage_id": 1, "footage": "/media/one.mp4",
                                          "incident_id": 1, "incident": "A1", "excluded": 1, "reason": "other call"}
    missing = CliRunner().invoke(main, ["--db", str(path), "link", "add", "nine.mp4", "A1", "--reason", "x"])
    assert missing.exit_code == 2
    assert missing.stderr == "error: no recording matches 'nine.mp4' (give an id, a path or a sha256 prefix)\n"


def test_gaps_output_dash_is_stdout(tmp_path: Path) -> None:
    path = _db(tmp_path)
    result = CliRunner().invoke(main, ["--db", str(path), "gaps", "--format", "json", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "summary" in json.loads(result.stdout) and not Path("-").exists()
