"""Scan folders of footage into the database: discover, skip what is unchanged, extract, hash, resolve, store.

Evidence is only ever opened for reading. Files unchanged since the last scan (same size and mtime) are skipped
without being opened; a file whose hash matches a recording whose old path is gone is recorded as moved. Each file is
committed with its time candidates, GPS fixes and hints in one transaction, so an interrupted scan leaves a
consistent database and the next scan resumes. Files are written in batches (one transaction per BATCH_FILES
files or BATCH_SECONDS); on Ctrl-C the files already processed are written before the scan stops. Only regular
files are opened; every problem with a file or its path becomes that file's error row, never the end of the scan.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING

from . import db as store
from . import recording
from .discover import Job, discover, path_text
from .extract.reader import file_kind, open_regular
from .filenames import incident_hints
from .model import ExtractError, Extraction
from .txn import immediate

if TYPE_CHECKING:
    from concurrent.futures import Future

    import sqlite_utils

#: Stored with every file's row; a file indexed by another version is read again by the next scan even when
#: unchanged, so parser fixes (times, serials, GPS, number hints) reach databases built before them.
PARSER_VERSION = "2"
#: Footage columns a scan sets from the extraction (cleared when a re-scan fails).
_EXTRACTED_COLUMNS = ("container", "start_utc", "end_utc", "duration_s", "time_source", "zone_kind", "time_reason",
                      "clock_offset_s", "drift_s", "make", "model", "serial", "firmware", "officer", "unit", "lat",
                      "lon", "warnings", "pre_event_s", "pre_event_source")
_HASH_CHUNK = 1 << 20
#: Longest error message stored for a file (a hostile header must not be echoed whole).
MAX_ERROR_CHARS = 500
_PR_SET_PDEATHSIG = 1
#: A batch of processed files is written in one transaction when it holds this many files or is this old.
BATCH_FILES = 64
BATCH_SECONDS = 1.0
_KNOWN_COLUMNS = ("id", "size", "mtime_ns", "status", "error", "parser_version")
_KNOWN_SQL = f"SELECT {', '.join(_KNOWN_COLUMNS)} FROM footage WHERE path = ?"
#: A scan with workers processes this many files itself first: a small scan never starts a pool, and a big one
#: forks its workers once the modules and the zone index its files need are loaded, so they inherit them.
POOL_AFTER_FILES = 64


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: zone for wall-clock times, worker processes, hashing, forced re-extraction, full tracks, and
    the regular expression that finds incident numbers in file and folder names."""

    tz: str | None = None
    jobs: int = 1
    hash: bool = True
    rescan: bool = False
    full_tracks: bool = False
    incident_pattern: str | None = None
    follow_symlinks: bool = False
    exclude: tuple[str, ...] = ()


