"""Hostile paths never stop or hang a scan: bad names, symlink loops, dangling links, FIFOs, devices, unreadable
folders; symlinks out of the root are not followed unless asked; evidence atime is left alone; workers die with
the scan."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.extract import reader
from bodycam_index.scan import scan_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from mp4_writer import Recording, write_mp4

KEYS = {"com.apple.quicktime.creationdate": "2024-03-01T11:02:10-08:00"}


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A scan that blocks on a FIFO fails the test instead of hanging the suite."""
    def timeout(*args: object) -> None:
        raise TimeoutError("the scan hung")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _rows(db_file: Path) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in store.connect(db_file).query("SELECT * FROM footage")}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    write_mp4(root / "good.mov", Recording(5.0, keys=KEYS))
    with open(os.open(os.fsencode(root) + b"/clip_\xff\xfe.mov", os.O_WRONLY | os.O_CREAT, 0o644), "wb") as out:
        out.write((root / "good.mov").read_bytes())
    os.symlink("loop.mp4", root / "loop.mp4")
    os.symlink("nowhere.mp4", root / "dangling.mp4")
    os.symlink(".", root / "dirloop")
    os.mkfifo(root / "fifo.mp4")
    os.mkfifo(root / "fifo.log")
    return root


def test_hostile_paths_become_error_rows(hostile: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "index.db"
    summary = scan_paths(store.connect(db_file), [hostile], jobs=1)
    rows = _rows(db_file)
    assert rows["good.mov"]["status"] == "ok" and rows["good.mov"]["start_utc"] == "2024-03-01T19:02:10.000000Z"
    assert rows["clip_\\xff\\xfe.mov"]["error"] == "file name is not valid UTF-8 (rename the file to index it)"
    assert rows["loop.mp4"]["error"] == "symlink loop"
    assert rows["dangling.mp4"]["error"] == "dangling symlink (target nowhere.mp4 is missing)"
    assert rows["fifo.mp4"]["error"] == "not a regular file (FIFO)"
    assert rows["fifo.log"]["error"] == "not a regular file (FIFO)"
    assert "dirloop" not in rows and (summary.new, summary.failed) == (6, 5)
    again = scan_paths(store.connect(db_file), [hostile], jobs=2)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 6)


def test_hostile_paths_through_the_cli(hostile: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "i.db"), "scan", "--jobs", "2", str(hostile)])
    assert result.exit_code == 0, result.output
    assert "1 new" not in result.output and "5 failed" in result.output
    assert "failed: " + str(hostile / "clip_") + "\\xff\\xfe.mov: file name is not valid UTF-8" in result.output


def test_symlinks_out_of_the_root_are_skipped_unless_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_mp4(outside / "elsewhere.mov", Recording(5.0, keys=KEYS))
    root = tmp_path / "evidence"
    root.mkdir()
    os.symlink(outside / "elsewhere.mov", root / "link.mov")
    os.symlink(outside, root / "linked_folder")
    os.symlink("/dev/zero", root / "zero.mp4")
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(tmp_path / "a.db"), "scan", "--json", str(root)])
    summary = json.loads(result.output)
    assert (summary["new"], summary["skipped"]) == (0, 3)
    reasons = dict(summary["skipped_files"])
    assert reasons[str(root / "link.mov")].startswith("symlink out of the scanned folder")
    assert str(root / "linked_folder") in reasons and str(root / "zero.mp4") in reasons
    result = runner.invoke(main, ["--db", str(tmp_path / "b.db"), "scan", "--json", "--follow-symlinks", str(root)])
    summary = json.loads(result.output)
    assert (summary["new"], summary["failed"], summary["skipped"]) == (2, 1, 1)
    rows = _rows(tmp_path / "b.db")
    assert rows["zero.mp4"]["error"] == "not a regular file (character device)"
    assert rows["link.mov"]["status"] == "ok" and "elsewhere.mov" not in rows  # one file, reached twice
    assert summary["skipped_files"] == [[str(root / "linked_folder" / "elsewhere.mov"),
                                         f"duplicate of {root / 'link.mov'} (the same file by its real path)"]]


def test_symlinked_file_inside_the_root_is_indexed_once(tmp_path: Path) -> None:
    """Issue 9: a file and a symlink to it inside the scanned folder were two footage rows. The path first in the
    sorted walk is indexed; every other path to the same file is a skipped duplicate, not an error row."""
    root = tmp_path / "evidence"
    write_mp4(root / "a.mov", Recording(5.0, keys=KEYS))
    write_mp4(root / "sub" / "other.mov", Recording(7.0, keys=KEYS))
    os.symlink("a.mov", root / "b.mov")
    os.symlink("../a.mov", root / "sub" / "c.mov")
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(tmp_path / "i.db"), "scan", "--json", str(root)])
    summary = json.loads(result.output)
    assert (summary["new"], summary["failed"], summary["skipped"]) == (2, 0, 2)
    duplicate = f"duplicate of {root / 'a.mov'} (the same file by its real path)"
    assert summary["skipped_files"] == [[str(root / "b.mov"), duplicate], [str(root / "sub" / "c.mov"), duplicate]]
    rows = store.connect(tmp_path / "i.db").query("SELECT path, duration_s, error FROM footage ORDER BY path")
    assert [(r["path"], r["duration_s"], r["error"]) for r in rows] == [
        (str(root / "a.mov"), 5.0, None), (str(root / "sub" / "other.mov"), 7.0, None)]
    overlapping = scan_paths(store.connect(tmp_path / "j.db"), [root, root / "sub"])  # a root inside a root
    assert (overlapping.new, overlapping.skipped) == (2, 3)


