"""DV (DIF) camcorder files: recording date and time from the DV packs, duration from the frame count and rate.

IEC 61834 / SMPTE 314M: a file is a run of frames, each of 10 (525/60) or 12 (625/50) DIF sequences of 150
80-byte blocks. A block starts with a 3-byte ID whose top 3 bits give its section (0 header, 1 subcode, 2 VAUX).
The header block's byte 3 bit 7 (DSF) tells 525/60 from 625/50; the VAUX source pack's stype (low 5 bits of its
byte 3) tells DV25 from DVCPRO50/HD, which sets the frame size. VAUX blocks hold 15 five-byte packs, subcode blocks
6 "SSYB"s with one pack each; pack 0x62 is the recording date (BCD day, month, two-digit year), 0x63 the recording
time (BCD hours, minutes, seconds), both in the camcorder's wall clock. Only the first 12,000 bytes are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from ..model import ExtractError, Extraction, TimeCandidate
from .reader import Reader

HEAD = 12_000
_BLOCK = 80


@dataclass(frozen=True)
class Profile:
    """One DV variant: frame size in bytes, frame rate and its name."""

    frame_size: int
    rate: Fraction
    name: str


#: (DSF, VAUX stype) → profile (frame sizes and rates of SMPTE 314M/370M and IEC 61834).
PROFILES = {
    (0, 0x00): Profile(120_000, Fraction(30000, 1001), "DV 525/60"),
    (1, 0x00): Profile(144_000, Fraction(25), "DV 625/50"),
    (1, 0x01): Profile(144_000, Fraction(25), "DV 625/50 (IEC 61883-5)"),
    (0, 0x04): Profile(240_000, Fraction(30000, 1001), "DVCPRO50 525/60"),
    (1, 0x04): Profile(288_000, Fraction(25), "DVCPRO50 625/50"),
    (0, 0x14): Profile(480_000, Fraction(30000, 1001), "DVCPRO HD 1080i60"),
    (1, 0x14): Profile(576_000, Fraction(25), "DVCPRO HD 1080i50"),
    (0, 0x18): Profile(240_000, Fraction(60000, 1001), "DVCPRO HD 720p60"),
    (1, 0x18): Profile(288_000, Fraction(50), "DVCPRO HD 720p50"),
}


def is_dv(head: bytes) -> bool:
    """Whether the bytes start with a DIF header block (ID 1F 07 00, then the DSF flag byte)."""
    return head[:3] == b"\x1f\x07\x00" and len(head) > 3 and head[3] in (0x3F, 0xBF)


def _bcd(byte: int, mask: int) -> int | None:
    """A BCD value after masking flag bits; None when a digit is not 0-9 (0xFF: not recorded)."""
    value = byte & mask
    tens, units = value >> 4, value & 0x0F
    return None if tens > 9 or units > 9 else tens * 10 + units


def _packs(head: bytes) -> list[bytes]:
    """The 5-byte packs of the first DIF sequence's subcode and VAUX blocks, VAUX first."""
    vaux, subcode = [], []
    for index in range(1, 6):
        block = head[index * _BLOCK : (index + 1) * _BLOCK]
        if len(block) < _BLOCK:
            break
        section = block[0] >> 5
        if section == 2:  # VAUX: 15 packs after the 3-byte ID
            vaux += [block[3 + 5 * i : 8 + 5 * i] for i in range(15)]
        elif section == 1:  # subcode: 6 SSYBs of 8 bytes (2-byte ID, FF, 5-byte pack)
            subcode += [block[3 + 8 * i + 3 : 3 + 8 * i + 8] for i in range(6)]
    return vaux + subcode


def recording_time(packs: list[bytes]) -> tuple[datetime | None, int | None]:
    """The wall-clock recording date and time from the first 0x62/0x63 pair, and the raw time-zone byte."""
    date: tuple[int, int, int] | None = None
    zone: int | None = None
    for pack in packs:
        if pack[0] == 0x62:
            day, month, year = _bcd(pack[2], 0x3F), _bcd(pack[3], 0x1F), _bcd(pack[4], 0xFF)
            date = (year + (2000 if year < 90 else 1900), month, day) if None not in (day, month, year) else None
            zone = pack[1]
        elif pack[0] == 0x63 and date is not None:
            second, minute, hour = _bcd(pack[2], 0x7F), _bcd(pack[3], 0x7F), _bcd(pack[4], 0x3F)
            if None in (second, minute, hour):
                return None, zone
            try:
                return datetime(*date, hour, minute, second), zone  # type: ignore[misc]
            except ValueError:
                return None, zone
    return None, zone


def extract(reader: Reader) -> Extraction:
    """Recording time and duration of a raw DV file."""
    head = reader.read_upto(0, HEAD)
    if not is_dv(head):
        raise ExtractError("not a DV file (no DIF header block)")
    if len(head) < 6 * _BLOCK:
        raise ExtractError("DV file shorter than one DIF header")
    dsf = head[3] >> 7
    packs = _packs(head)
    source = next((p for p in packs if p[0] == 0x60), None)
    stype = source[3] & 0x1F if source is not None else 0
    profile = PROFILES.get((dsf, stype))
    out = Extraction(container="dv")
    if profile is None:
        out.warnings.append(f"unknown DV profile (DSF {dsf}, stype {stype:#x}); no duration")
    else:
        frames = Fraction(reader.size, profile.frame_size)
        out.duration_s = float(frames / profile.rate)
        out.tags["dv.profile"] = profile.name
        out.tags["dv.frames"] = str(reader.size // profile.frame_size)
    when, zone = recording_time(packs)
    if when is not None:
        out.times.append(TimeCandidate("dv.recdatetime", when, "local", "DV pack 0x62/0x63: camcorder wall clock"))
        out.tags["dv.recdatetime"] = when.isoformat()
        if zone is not None and zone != 0xFF:
            out.tags["dv.timezone_byte"] = f"{zone:#04x}"
    else:
        out.warnings.append("no DV recording date/time pack")
    return out
