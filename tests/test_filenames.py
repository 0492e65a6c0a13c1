"""File-name conventions (formats.md §6) and incident-number hints from names and folders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bodycam_index.filenames import from_filename, incident_hints
from bodycam_index.model import InputError

# path, source, time (None: the convention gives no time), zone, expected tags
ROWS = [
    (
        "DCIM/100GOPRO/GH010123.MP4",
        "filename.gopro",
        None,
        None,
        {"filename.gopro.chapter": "01", "filename.gopro.number": "0123"},
    ),
    ("GX020045.MP4", "filename.gopro", None, None, {"filename.gopro.chapter": "02"}),
    ("GOPR0042.MP4", "filename.gopro", None, None, {"filename.gopro.number": "0042"}),
    ("GP010042.LRV", "filename.gopro", None, None, {"filename.gopro.chapter": "01"}),
    ("DJI_0001.MP4", "filename.dji", None, None, {"filename.dji.number": "0001"}),
    (
        "DJI_20230412111213_0007_D.MP4",
        "filename.dji",
        datetime(2023, 4, 12, 11, 12, 13),
        "local",
        {"filename.dji.number": "0007"},
    ),
    (
        "20211011_141314_NF.mp4",
        "filename.blackvue",
        datetime(2021, 10, 11, 14, 13, 14),
        "local",
        {"filename.blackvue.event": "normal", "filename.blackvue.position": "front"},
    ),
    (
        "20211011_141314_PRS.mp4",
        "filename.blackvue",
        datetime(2021, 10, 11, 14, 13, 14),
        "local",
        {"filename.blackvue.event": "parking", "filename.blackvue.position": "rear"},
    ),
    (
        "DCIM/Movie/RO/2023_0412_111213_0042EF.MP4",
        "filename.viofo",
        datetime(2023, 4, 12, 11, 12, 13),
        "local",
        {
            "filename.viofo.event": "event",
            "filename.viofo.position": "front",
            "filename.folder.event": "event",
        },
    ),
    (
        "2019_0101_235959_123.MP4",
        "filename.viofo",
        datetime(2019, 1, 1, 23, 59, 59),
        "local",
        {"filename.viofo.number": "123"},
    ),
    (
        "180919_100959_001_FH.MP4",
        "filename.nextbase",
        datetime(2018, 9, 19, 10, 9, 59),
        "local",
        {"filename.nextbase.position": "front"},
    ),
    (
        "NO20191130-120156-000121.MP4",
        "filename.70mai",
        datetime(2019, 11, 30, 12, 1, 56),
        "local",
        {"filename.70mai.event": "normal", "filename.70mai.number": "000121"},
    ),
    (
        "EV20191130-120156-000122B.MP4",
        "filename.70mai",
        datetime(2019, 11, 30, 12, 1, 56),
        "local",
        {"filename.70mai.event": "event", "filename.70mai.position": "rear"},
    ),
    (
        "20230412_111213_0001_E_A.mp4",
        "filename.vantrue",
        datetime(2023, 4, 12, 11, 12, 13),
        "local",
        {"filename.vantrue.event": "event", "filename.vantrue.position": "A"},
    ),
    (
        "2023_04_12_111213_00_I.MP4",
        "filename.wolfbox",
        datetime(2023, 4, 12, 11, 12, 13),
        "local",
        {"filename.wolfbox.position": "interior"},
    ),
    (
        "evt_rec/REC_2019_08_31_16_13_13_R.MP4",
        "filename.thinkware",
        datetime(2019, 8, 31, 16, 13, 13),
        "local",
        {"filename.thinkware.position": "rear", "filename.folder.event": "event"},
    ),
    (
        "DCIM/105EVENT/GRMN0042.MP4",
        "filename.garmin",
        None,
        None,
        {"filename.garmin.number": "0042", "filename.folder.event": "event"},
    ),
    (
        "TeslaCam/SentryClips/2021-09-09_18-50-00/2021-09-09_18-49-00-left_repeater.mp4",
        "filename.tesla",
        datetime(2021, 9, 9, 18, 49),
        "local",
        {"filename.tesla.position": "left_repeater", "filename.folder.event": "sentry"},
    ),
    (
        "20220823T114700Z_17.mkv",
        "filename.axis",
        datetime(2022, 8, 23, 11, 47, tzinfo=UTC),
        "utc",
        {"filename.axis.recording_id": "17"},
    ),
]


@pytest.mark.parametrize(("name", "source", "value", "zone", "tags"), ROWS)
def test_naming_table_row(name, source, value, zone, tags):
    result = from_filename(Path("/footage") / name)
    assert result.container == "filename"
    assert result.tags["filename.convention"] == source.split(".")[1]
    assert result.tags.items() >= tags.items()
    times = [(t.source, t.value, t.zone) for t in result.times]
    assert times == ([] if value is None else [(source, value, zone)])
    assert result.incident_hints == []  # camera names and camera folders are not incident numbers


def test_axis_container_folder_gives_serial_officer_and_utc_times():
    path = Path("/cd/0a1b2c3d-user_ACCC8E012345_20220823T114650Z/20220823_114700_17.mkv")
    result = from_filename(path)
    assert result.identity.serial == "ACCC8E012345" and result.identity.officer == "0a1b2c3d-user"
    assert result.identity.make == "Axis"
    assert {(t.source, t.value, t.zone) for t in result.times} == {
        ("filename.axis.container", datetime(2022, 8, 23, 11, 46, 50, tzinfo=UTC), "utc"),
        ("filename.axis", datetime(2022, 8, 23, 11, 47, 0, tzinfo=UTC), "utc"),
    }
    assert result.incident_hints == []


def test_impossible_date_is_a_warning_not_a_time():
    result = from_filename(Path("2023_1312_111213_0042EF.MP4"))
    assert result.times == [] and result.warnings


@pytest.mark.parametrize(
    ("path", "hints"),
    [
        ("/evidence/2023-045871/officer_smith/GH010123.MP4", ["2023-045871"]),
        ("/evidence/2023-045871_officer.mp4", ["2023-045871"]),
        ("/cases/FTN2021-0378/clip.mp4", ["FTN2021-0378"]),
        ("/cases/misc/P151941002.mp4", ["P151941002"]),
        ("/cases/2022_00123456/P151941002 body cam.mp4", ["P151941002", "2022_00123456"]),
        ("/dashcam/2023_0412_111213/clip.mp4", []),  # a date-time, not an incident
        ("/dashcam/2023-04-12/clip.mp4", []),
        ("/footage/20230412/clip_000123.mp4", []),
        ("/cd/0a1b2c3d-user_ACCC8E012345_20220823T114650Z/20220823T114700Z_17.mkv", []),
    ],
)
def test_incident_hints_from_name_and_folders(path, hints):
    assert from_filename(Path(path)).incident_hints == hints


def test_custom_incident_pattern_and_bad_pattern():
    path = Path("/cases/CASE#778899/clip.mp4")
    assert incident_hints(path, r"CASE#(?P<number>\d+)") == ["778899"]
    assert from_filename(path, r"CASE#\d+").incident_hints == ["CASE#778899"]
    with pytest.raises(InputError):
        from_filename(path, "([unclosed")


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "\0" not in s))
def test_any_name_is_handled(name):
    result = from_filename(Path("/x") / name)
    assert all(t.source.startswith("filename.") for t in result.times)
