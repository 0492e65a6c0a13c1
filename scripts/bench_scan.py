"""Whole-command scan benchmark: `bodycam-index scan --no-hash` against ExifTool and ffprobe on the same trees.

    python scripts/bench_scan.py [--sets corpus,media,gen1000,gen20000] [--repeats 3] [--work DIR]

Sets: `corpus` is ../shared/corpus/media as it sits (media, sidecars, ground-truth JSON, Markdown: everything an
evidence folder may hold); `media` is a copy of its media files alone; `genN` is a generated batch of N files
(GoPro MP4s with GPMF GPS, phone MOVs, Novatek dash-cam MP4s with unindexed freeGPS blocks between the video
chunks, and non-media files), with media data written as holes so that 20,000 files of realistic size fit on disk;
`mixN` is N files of the families the corpus barely has, written by the ffmpeg CLI (`scripts/mix_media.py`:
fragmented and faststart MP4, 3GP, MOV with and without Apple Keys, WebM, MKV, TS, M2TS, MPEG-PS, ASF/WMV, FLV, AVI,
DV, a JPEG; with and without metadata, some an hour long at 1 frame/s) copied in rotation, 10 % non-media files,
with a per-family line of our in-process CPU and reads. Generated batches are kept in --work and reused.

Each command runs as a child process, whole (start-up, database, output): `bodycam-index --db NEW scan --no-hash
TREE` into a fresh database, `exiftool -j -r -ee3 -n TREE`, and `ffprobe -show_format -show_streams` once per file
(a sample of --ffprobe-max files, scaled up, on big sets). On a set of more than --exiftool-max files ExifTool runs
on a random sample of that many (the same files each repeat, given by `-@ ARGFILE`) and its time and reads are
scaled up to the whole set, as the output says; bodycam-index always runs on the whole set. The commands alternate
within each repeat; the table shows min and median seconds, files/s, min CPU seconds (user + system, children
included), the bytes the command read (`rchar` and `read_bytes` of /proc/PID/io, taken after exit and before
reaping, so children are included), peak resident memory (wait4; children included) and how many times longer than
bodycam-index each command took. A per-file line shows bodycam-index's own reads per file (its Reader counts, in-
process): the largest for a file without timed GPS, and for files with GPS the most read beyond the GPS samples
themselves.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mix_media
from mp4_writer import Fix, Recording, box, build_mp4, full_box

ROOT = Path(__file__).resolve().parents[1]
MEDIA_SUFFIXES = {".mp4", ".mov", ".avi", ".mts", ".m2ts", ".ts", ".mkv", ".webm", ".jpg", ".jpeg", ".heic",
                  ".heif", ".cr3", ".3gp", ".lrv", ".insv", ".360", ".dv", ".mpg"}
MB = 1e6
#: Children may cache their bytecode (in the bench's work folder), as an installed tool does after its first run.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Run:
    """One command run: wall seconds, bytes read through read() calls and from storage, peak RSS in bytes, exit
    status, and CPU seconds (user + system, children included: on a shared machine the steadier measure)."""

    seconds: float
    rchar: int
    read_bytes: int
    peak: int
    status: int
    cpu: float = 0.0


def measure(argv: list[str]) -> Run:
    """Run `argv` to completion under GNU time, whose fork is small: a child forked from this process would count
    this process's memory as its own peak. The io counters of `time` are read when it has exited and before it is
    reaped (they include the command's and its children's, reaped by then); the peak is the one `time` saw."""
    with tempfile.NamedTemporaryFile("r") as peak_file:
        began = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", peak_file.name, *argv], env=CHILD_ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        seconds = time.perf_counter() - began
        counters = dict(line.split(": ") for line in Path(f"/proc/{proc.pid}/io").read_text().splitlines())
        _, status, _ = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kb, user, system = peak_file.read().split()[-3:]
    return Run(seconds, int(counters["rchar"]), int(counters["read_bytes"]), int(peak_kb) * 1024, proc.returncode,
               float(user) + float(system))


def scaled(run: Run, factor: float) -> Run:
    """A run's time and reads multiplied by `factor` (a sample's, scaled up to the whole set)."""
    return Run(run.seconds * factor, round(run.rchar * factor), round(run.read_bytes * factor), run.peak, run.status,
               run.cpu * factor)


def measure_each(argv: list[str], files: list[Path], limit: int) -> tuple[Run, int]:
    """`argv FILE` once per file (on a sample of `limit` files, scaled up to all): totals, and the files run."""
    chosen = files if len(files) <= limit else random.Random(7).sample(files, limit)
    runs = [measure([*argv, str(path)]) for path in chosen]
    total = Run(sum(r.seconds for r in runs), sum(r.rchar for r in runs), sum(r.read_bytes for r in runs),
                max(r.peak for r in runs), 0, sum(r.cpu for r in runs))
    return scaled(total, len(files) / len(chosen)), len(chosen)


# --- generated batches ---------------------------------------------------------------------------------------------

Pieces = tuple[int, list[tuple[int, bytes]]]  # file size, and the (offset, bytes) that are not holes


def _holes(data: bytes, hole_start: int, hole_len: int) -> Pieces:
    return len(data), [(0, data[:hole_start]), (hole_start + hole_len, data[hole_start + hole_len:])]


def gopro(i: int, t0: datetime) -> Pieces:
    """A one-minute GoPro clip: GPMF GPS at 10 Hz (one payload per second), a video track, 60 MB of media data."""
    fixes = [Fix(t0 + timedelta(seconds=k / 10), 47.6 + (i % 97) * 1e-3 + k * 1e-6, -122.3 - k * 1e-6, 20.0)
             for k in range(600)]
    padding = 60_000_000
    data = build_mp4(Recording(duration_s=60, creation=t0.replace(tzinfo=None), fixes=fixes, padding=padding,
                               video_frames=1800, gpmf_device={"CASN": f"C3441325{i:06d}", "MINF": "HERO9 Black"}))
    return _holes(data, data.index(b"moov") - 4 - padding, padding)


def phone(i: int, t0: datetime) -> Pieces:
    """A 30-second phone MOV: QuickTime Keys (creation date, ISO 6709 location, make, model), 30 MB of video."""
    keys = {"com.apple.quicktime.creationdate": (t0 - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S-0700"),
            "com.apple.quicktime.location.ISO6709": f"+47.{6000 + i % 1000:04d}-122.3300+020.000/",
            "com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 12"}
    padding = 30_000_000
    data = build_mp4(Recording(duration_s=30, creation=t0.replace(tzinfo=None), keys=keys, padding=padding,
                               video_frames=900))
    return _holes(data, data.index(b"moov") - 4 - padding, padding)


def _freegps_block(when: datetime, lat_ddmm: float, lon_ddmm: float) -> bytes:
    """A 0x8000-byte Novatek freeGPS block, type 3 (Viofo) layout: UTC time, status A, DDMM.MMMM floats."""
    block = bytearray(0x8000)
    struct.pack_into(">I8sI", block, 0, 0x8000, b"freeGPS ", 0x4C)
    struct.pack_into("<6I", block, 0x10, when.hour, when.minute, when.second, when.year - 2000, when.month, when.day)
    block[0x28:0x2C] = b"ANW\0"
    struct.pack_into("<4f", block, 0x2C, lat_ddmm, lon_ddmm, 20.0, 90.0)
    return bytes(block)


def dashcam(i: int, t0: datetime) -> Pieces:
    """A one-minute Novatek dash-cam MP4: per second a 1 MB video chunk and a freeGPS block, and a video track over
    the chunks. Every other template indexes the blocks in `moov/gps ` (Viofo); the rest do not (INNOVV, XGODY),
    so that a reader must look for them in mdat."""
    chunk, seconds = 1_000_000, 60
    ftyp = box(b"ftyp", b"avc1", struct.pack(">I", 0), b"avc1isom")
    pos = len(ftyp) + 8
    pieces: list[tuple[int, bytes]] = []
    offsets = []
    for second in range(seconds):
        offsets.append(pos)
        pos += chunk
        pieces.append((pos, _freegps_block(t0 + timedelta(seconds=second), 4736.0 + (i % 50) / 100 + second / 1e4,
                                           12218.0 + second / 1e4)))
        pos += 0x8000
    mdat_end = pos
    created = int((t0.replace(tzinfo=None) - datetime(1904, 1, 1)).total_seconds())
    mvhd = full_box(b"mvhd", 0, 0, struct.pack(">IIII", created, created, 1000, seconds * 1000), b"\0" * 80)
    stbl = box(b"stbl", full_box(b"stsd", 0, 0, struct.pack(">I", 1), box(b"avc1", b"\0" * 78)),
               full_box(b"stts", 0, 0, struct.pack(">III", 1, seconds, 1000)),
               full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1)),
               full_box(b"stsz", 0, 0, struct.pack(">II", chunk, seconds)),
               full_box(b"stco", 0, 0, struct.pack(f">I{seconds}I", seconds, *offsets)))
    mdia = box(b"mdia", full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", created, created, 1000, seconds * 1000, 0, 0)),
               full_box(b"hdlr", 0, 0, b"\0" * 4, b"vide", b"\0" * 12, b"VideoHandler\0"),
               box(b"minf", full_box(b"vmhd", 0, 1, b"\0" * 8), stbl))
    index = b""
    if i % 2 == 0:
        places = [offset + chunk for offset in offsets]
        index = box(b"gps ", struct.pack(f">II{2 * seconds}I", 0x101, seconds,
                                         *(v for place in places for v in (place, 0x8000))))
    moov = box(b"moov", mvhd, box(b"trak", mdia), index)
    head = ftyp + struct.pack(">I", mdat_end - len(ftyp)) + b"mdat"
    return mdat_end + len(moov), [(0, head), *pieces, (mdat_end, moov)]


NON_MEDIA = [("notes.txt", b"Officer notes, transcribed.\n" * 20), ("export.csv", b"id,unit,time\n1,3B12,08:00\n" * 50),
             ("metadata.json", b'{"case": "2024-000451", "files": []}\n'), ("upload.log", b"ok\n" * 300),
             ("Thumbs.db", b"\0"), ("chain_of_custody.xml", b"<custody><item id='1'/></custody>\n")]


def write_pieces(path: Path, pieces: Pieces) -> None:
    """Write a file whose gaps between pieces are holes (sparse), of the given size."""
    size, parts = pieces
    with open(path, "wb") as out:
        for offset, data in parts:
            out.seek(offset)
            out.write(data)
        out.truncate(size)


def make_batch(folder: Path, count: int) -> None:
    """`count` files in folders of 100 (a unit's upload): 40 % GoPro, 25 % phone, 25 % dash-cam, 10 % non-media."""
    marker = folder / ".complete"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    start = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    templates: dict[str, list[Pieces]] = {name: [make(k, start + timedelta(minutes=k)) for k in range(8)]
                                          for name, make in (("gopro", gopro), ("phone", phone),
                                                             ("dashcam", dashcam))}
    for i in range(count):
        sub = folder / f"upload-{i // 100:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        t = start + timedelta(minutes=i)
        slot = i % 20
        if slot < 8:
            path, kind = sub / f"GX01{i:04d}.MP4", "gopro"
        elif slot < 13:
            path, kind = sub / f"IMG_{i:05d}.MOV", "phone"
        elif slot < 18:
            path, kind = sub / f"{t:%Y_%m%d_%H%M%S}_{i:04d}F.MP4", "dashcam"
        else:
            name, text = NON_MEDIA[i % len(NON_MEDIA)]
            (sub / f"{i:05d}_{name}").write_bytes(text)
            continue
        write_pieces(path, templates[kind][i % 8])
    marker.write_text(str(count))


def make_mix(folder: Path, count: int, templates: list[Path]) -> None:
    """`count` files in folders of 100: the `mix_media` clips in rotation (90 %), copied under new names, and
    non-media files (10 %)."""
    marker = folder / ".complete"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    media = 0
    for i in range(count):
        sub = folder / f"upload-{i // 100:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 20 >= 18:
            name, text = NON_MEDIA[i % len(NON_MEDIA)]
            (sub / f"{i:05d}_{name}").write_bytes(text)
            continue
        template = templates[media % len(templates)]
        media += 1
        shutil.copyfile(template, sub / f"{i:05d}_{template.name}")
    marker.write_text(str(count))


def per_family(templates: list[Path], repeats: int = 5) -> None:
    """Per template, in-process: container (a `ffmpeg:` one went through the PyAV fallback), bytes our Reader
    read, and CPU milliseconds for `extract_media` (min of `repeats`, after one warm-up run that pays imports)."""
    from bodycam_index.extract import extract_media
    from bodycam_index.extract.reader import Reader
    from bodycam_index.model import ExtractError

    print(f"  per family (in-process, CPU min of {repeats} after a warm-up; bytes read by our Reader):")
    print(f"    {'clip':<26} {'size MB':>8} {'container':<14} {'read KB':>8} {'CPU ms':>7}")
    for path in templates:
        cpu, read, container = [], 0, "error"
        for _ in range(repeats + 1):
            began = time.process_time()
            with Reader.open(path) as reader:
                try:
                    container = extract_media(reader).container
                except ExtractError as exc:
                    container = f"error: {exc}"[:14]
                read = reader.bytes_read
            cpu.append(time.process_time() - began)
        print(f"    {path.name:<26} {path.stat().st_size / MB:8.2f} {container:<14} {read / 1024:8.1f} "
              f"{min(cpu[1:]) * 1000:7.2f}")


def copy_media(corpus: Path, folder: Path) -> None:
    """The corpus's media files alone (by suffix), copied with their relative paths."""
    if (folder / ".complete").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix.lower() in MEDIA_SUFFIXES and "_groundtruth" not in path.parts:
            target = folder / path.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    (folder / ".complete").write_text("")


# --- per-file reads ------------------------------------------------------------------------------------------------


def per_file_reads(files: list[Path]) -> str:
    """bodycam-index's own reads per file: the most for a file without timed GPS; with GPS, the most beyond the
    bytes of the GPS samples (freeGPS blocks, GPMF samples) that had to be read."""
    from bodycam_index.extract import extract_media
    from bodycam_index.extract.reader import Reader
    from bodycam_index.model import ExtractError

    without = beyond = total = 0
    for path in files:
        with Reader.open(path) as reader:
            try:
                extraction = extract_media(reader)
            except ExtractError:
                extraction = None
            read = reader.bytes_read
        total += read
        gps_bytes = _gps_sample_bytes(path, extraction) if extraction and extraction.track else None
        if gps_bytes is None:
            without = max(without, read)
        else:
            beyond = max(beyond, read - gps_bytes)
    return (f"largest read for a file without timed GPS {without / MB:.3f} MB; with GPS, largest read beyond the "
            f"GPS samples {beyond / MB:.3f} MB; mean {total / max(len(files), 1) / MB:.3f} MB per file")


def _gps_sample_bytes(path: Path, extraction: object) -> int:
    """Bytes of the GPS samples in a file: its metadata tracks' samples (GPMF, CAMM, text), and freeGPS blocks
    (taken as 0x8000 bytes each, the size Novatek writes)."""
    from bodycam_index.extract.boxes import Track, children, first, iter_boxes
    from bodycam_index.extract.reader import Reader

    total = 0
    for key, value in getattr(extraction, "tags", {}).items():
        if key.startswith(("freegps.", "gpmd.freegps")) and " blocks" in value:
            total += int(value.split()[0]) * 0x8000
    try:
        with Reader.open(path) as reader:
            moov = first(list(iter_boxes(reader, 0, reader.size)), b"moov")
            for trak in (b for b in children(reader, moov) if b.type == b"trak") if moov else ():
                track = Track.parse(reader, trak)
                if track.handler in (b"meta", b"text", b"sbtl", b"subt") or track.format in (b"gpmd", b"camm"):
                    total += sum(s.size for s in track.samples)
    except Exception:  # noqa: BLE001 - not an MP4: no tracks
        return total
    return total


# --- the benchmark -------------------------------------------------------------------------------------------------


def tool(name: str) -> str | None:
    """Path of a command: bodycam-index beside this Python first, then $PATH."""
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else shutil.which(name)


def run_set(label: str, tree: Path, repeats: int, ffprobe_max: int, exiftool_max: int, work: Path) -> None:
    """Time the commands over one tree and print its rows."""
    files = sorted(p for p in tree.rglob("*") if p.is_file() and not p.name.startswith("."))
    size = sum(p.stat().st_size for p in files)
    ours, exiftool, ffprobe = tool("bodycam-index"), shutil.which("exiftool"), shutil.which("ffprobe")
    db = work / f"bench-{os.getpid()}.db"
    commands: dict[str, object] = {}
    assert ours is not None
    commands["bodycam-index scan --no-hash"] = [ours, "--db", str(db), "scan", "--no-hash", str(tree)]
    exif_sample = files if len(files) <= exiftool_max else sorted(random.Random(11).sample(files, exiftool_max))
    argfile = work / f"exiftool-{label}.args"
    if exiftool and exif_sample is files:
        commands["exiftool -j -r -ee3 -n"] = [exiftool, "-j", "-r", "-ee3", "-n", str(tree)]
    elif exiftool:
        argfile.write_text("".join(f"{path}\n" for path in exif_sample))
        commands["exiftool -j -r -ee3 -n"] = [exiftool, "-j", "-ee3", "-n", "-@", str(argfile)]
    if ffprobe:
        commands["ffprobe per file"] = [ffprobe, "-v", "error", "-show_format", "-show_streams", "-of", "json"]
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    sampled = len(files)
    names = list(commands)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:  # alternate the order between repeats
            argv = commands[name]
            assert isinstance(argv, list)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            if name == "ffprobe per file":
                run, sampled = measure_each(argv, files, ffprobe_max)
            elif name.startswith("exiftool") and exif_sample is not files:
                run = scaled(measure(argv), len(files) / len(exif_sample))
            else:
                run = measure(argv)
            runs[name].append(run)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    base = min(r.seconds for r in runs["bodycam-index scan --no-hash"])
    base_cpu = min(r.cpu for r in runs["bodycam-index scan --no-hash"])
    print(f"\n{label}: {len(files)} files, {size / MB:,.1f} MB ({tree})")
    print(f"  {'command':<30} {'min s':>8} {'median s':>9} {'files/s':>8} {'rchar MB':>9} {'disk MB':>8} "
          f"{'peak MB':>8} {'× ours':>7} {'min cpu s':>10} {'cpu × ours':>10}")
    for name, got in runs.items():
        best = min(r.seconds for r in got)
        median = statistics.median(r.seconds for r in got)
        rchar = statistics.median(r.rchar for r in got)
        disk = statistics.median(r.read_bytes for r in got)
        note = f"  (sampled {sampled} files, scaled)" if name == "ffprobe per file" and sampled < len(files) else ""
        if name.startswith("exiftool") and exif_sample is not files:
            factor = len(files) / len(exif_sample)
            note = f"  (run on {len(exif_sample)} random files, time and reads scaled ×{factor:.1f})"
        bad = [r.status for r in got if r.status not in (0, 1)]
        note += f"  exit {bad[0]}" if bad and name != "ffprobe per file" else ""
        print(f"  {name:<30} {best:8.2f} {median:9.2f} {len(files) / best:8.0f} {rchar / MB:9.1f} {disk / MB:8.1f} "
              f"{max(r.peak for r in got) / MB:8.0f} {best / base:7.1f} {min(r.cpu for r in got):10.2f} "
              f"{min(r.cpu for r in got) / max(base_cpu, 1e-9):10.1f}{note}")
    read_sample = files if len(files) <= exiftool_max else exif_sample
    sample_note = "" if read_sample is files else f" (on the {len(read_sample)} files ExifTool ran on)"
    print(f"  bodycam-index reads per file{sample_note}: {per_file_reads(read_sample)}")


def startup(warm_tree: Path, repeats: int = 10) -> None:
    """Seconds for `--help` and a read command (min of `repeats`), after a scan of `warm_tree` has cached the
    bytecode of the modules a scan uses."""
    ours = tool("bodycam-index")
    assert ours is not None
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp, "empty.db"))
        measure([ours, "--db", str(Path(tmp, "warm.db")), "scan", "--no-hash", str(warm_tree)])
        measure([ours, "--db", db, "scan", "--no-hash", tmp])
        measure([ours, "--db", db, "footage", "list"])
        for argv in ([sys.executable, "-c", "pass"], [ours, "--help"], [ours, "--db", db, "footage", "list"],
                     [ours, "--db", db, "gaps"]):
            runs = [measure(argv) for _ in range(repeats)]
            shown = " ".join(["python" if argv[0] == sys.executable else "bodycam-index", *argv[1:]])
            print(f"start-up: {shown.replace(db, 'EMPTY.db')}: "
                  f"{min(r.seconds for r in runs):.3f} s wall, {min(r.cpu for r in runs):.3f} s CPU (min)")


