"""Reading WACZ files back: responses by URL (rebuild's replay), and the articles kept.

A record is read where it is: as pywb and ReplayWeb.page do, the WACZ's CDXJ
index gives each response's WARC file, offset and length, and a WARC member
stored uncompressed in the zip (as newsarchiver writes them) starts at a known
byte of the WACZ file, so one ``seek`` and one read of the record's length get
it, whatever its offset and the file's size (``ZipExtFile.seek`` would read the
member from its start on every lookup). Start-up reads each file's central
directory and index, not its records. Files are opened when a record is read
and kept in a small LRU, so a folder of thousands of WACZ files never holds
more than :data:`OPEN_FILES` descriptors.

A file that is no WACZ, a broken index line or a record that does not parse is
named with its reason; the rest is read.
"""

from __future__ import annotations

import io
import json
import logging
import re
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from newsarchiver.webarchive.records import (
    WaczError,
    _member_pages,
    is_index,
    is_pages,
    members_in_order,
)
from newsarchiver.webarchive.records import is_warc as _is_warc

logger = logging.getLogger(__name__)
OPEN_FILES = 64  # WACZ files kept open at once for reading records
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length


def _data_offset(handle: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes begin in the zip file."""
    handle.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(30))
    if signature != b"PK\x03\x04":
        raise WaczError(f"{info.filename}: no zip entry at its offset")
    return info.header_offset + 30 + name_length + extra_length


def _plain_record(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """``(status, headers, body)`` of one whole response record as newsarchiver writes
    them (a gzip member of ASCII headers), read without warcio; None for anything
    else (another tool's record, a header folded or not ASCII, a record cut short),
    which warcio then reads, or names as damaged. The answer is warcio's, field by
    field: a header line without a colon is dropped, names and values stripped.
    """
    if raw[:2] == b"\x1f\x8b":
        inflate = zlib.decompressobj(wbits=31)
        try:
            data = inflate.decompress(raw)
        except zlib.error:
            return None
        if not inflate.eof:
            return None
    else:
        data = raw
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/1.") or end < 0 or not data[:end].isascii():
        return None
    fields = {}
    for field in data[:end].split(b"\r\n")[1:]:
        key, colon, given = field.partition(b":")
        if not colon or field[:1] in (b" ", b"\t"):
            return None
        fields[key.strip().lower()] = given.strip()
    if fields.get(b"warc-type") != b"response" or not fields.get(
        b"content-type", b""
    ).startswith(b"application/http"):
        return None
    try:
        length = int(fields[b"content-length"])
    except (KeyError, ValueError):
        return None
    block = data[end + 4 : end + 4 + length]
    split = block.find(b"\r\n\r\n")
    if len(block) != length or split < 0 or not block[:split].isascii():
        return None
    lines = block[:split].decode("ascii").split("\r\n")
    protocol, _, status = lines[0].partition(" ")
    code = status.split(" ", 1)[0]
    if not protocol.startswith("HTTP/") or not code.isdigit():
        return None
    headers: list[tuple[str, str]] = []
    for text in lines[1:]:
        if text[:1] in (" ", "\t") or "\r" in text or "\n" in text:
            return None  # a folded header (warcio joins it), a bare CR or LF
        name, sep, value = text.partition(":")
        if sep:
            headers.append((name.rstrip(" \t"), value.strip()))
    return int(code), headers, block[split + 4 :]


def _foreign(archive: zipfile.ZipFile) -> str | None:
    """Who made a WACZ another tool wrote (its datapackage's ``software``); None if ours."""
    try:
        software = json.loads(archive.read("datapackage.json")).get("software", "")
    except (KeyError, ValueError, AttributeError):
        return None  # no package: the index and pages say what it holds
    software = str(software)
    return None if software.startswith("newsarchiver") else (software[:60] or "unknown")


class WebArchive:
    """The responses of one or more WACZ files, by URL (the last one archived wins)."""

    def __init__(
        self, paths: Iterable[Path], open_files: int = OPEN_FILES, verify: bool = False
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.verify = verify  # each record read is checked against its digests
        self.open_files = max(open_files, 1)
        # url -> (index of its file, absolute offset of the record, its length or 0)
        self._records: dict[str, tuple[int, int, int]] = {}
        self._handles: OrderedDict[int, BinaryIO] = OrderedDict()
        self.bad: list[tuple[Path, str]] = []  # files that could not be read, and why
        self.problems: list[str] = []  # what was skipped in the files that were read

    def open(self) -> WebArchive:
        for number, path in enumerate(self.paths):
            try:
                self._index(number, path)
            except (zipfile.BadZipFile, OSError, ValueError, KeyError, WaczError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                self.bad.append((path, str(reason)))
        return self

    def _index(self, number: int, path: Path) -> None:
        found: dict[str, tuple[int, int, int]] = {}
        with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
            if made_by := _foreign(archive):
                raise WaczError(f"it holds no newsarchiver pages (made by {made_by})")
            members = {
                info.filename: info for info in archive.infolist() if _is_warc(info.filename)
            }
            starts = {
                name: _data_offset(handle, info)
                for name, info in members.items()
                if info.compress_type == zipfile.ZIP_STORED
            }
            indexes = members_in_order(archive, is_index)
            if indexes and len(starts) == len(members):
                for index in indexes:  # a later run's index wins for a URL both hold
                    with archive.open(index) as lines:
                        for line_number, line in enumerate(lines, 1):
                            entry = self._index_line(
                                path, index.filename, line_number, line, starts
                            )
                            if entry is not None:
                                found[entry[0]] = (number, entry[1], entry[2])
            else:
                # A WACZ without an index (or with compressed members): its records, read once.
                found.update(self._scan(number, path, archive, members, starts))
        self._records.update(found)

    def _index_line(self, path: Path, index: str, number: int, line: bytes, starts: dict[str, int]):
        try:
            data = json.loads(line.split(b" ", 2)[2])
            name = f"archive/{data['filename']}"
            offset, length = int(data["offset"]), int(data.get("length") or 0)
            url = str(data["url"])
        except (IndexError, ValueError, KeyError, TypeError) as exc:
            self.problems.append(f"{path}: line {number} of {index} skipped ({exc})")
            return None
        if name not in starts or offset < 0 or length < 0:
            self.problems.append(f"{path}: line {number} of {index} names no record it holds")
            return None
        return url, starts[name] + offset, length

    def _scan(self, number, path, archive, members, starts):
        from warcio.archiveiterator import ArchiveIterator

        found: dict[str, tuple[int, int, int]] = {}
        for name in members:
            if name not in starts:
                self.problems.append(f"{path}: {name} is compressed in the zip; not read")
                continue
            with archive.open(name) as handle:
                records = ArchiveIterator(handle)
                try:
                    for record in records:
                        if record.rec_type == "response":
                            url = record.rec_headers.get_header("WARC-Target-URI")
                            offset = starts[name] + records.get_record_offset()
                            found[url] = (number, offset, 0)
                except Exception as exc:  # noqa: BLE001 - warcio raises what it meets
                    self.problems.append(f"{path}: {name} unreadable past a record ({exc})")
        return found

    def __len__(self) -> int:
        return len(self._records)

    def _handle(self, number: int) -> BinaryIO:
        handle = self._handles.get(number)
        if handle is not None:
            self._handles.move_to_end(number)
            return handle
        while len(self._handles) >= self.open_files:
            self._handles.popitem(last=False)[1].close()
        handle = self._handles[number] = open(self.paths[number], "rb")  # noqa: SIM115
        return handle

    def response(self, url: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """``(status, headers, body as it came)`` of ``url``; None if it is not archived.

        WaczError, naming the file and the offset, if its record does not parse.
        """
        from warcio.archiveiterator import ArchiveIterator

        found = self._records.get(url)
        if found is None:
            return None
        number, offset, length = found
        path = self.paths[number]
        try:
            handle = self._handle(number)
            handle.seek(offset)
            if length:
                raw = handle.read(length)
                if not self.verify and (plain := _plain_record(raw)) is not None:
                    return plain
                stream: BinaryIO = io.BytesIO(raw)
            else:
                stream = handle
            record = next(iter(ArchiveIterator(stream, check_digests=self.verify)))
            if record.http_headers is None:
                raise ValueError("no HTTP response in it")
            body = record.raw_stream.read()
            if self.verify and record.digest_checker.passed is False:
                raise ValueError("it does not match its digest")
            return int(record.http_headers.get_statuscode()), record.http_headers.headers, body
        except Exception as exc:  # noqa: BLE001 - warcio raises what it meets
            raise WaczError(
                f"damaged record in the web archive {path} (at byte {offset}): "
                f"{type(exc).__name__}: {exc}"
            ) from None

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()


# The end of a page line as newsarchiver writes it: its share URL and code, unescaped.
_OWN_PAGE = re.compile(
    rb'"newsarchiver": \{"share_url": "([^"\\\n]+)", "code": "([A-Za-z0-9]*)"\}\}\r?$', re.M
)


def _own_pages(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[tuple[str, str]]:
    """(share URL, code) of each newsarchiver page of one page list, in order.

    A page list newsarchiver wrote is read with one search over its bytes (a
    year of cron's pages in a tenth of the time a JSON parse a line takes); a
    list where any page is not in that form is read line by line as JSON.
    """
    data = archive.read(info)
    found = _OWN_PAGE.findall(data)
    if len(found) == data.count(b'"newsarchiver":'):
        return [(share.decode("utf-8", "replace"), code.decode()) for share, code in found]
    pages = []
    for page in _member_pages(archive, info, data.splitlines(keepends=True)):
        own = page.get("newsarchiver") or {}
        if isinstance(own, dict) and own.get("share_url"):
            pages.append((str(own["share_url"]), str(own.get("code", ""))))
    return pages


def archived_articles(
    paths: Iterable[Path], bad: list[tuple[Path, str]] | None = None
) -> dict[str, str]:
    """The articles newsarchiver kept in WACZ files: share URL -> code, in order.

    Reads only each file's page list. A file that is no WACZ, or holds no
    newsarchiver page (a WACZ another tool made), raises WaczError, or with
    ``bad`` (a list) is added to it with the reason and passed over.
    """
    articles: dict[str, str] = {}
    for path in paths:
        try:
            found = 0
            with zipfile.ZipFile(path) as archive:
                for info in members_in_order(archive, is_pages):
                    for share, code in _own_pages(archive, info):
                        found += 1
                        articles.setdefault(share, code)
            if not found:
                raise ValueError("it holds no newsarchiver pages (a WACZ another tool made?)")
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            if bad is None:
                raise WaczError(f"cannot read the web archive {path}: {exc}") from None
            bad.append((path, str(exc)))
    return articles


def kept_in(path: Path) -> list[Path]:
    """The WACZ files a ``--wacz`` target holds: the file, or a folder's ``*.wacz``."""
    if path.is_dir():
        return sorted(path.glob("*.wacz"))
    return [path] if path.is_file() else []