def test_followed_symlink_loops_end(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_mp4(outside / "sub" / "a.mov", Recording(5.0, keys=KEYS))
    os.symlink(outside, outside / "sub" / "up")
    root = tmp_path / "evidence"
    root.mkdir()
    os.symlink(outside, root / "linked")
    summary = scan_paths(store.connect(tmp_path / "i.db"), [root], follow_symlinks=True)
    assert (summary.new, summary.failed) == (1, 0)


def test_unreadable_folder_is_an_error_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "evidence"
    write_mp4(root / "locked" / "a.mov", Recording(5.0, keys=KEYS))
    write_mp4(root / "open" / "b.mov", Recording(5.0, keys=KEYS))
    real_scandir = os.scandir

    def scandir(path: object) -> object:   # what os.walk sees in a folder without read permission
        if os.fspath(path) == str(root / "locked"):  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    summary = scan_paths(store.connect(tmp_path / "i.db"), [root], jobs=1)
    rows = _rows(tmp_path / "i.db")
    assert rows["locked"]["error"] == "cannot list folder: Permission denied"
    assert rows["b.mov"]["status"] == "ok" and (summary.new, summary.failed) == (2, 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_really_unreadable_folder_and_file(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    write_mp4(root / "locked" / "a.mov", Recording(5.0, keys=KEYS))
    write_mp4(root / "secret.mov", Recording(5.0, keys=KEYS))
    (root / "locked").chmod(0)
    (root / "secret.mov").chmod(0)
    try:
        scan_paths(store.connect(tmp_path / "i.db"), [root], jobs=1)
    finally:
        (root / "locked").chmod(0o755)
    rows = _rows(tmp_path / "i.db")
    assert rows["locked"]["error"] == "cannot list folder: Permission denied"
    assert rows["secret.mov"]["error"] == "cannot read: Permission denied"


def test_scan_leaves_access_times_alone(tmp_path: Path) -> None:
    clip = write_mp4(tmp_path / "evidence" / "a.mov", Recording(5.0, keys=KEYS))
    old = clip.stat().st_mtime_ns - 10**12   # older than mtime: relatime would update it on any read
    os.utime(clip, ns=(old, clip.stat().st_mtime_ns))
    scan_paths(store.connect(tmp_path / "i.db"), [clip.parent], jobs=1)
    assert clip.stat().st_atime_ns == old


def test_open_falls_back_without_noatime_when_not_permitted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = write_mp4(tmp_path / "a.mov", Recording(5.0, keys=KEYS))
    real_open, flags_seen = os.open, []

    def fake_open(path: object, flags: int, *args: object) -> int:
        flags_seen.append(flags)
        if flags & reader._NOATIME:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", fake_open)
    if not reader._NOATIME:
        pytest.skip("no O_NOATIME on this system")
    with reader.Reader.open(clip) as opened:
        assert opened.read(4, 4) == b"ftyp"
    assert len(flags_seen) == 2 and not flags_seen[1] & reader._NOATIME


def test_sidecar_reads_are_capped(tmp_path: Path) -> None:
    big = tmp_path / "track.gpx"
    with open(big, "wb") as out:
        out.truncate(reader.MAX_WHOLE_FILE + 1)
    with pytest.raises(reader.ExtractError, match="over the"):
        reader.read_whole(big)


_WORKERS_SCRIPT = """
import sys, time
from pathlib import Path
import bodycam_index.scan as scan
from bodycam_index import db
def slow(job, options):
    time.sleep(120)
scan.process = slow
scan.POOL_AFTER_FILES = 0  # straight to the workers
scan.scan_paths(db.connect(sys.argv[1]), [Path(sys.argv[2])], jobs=2)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_workers_die_with_the_scan(tmp_path: Path) -> None:
    for name in "abcd":
        write_mp4(tmp_path / "evidence" / f"{name}.mov", Recording(5.0, keys=KEYS))
    parent = subprocess.Popen([sys.executable, "-c", _WORKERS_SCRIPT, str(tmp_path / "i.db"),
                               str(tmp_path / "evidence")])
    children: list[int] = []
    for _ in range(100):
        time.sleep(0.1)
        children_file = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
        children = [int(p) for p in children_file.read_text().split()] if children_file.exists() else []
        if len(children) >= 2:
            break
    assert len(children) >= 2
    parent.kill()
    parent.wait()

    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    for _ in range(50):
        if not any(alive(pid) for pid in children):
            break
        time.sleep(0.1)
    survivors = [pid for pid in children if alive(pid)]
    for pid in survivors:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not survivors
