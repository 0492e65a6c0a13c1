"""Time resolution: precedence, zone placement, clock offset and drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bodycam_index.model import Extraction, GpsFix, TimeCandidate
from bodycam_index.resolve import ZONE_CONFLICT, clock_offset, rank, resolve


def _ex(*times: TimeCandidate, location: GpsFix | None = None, duration: float | None = 10.0) -> Extraction:
    return Extraction("mp4", duration_s=duration, times=list(times), location=location)


def test_gps_start_wins_and_offset_is_split_into_zone_and_drift() -> None:
    # max-heromode.mp4: mvhd 15:45:32 camera-local, first GPS fix 23:45:14Z → −8 h and 18 s of drift.
    mvhd = TimeCandidate("mp4.mvhd.creation", datetime(2019, 11, 18, 15, 45, 32), "local")
    gps = TimeCandidate("gpmf.gpsu", datetime(2019, 11, 18, 23, 45, 14, tzinfo=UTC), "utc")
    footage = resolve(_ex(mvhd, gps))
    assert footage.start_utc == datetime(2019, 11, 18, 23, 45, 14, tzinfo=UTC)
    assert footage.time_source == "gpmf.gpsu" and footage.zone_kind == "utc"
    assert footage.clock_offset_s == -(7 * 3600 + 59 * 60 + 42)
    assert footage.drift_s == 18
    assert footage.end_utc == footage.start_utc + timedelta(seconds=10)


def test_drift_uses_the_zone_at_the_position_when_known() -> None:
    # A camera on Pacific time whose clock is 10 min fast: quarter-hour rounding alone would call it −5 min.
    mvhd = TimeCandidate("mp4.mvhd.creation", datetime(2024, 3, 1, 10, 25, 0), "local")
    gps = TimeCandidate("gpmf.gpsu", datetime(2024, 3, 1, 18, 15, 0, tzinfo=UTC), "utc")
    footage = resolve(_ex(mvhd, gps, location=GpsFix(47.6153, -122.3162)))
    assert footage.clock_offset_s == -(7 * 3600 + 50 * 60)
    assert footage.drift_s == 600
    assert resolve(_ex(mvhd, gps)).drift_s == -300  # without a position: nearest quarter hour


def test_offset_beyond_any_zone_is_all_drift() -> None:
    # Nikon DSCN0010.jpg: DateTimeOriginal 2008-10-22 16:28:39 vs GPS 2008-10-23 14:27:07Z: about 22 h off.
    header = TimeCandidate("exif.datetimeoriginal", datetime(2008, 10, 22, 16, 28, 39), "local")
    offset, drift = clock_offset(header, datetime(2008, 10, 23, 14, 27, 7, tzinfo=UTC))
    assert offset == drift == -(21 * 3600 + 58 * 60 + 28)


def test_keys_creationdate_beats_mvhd() -> None:
    keys = TimeCandidate("mp4.keys.creationdate", datetime(2019, 7, 24, 11, 25, 40,
                                                          tzinfo=timezone(timedelta(hours=3))), "offset")
    mvhd = TimeCandidate("mp4.mvhd.creation", datetime(2019, 7, 24, 8, 25, 57, tzinfo=UTC), "utc")
    footage = resolve(_ex(mvhd, keys))
    assert footage.start_utc == datetime(2019, 7, 24, 8, 25, 40, tzinfo=UTC)
    assert footage.zone_kind == "offset" and footage.time_source == "mp4.keys.creationdate"
    assert rank(keys) < rank(mvhd)


def test_wall_clock_time_is_placed_by_tz_then_gps_position_then_left_unknown() -> None:
    # DESIGN §5: --tz states the zone the fleet's clocks follow; it wins over the position's zone, with a flag.
    mvhd = TimeCandidate("mp4.mvhd.creation", datetime(2024, 7, 1, 10, 0, 0), "local")
    seattle = GpsFix(47.6153, -122.3162)
    assumed = resolve(_ex(mvhd, location=seattle), tz="Europe/Berlin")
    assert assumed.zone_kind == "assumed:Europe/Berlin"
    assert assumed.start_utc == datetime(2024, 7, 1, 8, 0, 0, tzinfo=UTC)  # CEST, +2 h in July
    assert len(assumed.flags) == 1 and assumed.flags[0].startswith(ZONE_CONFLICT)
    assert "America/Los_Angeles" in assumed.flags[0]

    agreeing = resolve(_ex(mvhd, location=seattle), tz="America/Vancouver")  # same offset: no conflict
    assert agreeing.zone_kind == "assumed:America/Vancouver" and agreeing.flags == ()

    inferred = resolve(_ex(mvhd, location=seattle))
    assert inferred.zone_kind == "inferred:America/Los_Angeles"
    assert inferred.start_utc == datetime(2024, 7, 1, 17, 0, 0, tzinfo=UTC)  # PDT, −7 h in July

    assumed = resolve(_ex(mvhd), tz="America/Los_Angeles")
    assert assumed.zone_kind == "assumed:America/Los_Angeles"
    assert assumed.start_utc == datetime(2024, 7, 1, 17, 0, 0, tzinfo=UTC)

    unknown = resolve(_ex(mvhd))
    assert unknown.zone_kind == "unknown"
    assert unknown.start_utc == datetime(2024, 7, 1, 10, 0, 0, tzinfo=UTC)  # the wall-clock reading, flagged
    assert "unknown zone" in unknown.time_reason


def test_an_offset_the_file_gives_wins_over_tz_and_position() -> None:
    # GoPro TZON / EXIF OffsetTime: the file's own offset places a wall-clock time of the same file.
    srt = TimeCandidate("srt.dji", datetime(2024, 7, 1, 10, 0, 0), "local")
    exif = TimeCandidate("exif.datetimeoriginal", datetime(2024, 7, 1, 10, 0, 5, tzinfo=timezone(timedelta(hours=2))),
                         "offset")
    footage = resolve(_ex(srt, exif, location=GpsFix(47.6153, -122.3162)), tz="America/New_York")
    assert footage.time_source == "srt.dji" and footage.zone_kind == "offset"
    assert footage.start_utc == datetime(2024, 7, 1, 8, 0, 0, tzinfo=UTC)
    assert "+02:00" in footage.time_reason


def test_offset_learned_from_gps_utc_beats_tz() -> None:
    # exiftool/Ricoh2.jpg: DateTimeOriginal 2006:05:26 11:48:48, GPS 10:47:24Z → +01:00 (84 s after the last fix).
    dto = TimeCandidate("exif.datetimeoriginal", datetime(2006, 5, 26, 11, 48, 48), "local")
    gps = TimeCandidate("exif.gps", datetime(2006, 5, 26, 10, 47, 24, tzinfo=UTC), "utc")
    footage = resolve(_ex(dto, gps), tz="America/Chicago")
    assert footage.time_source == "exif.datetimeoriginal" and footage.zone_kind == "offset"
    assert footage.start_utc == datetime(2006, 5, 26, 10, 48, 48, tzinfo=UTC)
    assert "learned" in footage.time_reason
    # 22 h off (Nikon DSCN0010.jpg) is no zone: nothing is learned, --tz applies
    far = TimeCandidate("exif.gps", datetime(2006, 5, 27, 9, 47, 24, tzinfo=UTC), "utc")
    assert resolve(_ex(dto, far), tz="America/Chicago").zone_kind == "assumed:America/Chicago"


def test_dst_ambiguous_and_nonexistent_local_times_are_flagged() -> None:
    # America/Los_Angeles: 2024-11-03 01:30 happens twice; 2024-03-10 02:30 never happens.
    twice = TimeCandidate("avi.idit", datetime(2024, 11, 3, 1, 30), "local")
    footage = resolve(_ex(twice), tz="America/Los_Angeles")
    assert footage.start_utc == datetime(2024, 11, 3, 8, 30, tzinfo=UTC)  # first occurrence, PDT
    assert any("ambiguous" in f for f in footage.flags)
    never = TimeCandidate("avi.idit", datetime(2024, 3, 10, 2, 30), "local")
    footage = resolve(_ex(never), tz="America/Los_Angeles")
    assert footage.start_utc == datetime(2024, 3, 10, 10, 30, tzinfo=UTC)  # offset before the change, PST
    assert any("nonexistent" in f for f in footage.flags)


def test_unset_times_are_never_chosen_and_file_names_rank_last() -> None:
    unset = TimeCandidate("mp4.mvhd.creation", datetime(1904, 1, 1), "unset")
    name = TimeCandidate("filename.viofo", datetime(2024, 3, 1, 14, 30, 0), "local")
    footage = resolve(_ex(unset, name), tz="America/Los_Angeles")
    assert footage.time_source == "filename.viofo"
    assert footage.start_utc == datetime(2024, 3, 1, 22, 30, 0, tzinfo=UTC)
    assert resolve(_ex(unset)).start_utc is None


def test_representative_point_is_track_median_without_a_static_location() -> None:
    track = [GpsFix(47.0 + i / 1000, -122.0, source="t") for i in range(5)]
    extraction = Extraction("mp4", track=track)
    footage = resolve(extraction)
    assert (footage.lat, footage.lon, footage.fix_count) == (47.002, -122.0, 5)
