"""Reading bulk zips safely: member names, size limits, members streamed.

- A member whose name is absolute, holds a ``..`` part or a backslash is refused (the archive is refused whole:
  nothing is ever extracted, but such a name is a forged or broken archive).
- A member that unpacks to more than ``IMPORT_MAX_MEMBER_BYTES``, or an archive whose members unpack to more than
  ``IMPORT_MAX_ARCHIVE_BYTES`` in total, is refused before anything is read. ``zipfile`` never returns more than a
  member's declared size, so a header that lies about it cannot get past the limit.
- A member holding one record (a LegiScan bill file) over ``IMPORT_MAX_RECORD_BYTES`` is refused alone.
- A record (one bill) larger than ``IMPORT_MAX_RECORD_BYTES`` is refused while it is read: a JSON list member is
  read by an incremental parser (ijson), one bill at a time, so memory holds one bill, not the member.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson
from django.conf import settings

from .records import ParseError

__all__ = ["BoundedReader", "json_list_items", "open_archive", "read_member"]

_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_name(name: str) -> str:
    """Why a member name is refused, or ""."""
    if "\\" in name:
        return "a backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return "an absolute path"
    if ".." in name.split("/"):
        return "a '..' part"
    if "\x00" in name:
        return "a NUL byte"
    return ""


def _size(count: int) -> str:
    return f"{count / 1024**2:,.1f} MiB" if count >= 1024**2 else f"{count:,} bytes"


def open_archive(path: str | Path) -> zipfile.ZipFile:
    """The zip at ``path``, its members' names and sizes checked (see the module docstring), or a ParseError."""
    archive = zipfile.ZipFile(path)
    try:
        member_limit = settings.IMPORT_MAX_MEMBER_BYTES
        total = 0
        for info in archive.infolist():
            reason = _unsafe_name(info.filename)
            if reason:
                raise ParseError("", f"refused: member name {info.filename[:200]!r} has {reason}")
            if info.file_size > member_limit:
                raise ParseError(
                    info.filename[:200],
                    f"refused: unpacks to {_size(info.file_size)}, "
                    f"over IMPORT_MAX_MEMBER_BYTES ({_size(member_limit)})",
                )
            total += info.file_size
        if total > settings.IMPORT_MAX_ARCHIVE_BYTES:
            raise ParseError(
                "",
                f"refused: unpacks to {_size(total)}, over IMPORT_MAX_ARCHIVE_BYTES "
                f"({_size(settings.IMPORT_MAX_ARCHIVE_BYTES)})",
            )
    except BaseException:
        archive.close()
        raise
    return archive


class BoundedReader:
    """A binary stream that refuses to deliver more than ``limit`` bytes since the last :meth:`mark`: one record
    may not grow past it while an incremental parser builds it."""

    def __init__(self, stream: IO[bytes], limit: int, where: str) -> None:
        self.stream = stream
        self.limit = limit
        self.where = where
        self.read_total = 0
        self.marked = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.read_total += len(data)
        if self.read_total - self.marked > self.limit + 65536:  # the parser reads ahead by a buffer
            raise ParseError(self.where, f"refused: a record over IMPORT_MAX_RECORD_BYTES ({_size(self.limit)})")
        return data

    def mark(self) -> None:
        self.marked = self.read_total


def json_list_items(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[int, Any]]:
    """(index, item) of a member holding one JSON list, streamed. Invalid JSON is a ParseError naming the member
    (the items before it have been yielded)."""
    with archive.open(name) as member:
        reader = BoundedReader(member, settings.IMPORT_MAX_RECORD_BYTES, name)
        index = -1
        try:
            for index, item in enumerate(ijson.items(reader, "item", use_float=True)):
                yield index, item
                reader.mark()
        except ijson.JSONError as exc:
            raise ParseError(f"{name}[{index + 1}]", f"invalid JSON: {str(exc)[:200]}") from None


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member that holds one record (a LegiScan bill file), refused above ``IMPORT_MAX_RECORD_BYTES``."""
    info = archive.getinfo(name)
    limit = settings.IMPORT_MAX_RECORD_BYTES
    if info.file_size > limit:
        raise ParseError(name, f"refused: {_size(info.file_size)}, over IMPORT_MAX_RECORD_BYTES ({_size(limit)})")
    with archive.open(info) as member:
        return member.read(limit + 1)
