"""Coverage-guided fuzzing of every parser family through the path a scan takes for one file (issue 9).

    pip install -e '.[fuzz]'
    nice -n 19 python scripts/fuzz.py mp4 -runs=1000000
    python scripts/fuzz.py --list

One target per family (`mp4` covers isobmff + GPMF + dash-cam text tracks + freeGPS; `sidecar` covers SRT, GPX,
KML, NMEA, BlackVue .gps, Axis, WatchGuard, IGC, Garmin TCX/XML and Bramor logs, the first input byte choosing the
file name the input is written under in a scratch folder, then read as the scan reads a sidecar). Each input goes through
what a scan does for one file: identify and extract (or parse the sidecar) and merge the file name, then
`scan._resolved` as the scan calls it (bounds, resolve, the footage, time, GPS and hint rows; without a zone or with
the extreme zones +14 h and −12 h, chosen by the input's length), whose values are then bound by SQLite as on
insert. Anything escaping other than `ExtractError` is a crash, as is a hang (`-timeout`) or memory beyond
`-rss_limit_mb`.

Seeds are read at run time from ../shared/corpus/media, sample_media and small files made with the ffmpeg CLI,
cut to a few KiB (an MP4 keeps its boxes, only `mdat` is cut; a JPEG keeps its EXIF segment), plus files built
here from the spec where the corpus has none (FIT, DJI flight CSV, Axis, WatchGuard), and written to a scratch folder that
libFuzzer grows; nothing is written next to them. Mutations alternate between libFuzzer's structural ones and a
semantic mutator that sets dates, durations, timescales, counts and lengths to extremes (0, 2^31, 2^62, year
1/9999, 1e300, NaN). With `--keep-going` the target records each distinct crash (type, innermost project frame,
message) with its input in the scratch folder and carries on, so one run finds them all; without it libFuzzer
stops at the first.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import importlib
import math
import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["bodycam_index", "garmin_fit_sdk"]):
    from bodycam_index import filenames, scan
    from bodycam_index.extract import PARSERS, extract_media, identify
    from bodycam_index.extract.reader import Reader
    from bodycam_index.model import ExtractError, Extraction
    from bodycam_index.sidecars import read_sidecar

    for _module in PARSERS.values():  # imported lazily by the scan; imported here to be instrumented
        importlib.import_module(_module)
    importlib.import_module("bodycam_index.extract.dashcam")
    importlib.import_module("garmin_fit_sdk")
    for _module in ("axis", "bramor", "garmin_xml", "gpx", "igc", "kml", "nmea", "srt", "watchguard"):
        importlib.import_module(f"bodycam_index.sidecars.{_module}")

ROOT = Path(__file__).resolve().parents[1]
MEDIA = Path(os.environ.get("BODYCAM_CORPUS", ROOT.parent / "shared" / "corpus")) / "media"
SAMPLE = ROOT / "sample_media"
SEED_BYTES = 4 * 1024  # a seed is cut to this (an MP4 to twice this), so an execution stays sub-millisecond
ZONES = (None, "Pacific/Kiritimati", "Etc/GMT+12")

# ---------------------------------------------------------------------------------------------------------- target

_BIND = sqlite3.connect(":memory:")
_STAT = os.stat_result((0o100644, 1, 1, 1, 0, 0, 4096, 1709303400, 1709303400, 1709303400))
_OPTIONS = {zone: scan.ScanOptions(tz=zone, hash=False) for zone in ZONES}


_BIND_CHUNK = 500  # values bound per statement (SQLite allows 32,766 parameters)


def _bind(values: Sequence[object]) -> None:
    """Bind values as SQLite does on insert (an int beyond 64 bits or an unknown type is a crash): one statement
    per 500 values, so an execution costs one or two statements, not one per row."""
    for start in range(0, len(values), _BIND_CHUNK):
        chunk = values[start : start + _BIND_CHUNK]
        _BIND.execute("SELECT " + ", ".join("?" * len(chunk)), chunk).fetchall()


def _store(extraction: Extraction, zone: str | None) -> None:
    """What the scan does after extraction: bound, resolve and build the rows (`scan._resolved`), then bind them."""
    rows = scan._resolved(extraction, _STAT, _OPTIONS[zone])
    values = list(rows["columns"].values())
    for row in rows["candidates"] + rows["fixes"] + rows["hints"]:
        values.extend(row)
    _bind(values)


@functools.cache
def _from_name(name: str) -> Extraction:
    """What the file name adds: parsed once per name (the name is not fuzzed; `merge` copies, never changes it)."""
    return filenames.from_filename(Path(name))


def media_target(name: str) -> Callable[[bytes], None]:
    """A target for a container family: identify and extract from bytes, merge the name, resolve and store."""

    def target(data: bytes) -> None:
        try:
            extraction = extract_media(Reader.from_bytes(data, name))
        except ExtractError:
            return
        extraction.merge(_from_name(name))
        _store(extraction, ZONES[len(data) % len(ZONES)])

    return target


#: Sidecar kinds as the scan tells them (by name, and for .log/.txt/.xml by content): the file name each input is
#: written under. The first input byte picks one; a WatchGuard input is its JSON, a NUL, then its VTT.
SIDECAR_NAMES = ["DJI_0001.SRT", "track.gpx", "track.kml", "track.nmea", "track.log", "20240301_143000_N.gps",
                 "C1.clip.metadata.json", "clip_1_gpstrail.json", "wg.json", "flight.igc", "activity.tcx",
                 "track.xml", "flight.txt"]
_WRITTEN: list[Path] = []  # the previous input's files, removed before the next is written


@functools.cache
def _scratch() -> Path:
    """The sidecar family's scratch folder (in memory where /dev/shm exists), made on first use only."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-sidecar-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def sidecar_target(data: bytes) -> None:
    """A sidecar written under its kind's name and read with `read_sidecar`, as the scan reads one on its own."""
    if not data:
        return
    name = SIDECAR_NAMES[data[0] % len(SIDECAR_NAMES)]
    while _WRITTEN:
        _WRITTEN.pop().unlink()
    path = _scratch() / name
    if name == "wg.json":
        json_part, _, vtt_part = data[1:].partition(b"\x00")
        _WRITTEN.extend((path, path.with_suffix(".vtt")))
        path.write_bytes(json_part)
        path.with_suffix(".vtt").write_bytes(vtt_part)
    else:
        _WRITTEN.append(path)
        path.write_bytes(data[1:])
    try:
        extraction = read_sidecar(path)
    except ExtractError:
        return
    if extraction is None:
        return
    extraction.merge(_from_name(name))
    _store(extraction, ZONES[len(data) % len(ZONES)])


