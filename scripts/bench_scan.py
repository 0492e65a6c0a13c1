"""Benchmark extraction against ExifTool and ffprobe on the same files.

    python scripts/bench_scan.py [--files 300] [--corpus ../shared/corpus/media]

Generates a batch of MP4s with GPMF tracks (and adds the corpus's media files when present), then times:
bodycam_index's extraction (in-process, one core), a full `scan` into a fresh database (hash included and not),
`exiftool -ee3 -j` and `ffprobe -show_format -show_streams` over the same files. Prints files per second, the bytes
our parsers read against the bytes of the files, and the ratios. Also checks growth is linear: the per-file cost
for the whole batch against a half batch.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mp4_writer import Fix, Recording, write_mp4

from bodycam_index import db as store
from bodycam_index.extract import extract_media
from bodycam_index.extract.reader import Reader
from bodycam_index.scan import scan_paths

MEDIA_SUFFIXES = {".mp4", ".mov", ".avi", ".mts", ".jpg", ".raw"}


def make_batch(folder: Path, count: int) -> list[Path]:
    """`count` one-minute recordings with 10 Hz GPS, each padded with 2 MB of media data."""
    paths = []
    start = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    for i in range(count):
        t0 = start + timedelta(minutes=i)
        fixes = [Fix(t0 + timedelta(seconds=k / 10), 47.6 + k * 1e-6, -122.3, 20.0) for k in range(600)]
        paths.append(write_mp4(folder / f"GX{i:06d}.MP4", Recording(
            duration_s=60, creation=t0.replace(tzinfo=None), fixes=fixes, gpmf_device={"CASN": f"C{i:012d}"},
            padding=2_000_000)))
    return paths


def time_ours(paths: list[Path]) -> tuple[float, int]:
    """Seconds to extract every file in-process, and the bytes read."""
    read = 0
    began = time.perf_counter()
    for path in paths:
        with Reader.open(path) as reader:
            with contextlib.suppress(Exception):  # a benchmark counts, it does not judge
                extract_media(reader)
            read += reader.bytes_read
    return time.perf_counter() - began, read


def time_tool(argv: list[str], paths: list[Path]) -> float | None:
    """Seconds for an external tool over the files (None if it is not installed)."""
    if shutil.which(argv[0]) is None:
        return None
    began = time.perf_counter()
    if argv[0] == "exiftool":
        subprocess.run([*argv, *map(str, paths)], capture_output=True, check=False)
    else:
        for path in paths:
            subprocess.run([*argv, str(path)], capture_output=True, check=False)
    return time.perf_counter() - began


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/media")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "batch")
        paths = make_batch(folder, args.files)
        if args.corpus.is_dir():
            paths += [p for p in args.corpus.rglob("*") if p.suffix.lower() in MEDIA_SUFFIXES]
        total = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} files, {total / 1e6:.1f} MB")

        half, _ = time_ours(paths[: len(paths) // 2])
        ours, read = time_ours(paths)
        print(f"bodycam_index extract: {ours:.2f} s, {len(paths) / ours:.0f} files/s, read {read / 1e6:.2f} MB "
              f"({100 * read / total:.2f} % of the bytes)")
        print(f"  linearity: per-file cost full/half batch = {(ours / len(paths)) / (half / (len(paths) // 2)):.2f}")

        for hashing in (False, True):
            db_file = Path(tmp, f"bench-{hashing}.db")
            began = time.perf_counter()
            summary = scan_paths(store.connect(db_file), [folder], hash=hashing, jobs=1)
            took = time.perf_counter() - began
            label = "scan with SHA-256" if hashing else "scan --no-hash"
            print(f"{label}: {took:.2f} s, {summary.new / took:.0f} files/s ({summary.new} new)")
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"  peak resident memory of this process: {peak_kb / 1e3:.0f} MB")

        for name, argv in (("exiftool -ee3", ["exiftool", "-ee3", "-j", "-n", "-q"]),
                           ("ffprobe", ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json"])):
            took = time_tool(argv, paths)
            if took is None:
                print(f"{name}: not installed")
            else:
                print(f"{name}: {took:.2f} s, {len(paths) / took:.0f} files/s; bodycam_index is {took / ours:.1f}× "
                      f"faster")


if __name__ == "__main__":
    main()
