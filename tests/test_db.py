"""Opening the database: read commands refuse a missing one, read-only files and folders open read-only, schema
versions are checked and migrated with a backup, bad files give one line, writers wait for each other."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.scan import scan_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from mp4_writer import Recording, write_mp4

READ_COMMANDS = [["gaps", "--fail-on-gaps"], ["footage", "list"], ["incidents", "list"], ["export", "geojson"],
                 ["audit", "list"], ["verify"], ["show", "1"], ["footage", "show", "1"]]


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c))
def test_read_commands_refuse_a_missing_database(tmp_path: Path, command: list[str]) -> None:
    code, output = _cli("--db", str(tmp_path / "typo.db"), *command)
    assert code == 2, output
    assert output.strip() == f"error: no database at {tmp_path / 'typo.db'} (from --db): scan footage or import " \
                             "incidents first"
    assert not (tmp_path / "typo.db").exists()


def test_missing_database_message_names_the_environment_and_the_default(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _cli("gaps", env={"BODYCAM_INDEX_DB": str(tmp_path / "env.db")})
    assert code == 2 and f"{tmp_path / 'env.db'} (from $BODYCAM_INDEX_DB)" in output
    monkeypatch.chdir(tmp_path)
    code, output = _cli("footage", "list", env={"BODYCAM_INDEX_DB": ""})
    assert code == 2 and "bodycam_index.db (the default; --db FILE or $BODYCAM_INDEX_DB names another)" in output
    assert os.listdir(tmp_path) == []


def test_bad_database_files_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("not sqlite at all " * 100)
    code, output = _cli("--db", str(tmp_path / "notes.db"), "footage", "list")
    assert (code, output.strip()) == (2, (f"error: cannot use database {tmp_path / 'notes.db'} (from --db): file is "
                                          "not a database"))
    code, output = _cli("--db", str(tmp_path), "scan", str(tmp_path))
    assert (code, output.strip()) == (2, f"error: database {tmp_path} (from --db) is a folder, not a file")
    code, output = _cli("--db", str(tmp_path / "no" / "x.db"), "scan", str(tmp_path))
    assert code == 2 and output.strip().endswith(f"folder {tmp_path / 'no'} does not exist")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    store.connect(path).conn.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", [store.SCHEMA_VERSION + 1])
    for command in (["footage", "list"], ["scan", str(tmp_path / "nothing")]):
        (tmp_path / "nothing").mkdir(exist_ok=True)
        code, output = _cli("--db", str(path), *command)
        assert code == 2 and f"has schema version {store.SCHEMA_VERSION + 1}, newer than" in output


def _version_1_database(path: Path) -> None:
    """A database as version 1 wrote it: SCHEMA, three recordings with a time candidate each, a link to one."""
    with sqlite3.connect(path) as conn:
        conn.executescript(store.SCHEMA)
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        for fid in (1, 2, 3):
            conn.execute("INSERT INTO footage (id, path, status) VALUES (?, ?, 'ok')", [fid, f"/e/{fid}.mp4"])
            conn.execute("INSERT INTO time_candidates (footage_id, source, value, zone) VALUES (?, 'x', 'v', 'utc')",
                         [fid])
        conn.execute("INSERT INTO incidents (id, number, source) VALUES (1, '24-1', 'cad')")
        conn.execute("INSERT INTO links (footage_id, incident_id, method, score, reason, created_utc) "
                     "VALUES (3, 1, 'manual', 1, 'r', 't')")
    conn.close()


def test_older_schema_is_migrated_after_a_backup_and_ids_are_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    _version_1_database(path)
    db = store.connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(store.SCHEMA_VERSION,)]
    (backup,) = tmp_path.glob("index.db.schema1-*.bak")
    with sqlite3.connect(backup) as old:
        assert old.execute("SELECT version FROM schema_version").fetchone() == (1,)
        assert old.execute("SELECT COUNT(*) FROM footage").fetchone() == (3,)
    assert db.execute("SELECT COUNT(*) FROM time_candidates").fetchone() == (3,)
    assert db.execute("SELECT footage_id FROM links").fetchall() == [(3,)]
    assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'footage' AND type = 'index'")
            } >= {"footage_sha", "footage_time", "footage_serial", "footage_officer"}
    with db.atomic():
        db.execute("DELETE FROM footage WHERE id = 3")
    assert db.execute("SELECT COUNT(*) FROM links").fetchone() == (0,)  # cascade still in place
    with db.atomic():
        new_id = db.execute("INSERT INTO footage (path, status) VALUES ('/e/4.mp4', 'ok')").lastrowid
    assert new_id == 4
    db.conn.close()
    store.connect(path).conn.close()
    assert len(list(tmp_path.glob("*.bak"))) == 1   # a current database is not backed up again


_RUN_AS_OTHER = """
import json, sys
from click.testing import CliRunner
from bodycam_index.cli import main
results = [CliRunner().invoke(main, args) for args in json.loads(sys.argv[1])]
print(json.dumps([[r.exit_code, r.output] for r in results]))
"""


def _as_other_user(commands: list[list[str]], cwd: Path) -> list[tuple[int, str]]:
    """Run CLI commands as a user without write access to `cwd` (as `nobody` when the tests run as root)."""
    command = [sys.executable, "-c", _RUN_AS_OTHER, json.dumps(commands)]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop privileges")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=True,
                          env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    return [(code, output) for code, output in json.loads(done.stdout)]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder another user can reach (pytest's own tmp_path sits in a folder only its owner may enter)."""
    folder = Path(tempfile.mkdtemp(prefix="bodycam-ro-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


def test_read_only_folder_every_read_command_works(shared_tmp: Path) -> None:
    tmp_path = shared_tmp
    folder = tmp_path / "ro"
    write_mp4(tmp_path / "media" / "a.mov", Recording(5.0, keys={
        "com.apple.quicktime.creationdate": "2024-03-01T11:02:10-08:00"}))
    path = folder / "index.db"
    folder.mkdir()
    scan_paths(store.connect(path), [tmp_path / "media"])
    before = sorted(os.listdir(folder))
    for p in (tmp_path, tmp_path / "media", tmp_path / "media" / "a.mov", folder):
        p.chmod(0o755 if p.is_dir() else 0o644)
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        commands = [["--db", str(path), *c] for c in [*READ_COMMANDS[1:], ["footage", "list", "--json"]]]
        results = _as_other_user([*commands, ["--db", str(path), "scan", str(tmp_path / "media")]], tmp_path)
        for command, (code, output) in zip(commands, results, strict=False):
            assert code == 0, (command, output)
        assert [Path(r["path"]).name for r in json.loads(results[len(commands) - 1][1])] == ["a.mov"]
        assert results[-1][0] == 2 and "is read-only; this command writes to it" in results[-1][1]
    finally:
        folder.chmod(0o755)
    assert sorted(os.listdir(folder)) == before


def test_a_writer_waits_for_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    store.connect(path).conn.close()
    write_mp4(tmp_path / "media" / "a.mov", Recording(5.0))
    locked = threading.Event()

    def hold_the_lock() -> None:
        conn = sqlite3.connect(path)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO scans (started_utc, roots) VALUES ('x', '[]')")
        locked.set()
        time.sleep(6)    # longer than sqlite3's default 5 s timeout
        conn.commit()
        conn.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    locked.wait()
    started = time.monotonic()
    summary = scan_paths(store.connect(path), [tmp_path / "media"])
    holder.join()
    assert summary.new == 1 and time.monotonic() - started >= 5