# ------------------------------------------------------------------------------------------------------------ seeds


def _files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.is_file() and "_groundtruth" not in p.parts)


def _bmff_shrink(data: bytes, keep: int) -> bytes:
    """An MP4 with every top-level box kept and `mdat` cut to `keep` bytes (sizes fixed; offsets left stale)."""
    out, pos = bytearray(), 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= len(data):
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = len(data) - pos
        if size < header:
            break
        body = data[pos + header : pos + size]
        if kind == b"mdat":
            body = body[:keep]
        out += struct.pack(">I4s", 8 + len(body), kind) + body
        pos += size
    return bytes(out)


def _jpeg_exif_head(data: bytes) -> bytes:
    """A JPEG cut after its EXIF APP1 segment (so the seed keeps the whole EXIF block), with an EOI marker."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] not in (0xD9, 0xDA):
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        exif = data[pos + 1] == 0xE1 and data[pos + 4 : pos + 8] == b"Exif"
        pos += 2 + length
        if exif:
            break
    return data[:pos] + b"\xff\xd9"


def _fit_crc(data: bytes) -> int:
    """The FIT protocol's CRC-16, from Garmin's SDK (the reader's own dependency)."""
    from garmin_fit_sdk.crc_calculator import CrcCalculator

    return CrcCalculator.calculate_crc(data, 0, len(data))


def _fit_seed() -> bytes:
    """A FIT file from the protocol description: file_id (maker, product, serial, time_created) and three `record`
    messages (timestamp, latitude and longitude in semicircles, altitude, speed), little-endian, with both CRCs."""
    def definition(local: int, number: int, fields: list[tuple[int, int, int]]) -> bytes:
        return bytes([0x40 | local, 0, 0]) + struct.pack("<HB", number, len(fields)) + b"".join(
            bytes(field) for field in fields)

    fit_time = 1078237800  # 2024-03-01T14:30:00Z in seconds since 1989-12-31T00:00:00Z
    body = definition(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84), (3, 4, 0x8C), (4, 4, 0x86)])
    body += b"\x00" + struct.pack("<BHHII", 4, 1, 2713, 3_900_000_001, fit_time)
    body += definition(1, 20, [(253, 4, 0x86), (0, 4, 0x85), (1, 4, 0x85), (2, 2, 0x84), (6, 2, 0x84)])
    for i in range(3):
        lat, lon = round((41.88 + i * 1e-4) * 2**31 / 180), round((-87.63 + i * 1e-4) * 2**31 / 180)
        body += b"\x01" + struct.pack("<IiiHH", fit_time + i, lat, lon, 2500 + 5 * i, 4000)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", _fit_crc(header))
    return header + body + struct.pack("<H", _fit_crc(header + body))


