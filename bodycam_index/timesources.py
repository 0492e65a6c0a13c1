"""Every time source a parser may emit, with its rank and zone semantics, in one table (as ExifTool tables tags).

`resolve` picks the start time by rank (lower wins; formats.md §7), never by the shape of a source's name. A name is
looked up exactly, then by its dotted parents (`filename.blackvue` → `filename`), so a family whose members come from
another table (file-name conventions, Matroska tags, AVI text chunks) is declared once. A test runs every parser over
the corpus and checks each source it emits is declared here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: `utc`: the value is UTC by definition. `offset`: it carries its own offset. `local`: wall clock of an unrecorded
#: zone. `writer`: UTC or wall clock depending on the file's writer (see `writers.py`). `varies`: the parser decides
#: per value (an ISO text with or without a zone).
Semantics = Literal["utc", "offset", "local", "writer", "varies"]

#: Rank classes, best first.
GPS, ZONED_TAG, MDPM, MKV, SIDECAR, HEADER, NAME, FILESYSTEM = range(8)


@dataclass(frozen=True)
class TimeSource:
    """One declared source: its rank, zone semantics, whether it is GPS time, and what it is."""

    name: str
    rank: int
    semantics: Semantics
    what: str
    gps: bool = False


_TABLE: list[TimeSource] = [
    # GPS UTC: the first fix minus its offset in the recording.
    TimeSource("gpmf.gpsu", GPS, "utc", "GoPro GPMF GPSU/GPS9 time of the first fix", gps=True),
    TimeSource("blackvue.gps", GPS, "utc", "BlackVue `gps ` box NMEA, first RMC fix", gps=True),
    TimeSource("70mai.gps", GPS, "utc", "70mai GPS box, first fix", gps=True),
    TimeSource("garmin.gps", GPS, "utc", "Garmin dash-cam GPS, first fix", gps=True),
    TimeSource("gps0.gps", GPS, "utc", "`gps0` box, first fix", gps=True),
    TimeSource("camm.gps", GPS, "utc", "Google CAMM type 6, first fix", gps=True),
    TimeSource("freegps.gps", GPS, "utc", "Novatek freeGPS, first fix", gps=True),
    TimeSource("nmea.gps", GPS, "utc", "NMEA text track, first RMC fix", gps=True),
    TimeSource("nextbase.gps", GPS, "utc", "Nextbase text track, first RMC fix", gps=True),
    TimeSource("gpmd.nmea.gps", GPS, "utc", "NMEA in a non-GoPro `gpmd` track, first RMC fix", gps=True),
    TimeSource("gpmf.gps9", GPS, "utc", "GoPro GPMF GPS9 time of the first fix", gps=True),
    TimeSource("gpmf.syst", GPS, "utc", "GoPro Karma GPRI/GLPI fix timed by SYST, first fix", gps=True),
    TimeSource("fit.record", GPS, "utc", "Garmin FIT record messages, first timed fix", gps=True),
    TimeSource("fit.gps_metadata", GPS, "utc", "Garmin FIT (VIRB) gps_metadata, first timed fix", gps=True),
    TimeSource("djicsv.datetime_utc", GPS, "utc", "DJI flight-log CSV (Airdata) datetime(utc), first fix", gps=True),
    TimeSource("track.first_fix", GPS, "utc", "a track file on its own: its first timed fix", gps=True),
    # Zone-aware container tags.
    TimeSource("mp4.keys.creationdate", ZONED_TAG, "varies", "QuickTime Keys com.apple.quicktime.creationdate"),
    TimeSource("mp4.udta.day", ZONED_TAG, "varies", "QuickTime ©day"),
    TimeSource("mp4.udta.date", ZONED_TAG, "varies", "3GPP `date`"),
    TimeSource("xmp.createdate", ZONED_TAG, "varies", "XMP xmp:CreateDate"),
    TimeSource("mp4.mvhd.creation+gpmf.tzon", ZONED_TAG, "offset", "GoPro mvhd wall clock with GPMF TZON"),
    TimeSource("mp4.tkhd.creation+gpmf.tzon", ZONED_TAG, "offset", "GoPro tkhd wall clock with GPMF TZON"),
    TimeSource("mp4.mdhd.creation+gpmf.tzon", ZONED_TAG, "offset", "GoPro mdhd wall clock with GPMF TZON"),
    # AVCHD, Matroska and ASF.
    TimeSource("mts.mdpm", MDPM, "offset", "AVCHD H.264 SEI MDPM: local time, offset and DST flag"),
    TimeSource("mts.gpsinfo", MDPM, "local", "vsys $GPSINFO camera clock"),
    TimeSource("mts.freegps.localtime", MDPM, "local", "freeGPS block in a TS: camera clock"),
    TimeSource("mkv.dateutc", MKV, "utc", "Matroska Info/DateUTC"),
    TimeSource("asf.creation_date", MKV, "utc", "ASF File Properties Creation Date (FILETIME, UTC by definition)"),
    TimeSource("mkv.tag", MKV, "varies", "Matroska tag (DATE_RECORDED): ISO text with or without a zone"),
    # Sidecars and exports.
    TimeSource("axis.starttime", SIDECAR, "utc", "Axis body-worn export StartTime"),
    TimeSource("axis.triggerontime", SIDECAR, "utc", "Axis body-worn export TriggerOnTime"),
    TimeSource("watchguard.time", SIDECAR, "utc", "WatchGuard/Motorola export DataPoints time minus cue start"),
    TimeSource("srt.dji", SIDECAR, "local", "DJI SRT first dated cue minus its start (camera clock)"),
    TimeSource("blackvue.sttm", SIDECAR, "local", "BlackVue `sttm`: ms since 1970 in local time"),
    TimeSource("freegps.localtime", SIDECAR, "local", "Novatek freeGPS camera clock"),
    TimeSource("fit.time_created", SIDECAR, "utc", "Garmin FIT file_id time_created"),
    TimeSource("djicsv.updatetime_local", SIDECAR, "local", "DJI log viewer CSV CUSTOM.updateTime: phone clock"),
    # Container header times.
    TimeSource("mp4.mvhd.creation", HEADER, "writer", "QuickTime/MP4 mvhd creation time"),
    TimeSource("mp4.tkhd.creation", HEADER, "writer", "QuickTime/MP4 tkhd creation time (mvhd unset)"),
    TimeSource("mp4.mdhd.creation", HEADER, "writer", "QuickTime/MP4 mdhd creation time (mvhd unset)"),
    TimeSource("avi.idit", HEADER, "local", "AVI IDIT text date"),
    TimeSource("avi", HEADER, "local", "AVI LIST/INFO text date (ICRD)"),
    TimeSource("dv.recdatetime", HEADER, "local", "DV packs 0x62/0x63: camcorder recording date and time"),
    TimeSource("r3d.datetime_original", HEADER, "local", "RED R3D DateTimeOriginal (tag 0x1005)"),
    TimeSource("r3d.date_created", HEADER, "local", "RED R3D DateCreated + TimeCreated (tags 0x1023, 0x1024)"),
    TimeSource("pmp.datetimeoriginal", HEADER, "local", "Sony DSC-F1 PMP header DateTimeOriginal"),
    TimeSource("exif.datetimeoriginal", HEADER, "varies", "EXIF DateTimeOriginal (+ SubSec, OffsetTimeOriginal)"),
    TimeSource("exif.datetime", HEADER, "local", "EXIF IFD0 DateTime (no DateTimeOriginal)"),
    TimeSource("flv.creation_time", HEADER, "writer", "FLV onMetaData creation_time (FFmpeg's; UTC when FFmpeg "
               "wrote it, else wall clock)"),
    TimeSource("ffmpeg.creation_time", HEADER, "writer", "FFmpeg's creation_time of a file no parser reads "
               "(UTC for Lavf-written files and formats defined as UTC, else wall clock)"),
    # Last resorts.
    TimeSource("exif.gps", NAME, "utc", "EXIF GPSDateStamp+GPSTimeStamp: the last fix, used for the zone offset; "
               "the shot time only when the still has no camera clock", gps=True),
    TimeSource("filename", NAME, "varies", "camera file-name convention (filenames.py)"),
    TimeSource("fs.mtime", FILESYSTEM, "utc", "file modification time: last resort, often the copy time"),
]

TABLE: dict[str, TimeSource] = {source.name: source for source in _TABLE}


def lookup(name: str) -> TimeSource | None:
    """The declared source of a candidate's name (exact, else its nearest dotted parent), or None."""
    key = name
    while True:
        found = TABLE.get(key)
        if found is not None:
            return found
        if "." not in key:
            return None
        key = key.rsplit(".", 1)[0]


def source_of(name: str) -> TimeSource:
    """The declared source of `name`; an undeclared name ranks with container headers (and a test fails)."""
    return lookup(name) or TimeSource(name, HEADER, "varies", "undeclared source")
