"""Bounded, read-only random access to a file (or to bytes, for payloads and tests).

Every parser reads through a `Reader`: a read past the end, or larger than `max_read`, raises `ExtractError`,
so a hostile length field can neither allocate without bound nor loop. `bytes_read` counts what was read,
which the benchmarks report.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import struct
from pathlib import Path
from typing import BinaryIO, Self

from ..model import ExtractError

#: Largest single read any parser may ask for (a box payload, a sample table).
MAX_READ = 64 * 1024 * 1024
#: Largest file read whole (a sidecar): a text file bigger than this is not metadata we should load.
MAX_WHOLE_FILE = 32 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NOATIME = getattr(os, "O_NOATIME", 0)


def open_regular(path: str | os.PathLike[str]) -> int:
    """A read-only descriptor of a regular file, opened without blocking and (where permitted) without updating
    its access time; ExtractError for a FIFO, device, socket or folder, OSError when it cannot be opened."""
    try:
        fd = os.open(path, _OPEN_FLAGS | _NOATIME)
    except PermissionError as exc:
        if not _NOATIME or exc.errno != errno.EPERM:  # O_NOATIME needs ownership: retry without it
            raise
        fd = os.open(path, _OPEN_FLAGS)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ExtractError(f"not a regular file ({file_kind(mode)})")
    return fd


def file_kind(mode: int) -> str:
    """What kind of file a stat mode is, in words."""
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISLNK, "symlink")):
        if test(mode):
            return name
    return "regular file" if stat.S_ISREG(mode) else "special file"


def read_whole(path: str | os.PathLike[str], limit: int = MAX_WHOLE_FILE) -> bytes:
    """A whole (small) regular file; ExtractError when it is larger than `limit` bytes or not a regular file."""
    with Reader.open(path) as reader:
        if reader.size > limit:
            raise ExtractError(f"{Path(path).name} is {reader.size} bytes, over the {limit}-byte limit")
        reader.max_read = limit
        return reader.read(0, reader.size)


class Reader:
    """Random access with bounds over a read-only stream."""

    def __init__(self, stream: BinaryIO, size: int, name: str = "", max_read: int = MAX_READ) -> None:
        self._stream = stream
        self.size = size
        self.name = name
        self.max_read = max_read
        self.bytes_read = 0
        self._held: tuple[int, bytes] | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Reader:
        """Open a regular file for reading only (never for writing, never changing its timestamps where the
        system permits O_NOATIME); ExtractError for anything but a regular file."""
        stream = open(open_regular(path), "rb", buffering=0)  # noqa: SIM115 - closed by close()/context manager
        return cls(stream, os.fstat(stream.fileno()).st_size, name=os.fspath(path))

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<bytes>") -> Reader:
        """A reader over bytes in memory (raw payloads, tests)."""
        return cls(io.BytesIO(data), len(data), name=name)

    @property
    def path(self) -> Path | None:
        """The file's path, or None for an in-memory reader."""
        return Path(self.name) if not isinstance(self._stream, io.BytesIO) else None

    def close(self) -> None:
        """Release the underlying stream."""
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, offset: int, length: int) -> bytes:
        """Exactly `length` bytes at `offset`, or ExtractError."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ExtractError(f"read of {length} bytes at {offset} is past the end ({self.size} bytes)")
        if length > self.max_read:
            raise ExtractError(f"read of {length} bytes at {offset} exceeds the {self.max_read}-byte limit")
        if self._held is not None and self._held[0] <= offset and offset + length <= self._held[0] + len(self._held[1]):
            start = offset - self._held[0]
            return self._held[1][start : start + length]
        self._stream.seek(offset)
        data = self._stream.read(length)
        if len(data) != length:
            raise ExtractError(f"short read at {offset}: wanted {length}, got {len(data)}")
        self.bytes_read += length
        return data

    def hold(self, offset: int, length: int) -> None:
        """Read `length` bytes at `offset` once and serve later reads inside them from memory (a small `moov`,
        whose dozens of box headers and payloads would each cost a system call); counted once in `bytes_read`."""
        self._held = None
        self._held = (offset, self.read(offset, length))

    def read_upto(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset`, fewer at the end of the file."""
        return self.read(offset, max(0, min(length, self.size - offset)))

    def unpack(self, fmt: str, offset: int) -> tuple:
        """struct.unpack of `fmt` at `offset`."""
        return struct.unpack(fmt, self.read(offset, struct.calcsize(fmt)))


def be_u16(data: bytes, pos: int = 0) -> int:
    """Big-endian unsigned 16-bit integer at `pos`."""
    return int.from_bytes(data[pos : pos + 2], "big")


def be_u32(data: bytes, pos: int = 0) -> int:
    """Big-endian unsigned 32-bit integer at `pos`."""
    return int.from_bytes(data[pos : pos + 4], "big")


def be_u64(data: bytes, pos: int = 0) -> int:
    """Big-endian unsigned 64-bit integer at `pos`."""
    return int.from_bytes(data[pos : pos + 8], "big")