def _ffmpeg_seeds(folder: Path) -> list[Path]:
    """Tiny clips in the containers the corpus has few of, with creation times and durations to mutate."""
    if shutil.which("ffmpeg") is None:
        return []
    made = []
    for name, extra in [("ff.ts", []), ("ff.mkv", []), ("ff.avi", []), ("ff.mov", []),
                        ("ff.mp4", ["-movflags", "+faststart"]),
                        ("ff.dv", ["-s", "720x480", "-r", "30000/1001", "-pix_fmt", "yuv411p"]),
                        ("ff.wmv", ["-c:v", "wmv2", "-metadata", "make=Coban", "-metadata", "model=Focus H1"]),
                        ("ff.flv", ["-c:v", "flv1"]), ("ff.mpg", ["-c:v", "mpeg2video", "-f", "vob"]),
                        ("ff1.mpg", ["-c:v", "mpeg1video", "-f", "mpeg"])]:
        target = folder / name
        command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=1",
                   "-metadata", "creation_time=2024-03-01T14:30:00Z", "-metadata", "DATE_RECORDED=2024-03-01",
                   *(extra or ["-pix_fmt", "yuv420p"]), str(target)]
        if subprocess.run(command, check=False, timeout=60).returncode == 0:
            made.append(target)
    return made


#: Sidecars the corpus lacks, written from formats.md §4 (Axis export headers and GNSS trail; WatchGuard pair).
SYNTHETIC_SIDECARS = {
    "C1.clip.metadata.json": '{"Bwcserialnumber": "ACCC8E000001", "Timezone": "America/Chicago", "Userid": "u7",'
                          ' "Starttime": "1709303400", "Starttimeiso": "2024-03-01T14:30:00Z",'
                          ' "Stoptimeiso": "2024-03-01T14:35:00Z", "Triggeronlocation": "+41.88+-87.63+5+1709303400"}',
    "clip_1_gpstrail.json": '{"CoordinateEntries": [{"LocationWKT": "POINT(-87.63 41.88)", "SecondsFromStart": 4.5,'
                          ' "Timestamp": "2024-03-01T14:30:04Z"}]}',
    "wg.json": '{"DataPoints": [{"Time": "2024-03-01T14:30:00.250000Z"}, {"Time": "2024-03-01T14:30:01.250000Z"}]}'
               '\x00WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{"gpsCoordinates":"N41.880000 W87.630000",'
               '"officer":"A. Officer"}\n\n00:00:01.000 --> 00:00:02.000\n{"gpsCoordinates":"","officer":"A"}\n',
}


