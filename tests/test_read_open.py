"""Read commands open the database read-only (`mode=ro`, stdlib sqlite3): SQLite itself refuses their writes, the
file is left as it was, and an older or empty database is still brought up to date first when it can be written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bodycam_index import db as store
from bodycam_index.cli import main


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _current(path: Path) -> None:
    """A current, empty database with one incident, every writer closed (the WAL checkpointed into the file)."""
    db = store.connect(path)
    with db.atomic():
        db.execute("INSERT INTO incidents (number, source) VALUES ('24-1', 'cad')")
    db.close()


def test_the_read_connection_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    _current(path)
    reader = store.open_read(path)
    try:
        assert reader.execute("SELECT number FROM incidents").fetchall() == [("24-1",)]
        assert list(reader.query("SELECT number, source FROM incidents")) == [{"number": "24-1", "source": "cad"}]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM incidents")
    finally:
        reader.close()


@pytest.mark.parametrize("command", [["footage", "list"], ["incidents", "list"], ["audit", "verify"],
                                     ["gaps", "--as-of", "2024-06-01"], ["show", "24-1"]])
def test_a_read_command_leaves_the_database_file_as_it_was(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "index.db"
    _current(path)
    before = _digest(path)
    result = CliRunner().invoke(main, ["--db", str(path), *command])
    assert result.exit_code == 0, result.output
    assert _digest(path) == before


def test_an_empty_writable_file_gets_the_schema_as_before(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    path.touch()
    result = CliRunner().invoke(main, ["--db", str(path), "footage", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 of 0 recordings shown")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(store.SCHEMA_VERSION,)]
    conn.close()


def test_an_older_writable_database_is_migrated_before_a_read(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(store.SCHEMA)
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        conn.execute("INSERT INTO footage (id, path, status) VALUES (7, '/e/7.mp4', 'ok')")
    conn.close()
    result = CliRunner().invoke(main, ["--db", str(path), "footage", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert '"id": 7' in result.output
    assert len(list(tmp_path.glob("index.db.schema1-*.bak"))) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(store.SCHEMA_VERSION,)]
    conn.close()