@dataclass
class ScanSummary:
    """What a scan did."""

    new: int = 0
    unchanged: int = 0
    updated: int = 0
    reread: int = 0
    moved: int = 0
    failed: int = 0
    no_time: int = 0
    no_gps: int = 0
    zone_unknown: int = 0
    bytes: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False

    def as_dict(self) -> dict[str, object]:
        """Counts for JSON and the scans table."""
        return {k: v for k, v in self.__dict__.items() if k not in ("failures", "skipped_files")}


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file, streamed (ExtractError for a FIFO, device or folder, OSError if unreadable)."""
    digest = hashlib.sha256()
    with open(open_regular(path), "rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _error(message: str) -> dict[str, object]:
    """The result fields of a file that could not be indexed (message bounded in length)."""
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 1] + "…"
    return {"status": "error", "error": message}


def _resolved(extraction: Extraction, stat: os.stat_result, options: ScanOptions) -> dict[str, object]:
    """Resolve an extraction and turn it into the footage columns and child rows to store."""
    found = recording.finish(extraction, stat, options.tz)
    footage = found.footage
    ident = footage.identity
    columns = {
        "container": extraction.container, "start_utc": store.iso_utc(footage.start_utc),
        "end_utc": store.iso_utc(footage.end_utc), "duration_s": footage.duration_s,
        "time_source": footage.time_source, "zone_kind": footage.zone_kind, "time_reason": footage.time_reason,
        "clock_offset_s": footage.clock_offset_s, "drift_s": footage.drift_s, "make": ident.make,
        "model": ident.model, "serial": ident.serial, "firmware": ident.firmware, "officer": ident.officer,
        "unit": ident.unit, "lat": footage.lat, "lon": footage.lon, "fix_count": footage.fix_count,
        "dropped_fixes": extraction.dropped_fixes,
        "warnings": json.dumps(found.warnings) if found.warnings else None,
        "pre_event_s": extraction.pre_event_s, "pre_event_source": extraction.pre_event_source,
    }
    track = extraction.track if options.full_tracks else store.thin_track(extraction.track)
    hints = extraction.incident_hints
    if hints:
        from .incidents.normalize import canonical_number  # the incident code, only for files that need it

        hints = [(h, canonical_number(h)) for h in hints]
    return {
        "status": "partial" if extraction.warnings else "ok", "error": None, "columns": columns,
        "candidates": [store.candidate_values(c, footage.time_source) for c in extraction.times],
        "fixes": [store.fix_values(f) for f in track],
        "hints": hints,
    }


def process(job: Job, options: ScanOptions) -> dict[str, object]:
    """Read, hash, extract and resolve one recording and build its rows (runs in a worker).

    Never raises for a bad file: whatever goes wrong (an unreadable file, a parser failure, a date or duration no
    datetime can hold) becomes that file's error result.
    """
    result: dict[str, object] = {"path": path_text(job.path), "size": None, "mtime_ns": None, "sha256": None}
    if job.problem:
        return result | _error(job.problem)
    try:
        stat = job.path.stat()
        result.update(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
        if not S_ISREG(stat.st_mode):
            return result | _error(f"not a regular file ({file_kind(stat.st_mode)})")
        result["sha256"] = sha256_of(job.path) if options.hash else None
        extraction = recording.extract(job.path, job.sidecars, job.sidecar_only, options.incident_pattern)
    except OSError as exc:
        return result | _error(f"cannot read: {exc.strerror or exc}")
    except ExtractError as exc:
        return result | _error(str(exc) or type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop a scan
        return result | _error(f"parser failure ({type(exc).__name__}: {exc})")
    try:
        return result | _resolved(extraction, stat, options)
    except Exception as exc:  # noqa: BLE001 - an out-of-range value must not stop the scan either
        return result | _error(f"cannot resolve the times ({type(exc).__name__}: {exc})")


def _footage_row(result: dict[str, object], scan_id: int) -> dict[str, object]:
    """The footage columns to store for a processed file (extracted columns cleared for an error)."""
    row: dict[str, object] = dict.fromkeys(_EXTRACTED_COLUMNS)
    row.update(fix_count=0, dropped_fixes=0)
    row.update({k: result.get(k) for k in ("path", "size", "mtime_ns", "sha256", "status", "error")})
    row.update(origin="file", parser_version=PARSER_VERSION, scan_id=scan_id, indexed_utc=store.now_utc())
    row.update(result.get("columns") or {})  # type: ignore[call-overload]
    return row


def database_files(db: sqlite_utils.Database) -> set[str]:
    """The real paths of the database's file and its -wal, -shm, -journal and audit -anchor companions (never
    indexed)."""
    row = db.execute("PRAGMA database_list").fetchone()
    if not row or not row[2]:
        return set()
    main = os.path.realpath(row[2])
    return {main, *(main + suffix for suffix in ("-wal", "-shm", "-journal", "-anchor"))}


def _init_worker(parent: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops them cleanly, and die with it (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies (PR_SET_PDEATHSIG), where there is one."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: workers end when the pool's pipe closes
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


class Scanner:
    """Runs one scan against an open database."""

    def __init__(self, db: sqlite_utils.Database, options: ScanOptions,
                 progress: Callable[[str, int], None] | None = None) -> None:
        self.db = db
        self.options = options
        self.progress = progress or (lambda path, size: None)
        self.summary = ScanSummary()
        self._batch: list[dict[str, object]] = []
        self._batch_started = 0.0

    def _known(self, path: str) -> dict[str, object] | None:
        row = self.db.conn.execute(_KNOWN_SQL, [path]).fetchone()  # twice per file: no sqlite-utils row dicts
        return dict(zip(_KNOWN_COLUMNS, row, strict=True)) if row else None

    def _needs_work(self, job: Job) -> bool:
        """False (and counted) for a file to skip or one unchanged since the last scan."""
        if job.skip:
            self.summary.skipped += 1
            self.summary.skipped_files.append((path_text(job.path), job.skip))
            self.progress(path_text(job.path), 0)
            return False
        known = self._known(path_text(job.path))
        if known is None or self.options.rescan:
            return True
        if known["parser_version"] != PARSER_VERSION:
            self.summary.reread += 1  # indexed by an older parser: read again, whatever its size and time
            return True
        if job.problem:
            same = known["status"] == "error" and known["error"] == job.problem
            size = 0
        else:
            try:
                stat = job.path.stat()
            except OSError:
                return True  # gone or unreadable since discovery: process() records why
            same = known["size"] == stat.st_size and known["mtime_ns"] == stat.st_mtime_ns
            size = stat.st_size
        if same:
            self.summary.unchanged += 1
            self.progress(path_text(job.path), size)
        return not same

    def _moved_from(self, sha256: str | None) -> int | None:
        if not sha256:
            return None
        for row in self.db.query("SELECT id, path FROM footage WHERE sha256 = ? AND origin = 'file'", [sha256]):
            if row["path"] and not Path(row["path"]).exists():
                return int(row["id"])
        return None

    def store(self, result: dict[str, object], scan_id: int) -> None:
        """Write one processed recording with its children in one transaction."""
        self.store_batch([result], scan_id)

    def store_batch(self, results: list[dict[str, object]], scan_id: int) -> None:
        """Write processed recordings, each with its children, in one transaction; count them once committed."""
        self._counted(self._write(results, scan_id))

    def _write(self, results: list[dict[str, object]], scan_id: int) -> list[tuple[dict[str, object], str]]:
        with immediate(self.db):
            return [self._save(result, scan_id) for result in results]

    def _save(self, result: dict[str, object], scan_id: int) -> tuple[dict[str, object], str]:
        row = _footage_row(result, scan_id)
        known = self._known(str(result["path"]))
        moved = None if known else self._moved_from(row.get("sha256"))  # type: ignore[arg-type]
        if known:
            row["id"] = known["id"]
        elif moved is not None:
            row["id"] = moved
        store.save_footage(self.db, row, result.get("candidates") or [],  # type: ignore[arg-type]
                           result.get("fixes") or [], result.get("hints") or [])  # type: ignore[arg-type]
        return row, "updated" if known else "moved" if moved is not None else "new"

    def _counted(self, saved: list[tuple[dict[str, object], str]]) -> None:
        """Count committed rows in the summary, then report progress (which may be interrupted) for each."""
        for row, kind in saved:
            setattr(self.summary, kind, getattr(self.summary, kind) + 1)
            path = str(row["path"])
            if row["status"] == "error":
                self.summary.failed += 1
                self.summary.failures.append((path, str(row["error"])))
            else:
                if row["time_source"] in (None, "fs.mtime"):
                    self.summary.no_time += 1
                if row["fix_count"] == 0 and row["lat"] is None:
                    self.summary.no_gps += 1
                if row["zone_kind"] == "unknown" and row["start_utc"] is not None:
                    self.summary.zone_unknown += 1
            self.summary.bytes += int(row.get("size") or 0)  # type: ignore[call-overload]
        for row, _ in saved:
            self.progress(str(row["path"]), int(row.get("size") or 0))  # type: ignore[call-overload]

    def _queue(self, result: dict[str, object], scan_id: int) -> None:
        """Add a result to the open batch; write the batch when it holds BATCH_FILES or is BATCH_SECONDS old."""
        if not self._batch:
            self._batch_started = time.monotonic()
        self._batch.append(result)
        if len(self._batch) >= BATCH_FILES or time.monotonic() - self._batch_started >= BATCH_SECONDS:
            self._flush(scan_id)

    def _flush(self, scan_id: int) -> None:
        if self._batch:
            saved = self._write(self._batch, scan_id)
            self._batch = []
            self._counted(saved)

    def run(self, roots: list[Path]) -> ScanSummary:
        """Scan the roots; on Ctrl-C stop cleanly with everything done so far committed."""
        with immediate(self.db):
            scan_id = int(self.db.table("scans").insert(
                {"started_utc": store.now_utc(), "roots": json.dumps([str(r) for r in roots])}).last_pk)
        try:
            jobs = discover(roots, follow_symlinks=self.options.follow_symlinks, exclude=self.options.exclude,
                            skip_files=database_files(self.db))
            todo = (job for job in jobs if self._needs_work(job))
            for job in todo if self.options.jobs <= 1 else islice(todo, POOL_AFTER_FILES):
                self._queue(process(job, self.options), scan_id)
            self._run_pool(todo, scan_id)  # what is left, if anything
            self._flush(scan_id)
        except KeyboardInterrupt:
            self.summary.interrupted = True
            try:
                self._flush(scan_id)  # what finished before Ctrl-C is kept
            except KeyboardInterrupt:
                pass
        finally:
            with immediate(self.db):
                self.db.table("scans").update(scan_id, {"finished_utc": store.now_utc(),
                                                        "counts": json.dumps(self.summary.as_dict())})
        return self.summary

    def _run_pool(self, todo: Iterator[Job], scan_id: int) -> None:
        """Process in worker processes, storing results in discovery order (so ids follow the sorted paths).
        Workers are forked (Linux), so they start with everything this process has loaded."""
        first = next(todo, None)
        if first is None:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
        window = self.options.jobs * 4
        with ProcessPoolExecutor(self.options.jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(os.getpid(),)) as pool:
            pending: deque[Future[dict[str, object]]] = deque()
            try:
                for job in chain([first], todo):
                    pending.append(pool.submit(process, job, self.options))
                    if len(pending) >= window:
                        self._queue(pending.popleft().result(), scan_id)
                while pending:
                    self._queue(pending.popleft().result(), scan_id)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise


def scan_paths(db: sqlite_utils.Database, paths: list[Path], *, tz: str | None = None, jobs: int = 1,
               hash: bool = True, rescan: bool = False, full_tracks: bool = False,
               incident_pattern: str | None = None, follow_symlinks: bool = False, exclude: tuple[str, ...] = (),
               progress: Callable[[str, int], None] | None = None) -> ScanSummary:
    """Index the footage under `paths` into `db`, storing in sorted path order (deterministic ids)."""
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
    if incident_pattern is not None:
        incident_hints(Path("check"), incident_pattern)  # refuses an invalid pattern before any work
    options = ScanOptions(tz=tz, jobs=jobs, hash=hash, rescan=rescan, full_tracks=full_tracks,
                          incident_pattern=incident_pattern, follow_symlinks=follow_symlinks,
                          exclude=exclude)
    # absolute paths, so that a scan from another working directory finds the same rows
    return Scanner(db, options, progress).run([Path(os.path.abspath(path)) for path in paths])