def main() -> None:
    """Build the sets asked for and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="corpus,media,gen1000", help="corpus, media, genN, mixN (comma-separated)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ffprobe-max", type=int, default=300, help="files ffprobe runs on per set (then scaled)")
    parser.add_argument("--exiftool-max", type=int, default=5000,
                        help="files ExifTool runs on per set (a random sample, then scaled, on bigger sets)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/media")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bodycam-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(args.work / "pycache")
    print(f"bench_scan {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"{args.repeats} repeats, warm cache")
    print("bytecode: bodycam-index runs with its .pyc cache on (PYTHONPYCACHEPREFIX in --work; this shell has "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}, which the children do not "
          "inherit), as an installed tool has after its first run")
    startup(args.corpus if args.corpus.is_dir() else ROOT / "sample_media")
    for name in args.sets.split(","):
        if name == "corpus":
            tree = args.corpus
        elif name == "media":
            tree = args.work / "media"
            copy_media(args.corpus, tree)
        elif name.startswith("gen"):
            tree = args.work / name
            make_batch(tree, int(name[3:]))
        elif name.startswith("mix"):
            templates = mix_media.make_all(args.work / "mix-templates")
            tree = args.work / name
            make_mix(tree, int(name[3:]), templates)
            per_family(templates)
        else:
            parser.error(f"unknown set {name!r}")
        if not tree.is_dir():
            print(f"\n{name}: {tree} is missing; skipped")
            continue
        for path in tree.rglob("*"):  # warm the cache once for every command
            if path.is_file():
                with open(path, "rb") as stream:
                    stream.read(1 << 20)
        run_set(name, tree, args.repeats, args.ffprobe_max, args.exiftool_max, args.work)


if __name__ == "__main__":
    main()