#: DJI flight-log CSV exports, the two layouts djicsv.py reads (column names as its docstring gives them).
DJI_CSV = [
    ("time(millisecond),datetime(utc),latitude,longitude,altitude_above_seaLevel(meters),speed(m/s)\n"
     "0,2024-03-01 14:30:00,41.880000,-87.630000,180.0,0.0\n"
     "100,2024-03-01 14:30:00.1,41.880010,-87.630010,180.5,1.2\n"),
    ("sep=,\nCUSTOM.date [local],CUSTOM.updateTime [local],OSD.flyTime [s],OSD.latitude,OSD.longitude,"
     "OSD.altitude [m],OSD.hSpeed [m/s]\n3/1/2024,2:30:00.10 PM,0.1,41.88,-87.63,10.0,0.0\n"
     "3/1/2024,2:30:00.20 PM,0.2,41.8801,-87.6301,10.2,1.0\n"),
]


def _sidecar_kind(name: str) -> int | None:
    """The index in SIDECAR_NAMES of the name with the same ending, for a corpus file."""
    lowered = name.lower()
    for index, known in enumerate(SIDECAR_NAMES):
        ending = known.lower().split("_", 1)[-1] if "gpstrail" in known else Path(known.lower()).suffix
        if known.endswith(".metadata.json"):
            ending = ".metadata.json"
        if lowered.endswith(ending) and not (ending == ".json" and lowered.endswith("gpstrail.json")):
            return index
    return None


def seeds(family: str, folder: Path) -> int:
    """Write the family's seeds into `folder`; returns how many."""
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-ff-"))
    count = 0
    try:
        sources = list(_files(MEDIA, SAMPLE)) + _ffmpeg_seeds(scratch)
        for path in sources:
            with open(path, "rb") as stream:
                head = stream.read(1024)
            if family == "sidecar":
                kind = _sidecar_kind(path.name)
                if kind is None or path.stat().st_size > 1 << 20:
                    continue
                seed = bytes([kind]) + path.read_bytes()[:SEED_BYTES]
            else:
                if identify(head) not in IDENTIFIED.get(family, {family}):
                    continue
                data = path.read_bytes()
                if identify(head) in ("isobmff", "heif"):  # boxes kept, mdat cut (a HEIF's EXIF item is near its start)
                    data = _bmff_shrink(data, 256 if family == "mp4" else SEED_BYTES)
                if family == "jpeg":
                    data = _jpeg_exif_head(data)
                seed = data[: MAX_LEN.get(family, SEED_BYTES)]
            (folder / f"seed-{count:03d}").write_bytes(seed)
            count += 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    synthetic = {"sidecar": [bytes([SIDECAR_NAMES.index(name)]) + text.encode()
                             for name, text in SYNTHETIC_SIDECARS.items()],
                 "fit": [_fit_seed()], "dji-csv": [text.encode() for text in DJI_CSV]}
    for seed in synthetic.get(family, []):  # formats the corpus has none (or too few) of
        (folder / f"seed-{count:03d}").write_bytes(seed)
        count += 1
    return count


# --------------------------------------------------------------------------------------------------------- mutators

INTS = [0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**62, 2**63 - 1, 2**64 - 1]
FLOATS = [0.0, -1.0, 1e300, -1e300, math.nan, math.inf, -math.inf, 5e-324]
NUMBER_TEXT = [b"0", b"-1", b"2147483648", b"4611686018427387904", b"1e300", b"-1e300", b"NaN", b"inf", b"1e-300",
               b"99999999999999999999", b"0.0000001"]
