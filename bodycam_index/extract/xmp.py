"""XMP packets in JPEG stills (APP1 `http://ns.adobe.com/xap/1.0/`): the camera identity that editors and some
cameras keep only there (`aux:SerialNumber`, `exifEX:BodySerialNumber`, `tiff:Make`, `tiff:Model`).

The JPEG is walked marker by marker up to the start of scan, every length bounded by the bytes given; the XML is
parsed with defusedxml (no entity expansion).
"""

from __future__ import annotations

from defusedxml import ElementTree

from ..model import Extraction, Identity

_APP1 = 0xE1
_XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"
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


def identity(xmp: str) -> Identity:
    """Make, model and serial number from an XMP packet (properties as attributes or elements)."""
    start, end = xmp.find("<x:xmpmeta"), xmp.rfind("</x:xmpmeta>")
    text = xmp[start : end + len("</x:xmpmeta>")] if start >= 0 and end > start else xmp
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except Exception:  # noqa: BLE001 - defusedxml raises several kinds for hostile or broken XML
        return Identity()
    found: dict[str, str] = {}
    for description in root.iter(_RDF):
        for field, names in _FIELDS.items():
            for name in names:
                element = description.find(name)
                value = description.attrib.get(name) or (element.text if element is not None else None)
                if value and value.strip() and field not in found:
                    found[field] = value.strip()
    return Identity(**found)


def add_identity(jpeg: bytes, out: Extraction) -> None:
    """Fill the extraction's empty make, model and serial from the JPEG's XMP packet (EXIF wins where both have
    them), keeping the XMP values as `xmp.*` tags."""
    packet = jpeg_xmp(jpeg)
    if packet is None:
        return
    found = identity(packet)
    out.identity = out.identity.merged(found)
    for key, value in (("xmp.make", found.make), ("xmp.model", found.model), ("xmp.serial", found.serial)):
        if value:
            out.tags[key] = value
