"""XMP packets in JPEG stills (APP1 `http://ns.adobe.com/xap/1.0/`): the camera identity and position that editors
and some cameras keep only there (`aux:SerialNumber`, `exifEX:BodySerialNumber`, `tiff:Make`, `tiff:Model`,
`exif:GPSLatitude`/`GPSLongitude` as `DDD,MM.mmmk` or `DDD,MM,SSk`, `exif:GPSAltitude` as a rational).

The JPEG is walked marker by marker up to the start of scan, every length bounded by the bytes given; the XML is
parsed with defusedxml (no entity expansion).
"""

from __future__ import annotations

from defusedxml import ElementTree

from ..coords import valid_position
from ..model import Extraction, GpsFix, Identity

_APP1 = 0xE1
_XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"
_EXIF = "{http://ns.adobe.com/exif/1.0/}"
#: Identity field → XMP properties that hold it, in the order ExifTool prefers them.
_FIELDS = {
    "serial": ("{http://ns.adobe.com/exif/1.0/aux/}SerialNumber", "{http://cipa.jp/exif/1.0/}BodySerialNumber"),
    "make": ("{http://ns.adobe.com/tiff/1.0/}Make",),
    "model": ("{http://ns.adobe.com/tiff/1.0/}Model",),
}


def jpeg_xmp(data: bytes) -> str | None:
    """The XMP packet of a JPEG's APP1 segment, from the file's first bytes; None when there is none."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker == 0xDA:  # start of scan: no metadata after it
            return None
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return None
        segment = data[pos + 4 : pos + 2 + length]
        if marker == _APP1 and segment.startswith(_XMP_ID):
            return segment[len(_XMP_ID) :].decode("utf-8", "replace")
        pos += 2 + length
    return None


def _descriptions(xmp: str) -> list:
    """The rdf:Description elements of a packet (none when it is not well-formed XML)."""
    start, end = xmp.find("<x:xmpmeta"), xmp.rfind("</x:xmpmeta>")
    text = xmp[start : end + len("</x:xmpmeta>")] if start >= 0 and end > start else xmp
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except Exception:  # noqa: BLE001 - defusedxml raises several kinds for hostile or broken XML
        return []
    return list(root.iter(_RDF))


def _value(descriptions: list, name: str) -> str | None:
    """One property, as an attribute of an rdf:Description or as its child element."""
    for description in descriptions:
        element = description.find(name)
        value = description.attrib.get(name) or (element.text if element is not None else None)
        if value and value.strip():
            return value.strip()
    return None


def identity(xmp: str) -> Identity:
    """Make, model and serial number from an XMP packet (properties as attributes or elements)."""
    descriptions = _descriptions(xmp)
    found = {field: next((v for v in (_value(descriptions, n) for n in names) if v), None)
             for field, names in _FIELDS.items()}
    return Identity(**found)


def coordinate(text: str | None) -> float | None:
    """An XMP GPS coordinate (`DDD,MM.mmmk` or `DDD,MM,SSk`, k one of NSEW) in signed degrees, or None."""
    if not text or text[-1].upper() not in "NSEW":
        return None
    try:
        parts = [float(p) for p in text[:-1].split(",")]
    except ValueError:
        return None
    if not 1 <= len(parts) <= 3:
        return None
    degrees = sum(p / 60**i for i, p in enumerate(parts))
    return -degrees if text[-1].upper() in "SW" else degrees


def position(xmp: str) -> GpsFix | None:
    """The still's position from `exif:GPSLatitude`/`GPSLongitude` (and altitude), or None."""
    descriptions = _descriptions(xmp)
    lat = coordinate(_value(descriptions, _EXIF + "GPSLatitude"))
    lon = coordinate(_value(descriptions, _EXIF + "GPSLongitude"))
    if lat is None or lon is None or not valid_position(lat, lon):
        return None
    alt = None
    num, _, den = (_value(descriptions, _EXIF + "GPSAltitude") or "").partition("/")
    try:
        alt = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        alt = None
    if alt is not None and _value(descriptions, _EXIF + "GPSAltitudeRef") == "1":
        alt = -alt
    return GpsFix(lat, lon, alt_m=alt, source="xmp.gps")


def add_identity(jpeg: bytes, out: Extraction) -> None:
    """Fill the extraction's empty make, model, serial and position from the JPEG's XMP packet (EXIF wins where
    both have them), keeping the XMP values as `xmp.*` tags."""
    packet = jpeg_xmp(jpeg)
    if packet is None:
        return
    if out.location is None:
        out.location = position(packet)
        if out.location is not None:
            out.tags["xmp.gps"] = f"{out.location.lat:.8f},{out.location.lon:.8f}"
    found = identity(packet)
    out.identity = out.identity.merged(found)
    for key, value in (("xmp.make", found.make), ("xmp.model", found.model), ("xmp.serial", found.serial)):
        if value:
            out.tags[key] = value