YEARS = [b"0001", b"9999", b"0000", b"1900", b"2038", b"1969"]
#: Four-character codes and EBML ids whose payloads hold times, durations, timescales, counts or sizes.
FIELD_MARKS = [b"mvhd", b"tkhd", b"mdhd", b"elst", b"stts", b"stsz", b"stsc", b"stco", b"co64", b"trex", b"tfhd",
               b"trun", b"tfdt", b"sidx", b"mehd", b"avih", b"strh", b"strf", b"indx", b"idx1", b"LIST", b"IDIT",
               b"GPSU", b"GPS5", b"GPS9", b"SCAL", b"STMP", b"TSMP", b"TZON", b"DEVC", b"STRM", b"gps ", b"free",
               b"\x44\x89", b"\x44\x61", b"\x2a\xd7\xb1", b"\xe7", b"\x45\xa3", b"\x44\x87", b"\x01\x0f",
               b"\x88\x25", b"\x90\x03", b"\x01\x32", b"\x00\x00\x01\xba", b"\x47\x40", b"RED1", b"RED2",
               b"\xa1\xdc\xab\x8c", b"\x40\xa4\xd0\xd2", b"onMetaData", b"duration", b"creationdate",
               b"\x00\x00\x01\xbb", b"\x00\x00\x01\xe0"]
_DATE = re.compile(rb"(?<!\d)(\d{4})([-:/])(\d{2})\2(\d{2})")
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")


def _mark_positions(buf: bytearray, rng: random.Random) -> list[int]:
    """Where the first field mark (in a random order) that the input holds occurs (`bytes.find`: cheap per exec)."""
    for mark in rng.sample(FIELD_MARKS, len(FIELD_MARKS)):
        positions, at = [], buf.find(mark)
        while at >= 0 and len(positions) < 64:
            positions.append(at)
            at = buf.find(mark, at + 1)
        if positions:
            return positions
    return []


def _pack_extreme(rng: random.Random) -> bytes:
    if rng.random() < 0.3:
        value = rng.choice(FLOATS)
        fmt = rng.choice((">d", "<d", ">f", "<f") if not math.isfinite(value) or value == 0 else (">d", "<d"))
        return struct.pack(fmt, value)
    number = rng.choice(INTS)
    fmt, limit = rng.choice([(">I", 2**32), ("<I", 2**32), (">Q", 2**64), ("<Q", 2**64), (">H", 2**16)])
    return struct.pack(fmt, number % limit)


def semantic(data: bytes, rng: random.Random, binary: bool) -> bytes:
    """One semantic rewrite: a date, a number, or a time/count/size field set to an extreme value."""
    buf = bytearray(data)
    choice = rng.random()
    if choice < 0.3:
        dates = list(_DATE.finditer(buf))
        if dates:
            found = rng.choice(dates)
            pick = rng.random()
            if pick < 0.6:
                buf[found.start(1) : found.end(1)] = rng.choice(YEARS)
            elif pick < 0.8:
                buf[found.start(3) : found.end(3)] = rng.choice([b"00", b"13", b"99"])
            else:
                buf[found.start(4) : found.end(4)] = rng.choice([b"00", b"32", b"99"])
            return bytes(buf)
    if choice < 0.55 and not binary:
        numbers = list(_NUMBER.finditer(buf))
        if numbers:
            found = rng.choice(numbers)
            buf[found.start() : found.end()] = rng.choice(NUMBER_TEXT)
            return bytes(buf)
    marks = _mark_positions(buf, rng)
    value = _pack_extreme(rng)
    if marks and rng.random() < 0.85:
        at = rng.choice(marks)
        pos = at - 4 if rng.random() < 0.15 else at + 4 + 4 * rng.randrange(12)  # the size before, or a field
    else:
        pos = rng.randrange(max(1, len(buf)))
    pos = max(0, pos)
    if pos + len(value) <= len(buf):
        buf[pos : pos + len(value)] = value
    return bytes(buf)


