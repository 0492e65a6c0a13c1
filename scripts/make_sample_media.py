"""Generate `sample_media/`: small recordings and CSV exports that tell one coherent, invented story.

Run `python scripts/make_sample_media.py [OUTDIR]`. Everything is made here from the format specifications; nothing
comes from the test corpus. The story (Seattle, 1 March 2024, Pacific time = UTC−8):
- incident 2024-000451 (a priority-1 assault): body camera C3441324512345 of unit 3B12 records all of it (70 min);
  the file is filed under the incident's number, its clock is on Pacific time and 18 s fast, and its GPS track (the
  first 90 s, until the officer goes indoors) is in the file;
- incident 2024-000452 (a traffic stop): a phone clip with an offset-aware creation date and a position near it;
- incident 2024-000453 (priority 1) has no footage at all: the gap the report must show;
- a dash-cam clip with no header time (its file name gives wall-clock time) recorded across town: an orphan;
- a damaged file (a truncated MP4): recorded as an error, the scan goes on.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mp4_writer import Fix, Recording, build_mp4, write_mp4

PACIFIC = timedelta(hours=-8)
BODY_SERIAL = "C3441324512345"


def _track(start: datetime, seconds: int, lat: float, lon: float) -> list[Fix]:
    """A slow walk: 10 fixes a second, drifting north-east (then the officer goes indoors and GPS is lost)."""
    return [Fix(start + timedelta(seconds=i / 10), lat + i * 2e-6, lon + i * 2e-6, 45.0) for i in range(seconds * 10)]


def write_media(out: Path) -> None:
    """The recordings: body cam, phone, dash cam, a damaged file."""
    body_start = datetime(2024, 3, 1, 18, 14, 2, tzinfo=UTC)  # UTC, from GPS
    write_mp4(out / "unit-3B12" / "2024-000451" / "GX010042.MP4", Recording(
        duration_s=70 * 60.0,
        creation=(body_start + PACIFIC + timedelta(seconds=18)).replace(tzinfo=None),  # camera-local, 18 s fast
        fixes=_track(body_start, 90, 47.61530, -122.31620),
        xyz="+47.6153-122.3162/",
        gpmf_device={"MINF": "HERO9 Black", "CASN": BODY_SERIAL, "FMWR": "HD9.01.01.60.00"},
    ))
    write_mp4(out / "phone" / "IMG_0042.MOV", Recording(
        duration_s=8.5,
        creation=datetime(2024, 3, 1, 19, 2, 11),  # mvhd: UTC (phones write UTC)
        keys={"com.apple.quicktime.creationdate": "2024-03-01T11:02:10-0800",
              "com.apple.quicktime.location.ISO6709": "+47.6205-122.3493+030.000/",
              "com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 13"},
    ))
    write_mp4(out / "dashcam" / "2024_0301_143000_0007F.MP4", Recording(
        duration_s=60.0, creation=None, xyz="+47.5301-122.2698/",
    ))
    damaged = build_mp4(Recording(duration_s=5.0, creation=datetime(2024, 3, 1, 9, 0, 0)))
    path = out / "dashcam" / "2024_0301_090000_0006F.MP4"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(damaged[: len(damaged) - 40])  # moov cut short: a copy that failed part-way


def _local(text: str) -> str:
    """Seattle CAD style: `03/01/2024 10:14:05 AM`, local time, hour not padded."""
    value = datetime.fromisoformat(text)
    return value.strftime("%m/%d/%Y ") + f"{value.hour % 12 or 12}" + value.strftime(":%M:%S %p")


INCIDENTS = [
    # number, clearance, call type, priority, queued (local), arrived (local), precinct, sector, beat, lon, lat
    ("2024000000451", "ARREST", "ASLT - IP/JO - WITH OR W/O WPNS", "1", "2024-03-01T10:09:40",
     "2024-03-01T10:14:30", "EAST", "C", "C2", -122.3162, 47.6153),
    ("2024000000452", "CITATION", "TRAFFIC STOP - OFFICER INITIATED ONVIEW", "7", "2024-03-01T10:58:00",
     "2024-03-01T11:01:00", "WEST", "D", "D1", -122.3493, 47.6205),
    ("2024000000453", "REPORT WRITTEN", "ASLT - WITH OR W/O WEAPONS (NO SHOOTINGS)", "1", "2024-03-01T12:30:00",
     "2024-03-01T12:41:00", "SOUTH", "R", "R3", -122.2870, 47.5400),
    ("2024000000454", "NO POLICE ACTION", "SUSPICIOUS PERSON, VEHICLE OR INCIDENT", "3", "2024-03-01T13:05:00",
     "", "NORTH", "N", "N2", -122.3410, 47.6900),
]
CAD_HEADER = ["CAD Event Number", "Event Clearance Description", "Call Type", "Priority", "Initial Call Type",
              "Final Call Type", "Original Time Queued", "Arrived Time", "Precinct", "Sector", "Beat",
              "Blurred_Longitude", "Blurred_Latitude"]


def write_csvs(out: Path) -> None:
    """The CAD export (Seattle's current layout), the camera roster and a DEMS inventory."""
    with open(out / "cad_calls.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(CAD_HEADER)
        for num, clearance, call, prio, queued, arrived, precinct, sector, beat, lon, lat in INCIDENTS:
            writer.writerow([num, clearance, "911", prio, call, call, _local(queued),
                             _local(arrived) if arrived else "", precinct, sector, beat, lon, lat])
    with open(out / "roster.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["camera_serial", "officer", "unit", "from", "to"])
        writer.writerow([BODY_SERIAL, "7731", "3B12", "2024-02-01 00:00", ""])
    with open(out / "dems_inventory.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["evidence_id", "id_external", "created_date_record_start", "date_record_end", "flag_y_n",
                         "content_type", "size_mb", "duration_seconds", "owner_badge_id", "categories"])
        writer.writerow(["6F1C2A9E-0001", "2024-000454", "2024-03-01T13:20:00", "2024-03-01T13:31:30", "N", "mp4",
                         "121.5", "690.0", "7731", ""])
        writer.writerow(["6F1C2A9E-0002", "system check", "2024-03-01T07:58:00", "2024-03-01T07:58:40", "N", "mp4",
                         "7.1", "40.0", "7731", ""])


def main(out: Path) -> None:
    """Write the whole sample set to `out`."""
    (out / "exports").mkdir(parents=True, exist_ok=True)
    write_media(out / "footage")
    write_csvs(out / "exports")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "sample_media")