def make_mutator(binary: bool) -> Callable[[bytes, int, int], bytes]:
    """libFuzzer's structural mutations half the time, the semantic ones (possibly stacked) the other half."""

    def mutate(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 0.5:
            return atheris.Mutate(data, max_size)
        for _ in range(rng.choice((1, 1, 2, 3))):
            data = semantic(data, rng, binary)
        return data[:max_size]

    return mutate


# ------------------------------------------------------------------------------------------------------------- main

#: Families whose seeds are files `identify` names otherwise (or several kinds).
IDENTIFIED = {"mp4": {"isobmff", "gpmf"}}
#: Longest input per family where the default (2 × SEED_BYTES, seeds cut to SEED_BYTES) is too short for the header
#: that matters: an MP4's boxes, a HEIF's meta box and EXIF item, a JPEG's EXIF segment (up to 16 KiB).
MAX_LEN = {"mp4": 2 * SEED_BYTES, "heif": 2 * SEED_BYTES, "jpeg": 4 * SEED_BYTES}
FAMILIES: dict[str, Callable[[bytes], None]] = {
    "mp4": media_target("FILE0001.MP4"),
    "heif": media_target("IMG_0001.HEIC"),
    "riff": media_target("MVI_0001.AVI"),
    "mpegts": media_target("00001.MTS"),
    "matroska": media_target("clip.mkv"),
    "jpeg": media_target("IMG_0001.JPG"),
    "fit": media_target("2024-03-01-14-30-00.fit"),
    "dv": media_target("tape_0001.dv"),
    "dji-csv": media_target("Mar-1st-2024-02-30PM-Flight-Airdata.csv"),
    "r3d": media_target("A001_C001_0301XY.R3D"),
    "pmp": media_target("DSC00001.PMP"),
    "asf": media_target("CAR12_0001.WMV"),
    "flv": media_target("clip_0001.flv"),
    "mpeg-ps": media_target("MOV00001.MPG"),
    "sidecar": sidecar_target,
}


def keep_going(target: Callable[[bytes], None], folder: Path) -> Callable[[bytes], None]:
    """Record each distinct crash (type, innermost project frame, message without its numbers) with its input,
    and carry on."""
    seen: set[str] = set()

    def wrapped(data: bytes) -> None:
        try:
            target(data)
        except Exception as exc:  # noqa: BLE001 - every escaping exception is the finding
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if "bodycam_index" in f.filename]
            where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
            shape = re.sub(r"\d+(\.\d+)?", "N", str(exc))[:60]  # same cause, other values: one finding
            key = f"{type(exc).__name__} at {where}: {shape}"
            if key not in seen:
                seen.add(key)
                name = f"crash-{len(seen):03d}"
                (folder / name).write_bytes(data)
                print(f"\nCRASH {name}: {key}: {str(exc)[:200]}", file=sys.stderr, flush=True)

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=True)
    parser.add_argument("family", nargs="?", choices=sorted(FAMILIES))
    parser.add_argument("--list", action="store_true", help="list the families and their seed counts")
    parser.add_argument("--work", type=Path, help="scratch folder (seeds, grown corpus, crashes); default: a temp dir")
    parser.add_argument("--keep-going", action="store_true", help="record crashes and carry on")
    args, libfuzzer = parser.parse_known_args()
    if args.list:
        with tempfile.TemporaryDirectory() as tmp:
            for family in FAMILIES:
                folder = Path(tmp, family)
                folder.mkdir()
                print(family, seeds(family, folder))
        return
    if args.family is None:
        parser.error("name a family, or --list")
    work = args.work or Path(tempfile.mkdtemp(prefix=f"fuzz-{args.family}-"))
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        print(f"{seeds(args.family, corpus)} seeds in {corpus}", file=sys.stderr)
    target = FAMILIES[args.family]
    if args.keep_going:
        target = keep_going(target, work)
    defaults = ["-timeout=10", "-rss_limit_mb=1024", f"-max_len={MAX_LEN.get(args.family, 2 * SEED_BYTES)}",
                f"-artifact_prefix={work}/"]
    given = {flag.split("=")[0] for flag in libfuzzer}
    argv = [sys.argv[0], *[d for d in defaults if d.split("=")[0] not in given], *libfuzzer, str(corpus)]
    atheris.Setup(argv, target, custom_mutator=make_mutator(args.family != "sidecar"))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
