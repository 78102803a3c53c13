"""A run's WARC records: formatted, written, indexed (the spool); and the names they use."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import socket
import struct
import tempfile
import time
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from http.client import responses
from pathlib import Path

from newsarchiver import __version__
from newsarchiver.webarchive.keys import surt_key
from newsarchiver.webarchive.verify import package_problems

logger = logging.getLogger(__name__)
_json_string = json.encoder.encode_basestring_ascii  # json.dumps of a str, as it writes it

WACZ_VERSION = "1.1.1"
SOFTWARE = f"newsarchiver {__version__}"
PAGES = "pages/pages.jsonl"
INDEX = "indexes/index.cdx"  # CDXJ lines; pywb takes indexes named *.cdx
SPOOL_PREFIX = ".newsarchiver-wacz-"


def is_warc(name: str) -> bool:
    return name.startswith("archive/") and name.endswith((".warc.gz", ".warc"))


def is_index(name: str) -> bool:
    """A CDXJ index of a WACZ: ``indexes/index.cdx``, and one a run of a WACZ grown in place."""
    return name.startswith("indexes/") and name.endswith(".cdx")


def is_pages(name: str) -> bool:
    """A page list: ``pages/pages.jsonl``, and one a run of a WACZ grown in place."""
    return name.startswith("pages/") and name.endswith(".jsonl")


def members_in_order(archive: zipfile.ZipFile, kind) -> list[zipfile.ZipInfo]:
    """The members ``kind(name)`` holds true of, in the order they were written."""
    return sorted(
        (info for info in archive.infolist() if kind(info.filename)),
        key=lambda info: info.header_offset,
    )


SORT_RUN = 50_000  # index lines sorted in memory at once; longer runs merge sorted files
_HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "host"
# Headers that describe the transfer, not the payload kept: the body is kept
# as it came (still content-encoded), and its length is known.
_TRANSFER = {b"transfer-encoding", b"content-length", b"connection", b"keep-alive"}
_UNSAFE = re.compile(rb"[\r\n]")


class WaczError(Exception):
    """A web archive that cannot be read or written, and why."""


def wacz_target(path: Path, started: datetime) -> Path:
    """The WACZ a run writes: ``path`` itself, or for a folder a new file in it per run."""
    if path.is_dir():
        return path / f"newsarchiver-{started:%Y%m%d%H%M%S}-{os.getpid()}.wacz"
    return path


def check_target(path: Path) -> str | None:
    """Why a run cannot write its web archive to ``path``; None if it can.

    A WACZ given as the target must be one newsarchiver wrote, and its own
    hashes must match (``datapackage.json``), checked before anything is fetched.
    The check reads the whole file only when it changed since the last run packed
    it (its size, inode and modification time are noted beside it, in the lock
    file): a cron tick does not rehash a year of records.
    """
    if path.is_dir():
        folder = path
    else:
        folder = path.parent
        if path.exists() and (error := _target_problem(path)):
            return error
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write the web archive {path}: its folder is missing or not writable"
    return None


def _target_problem(path: Path) -> str | None:
    try:
        recover_killed_growth(path)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if INDEX not in names or "datapackage.json" not in names:
                return (
                    f"cannot add to the web archive {path}: it is not a WACZ newsarchiver "
                    f"wrote (no {INDEX}); give another file or a folder"
                )
            package_bytes = archive.read("datapackage.json")
            try:
                software = str(json.loads(package_bytes).get("software", ""))
            except (ValueError, AttributeError):
                software = ""
            if not software.startswith("newsarchiver"):
                made_by = f" (made by {software[:60]})" if software else ""
                return (
                    f"cannot add to the web archive {path}: it holds no newsarchiver "
                    f"pages{made_by}; give another file or a folder"
                )
            if _stamp(path, package_bytes) == _noted_stamp(path):
                return None  # as the last run packed it
            if problems := package_problems(archive, path):
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                return (
                    f"cannot add to the web archive {path}: its hashes do not match: "
                    f"{problems[0]}{more}"
                )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"cannot add to the web archive {path}: it is not a WACZ file ({exc})"
    note_verified(path)
    return None


def tail_journal_exists(target: Path) -> bool:
    return (target.parent / f".{target.name}.tail").exists()


def recover_killed_growth(target: Path) -> None:
    """If a run was killed while growing ``target``, put its old ending back (locked)."""
    from newsarchiver.webarchive.pack import _locked, recover

    if tail_journal_exists(target):
        with _locked(_lock_path(target)):
            recover(target)


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def _stamp(path: Path, package_bytes: bytes) -> dict:
    stat = path.stat()
    return {
        "size": stat.st_size, "inode": stat.st_ino, "mtime_ns": stat.st_mtime_ns,
        "package": hashlib.sha256(package_bytes).hexdigest(),
    }  # fmt: skip


def _noted_stamp(path: Path) -> dict | None:
    try:
        with open(_lock_path(path), "rb") as handle:
            noted = json.loads(handle.read(4096) or b"null")
    except (OSError, ValueError):
        return None
    return noted if isinstance(noted, dict) else None


def note_verified(path: Path) -> None:
    """Note that ``path``'s hashes match as it is now (a best effort: else checked again)."""
    try:
        with zipfile.ZipFile(path) as archive:
            stamp = _stamp(path, archive.read("datapackage.json"))
        with open(_lock_path(path), "r+b" if _lock_path(path).exists() else "wb") as handle:
            handle.write(json.dumps(stamp).encode())
            handle.truncate()
    except (OSError, KeyError, zipfile.BadZipFile):
        pass


def remove_abandoned_spools(folder: Path) -> None:
    """Spool folders of runs on this host that were killed (their process is gone)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = re.fullmatch(re.escape(SPOOL_PREFIX) + r"(\w+?)-(\d+)-\w+", entry.name)
        if not match or match.group(1) != _HOST:
            continue
        try:
            os.kill(int(match.group(2)), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            pass


def _digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()  # noqa: S324


def _record(fields: list[tuple[str, str]], block: list[bytes]) -> list[bytes]:
    """One WARC/1.1 record as pieces: its header fields, ``Content-Length``, the block."""
    head = "".join(f"{name}: {value}\r\n" for name, value in fields)
    size = sum(map(len, block))
    return [f"WARC/1.1\r\n{head}Content-Length: {size}\r\n\r\n".encode(), *block, b"\r\n\r\n"]


# A gzip member with no compression: header (no name, no time), the data in
# stored deflate blocks, then its CRC-32 and length. Built here, so a record's
# pieces are written as they are: zlib.compress would need them joined (a copy
# of each body) and sets up a compressor (its window and tables) for each record.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_STORED_MAX = 0xFFFF


def _stored_member(pieces: list[bytes]) -> list[bytes | memoryview]:
    size = sum(map(len, pieces))
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    if size <= _STORED_MAX:
        return [_GZIP_HEADER, struct.pack("<BHH", 1, size, size ^ 0xFFFF), *pieces, trailer]
    data = memoryview(b"".join(pieces))  # a large record (an image): blocks of 64 KB
    out: list[bytes | memoryview] = [_GZIP_HEADER]
    for start in range(0, size, _STORED_MAX):
        chunk = data[start : start + _STORED_MAX]
        final = 1 if start + _STORED_MAX >= size else 0
        out += [struct.pack("<BHH", final, len(chunk), len(chunk) ^ 0xFFFF), chunk]
    out.append(trailer)
    return out


class _Dates:
    """WARC-Date and CDX timestamps of a time, computed once per second."""

    def __init__(self) -> None:
        self.second = -1
        self.warc = self.cdx = ""

    def of(self, when: float) -> tuple[str, str]:
        second = int(when)
        if second != self.second:
            moment = datetime.fromtimestamp(second, UTC)
            self.second = second
            self.warc = f"{moment:%Y-%m-%dT%H:%M:%SZ}"
            self.cdx = f"{moment:%Y%m%d%H%M%S}"
        return self.warc, self.cdx


class WarcSpool:
    """WARC records of one run, their index and pages, in a folder beside the WACZ.

    Each record is one gzip member, compressed at ``level`` (default 0: stored,
    no compression, the member built here from the record's pieces: zlib at
    level 1 costs a crawl 0.15 ms an article, which a crawl at full speed cannot
    afford; 1 halves the WARC's size).
    """

    one_file_a_run = False  # the target is a run's own file in a folder (--wacz DIR)

    def __init__(self, target: Path, started: datetime, level: int = 0) -> None:
        self.target = target
        self.level = level
        remove_abandoned_spools(target.parent)
        self.folder = Path(
            tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{_HOST}-{os.getpid()}-", dir=target.parent)
        )
        self.name = (
            f"newsarchiver-{started:%Y%m%d%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:8]}.warc.gz"
        )
        self.path = self.folder / self.name
        # Large buffers: a write a record would be a system call each, and those are dear.
        self.file = open(self.path, "wb", buffering=1 << 20)  # noqa: SIM115 (close())
        self.pages_file = open(  # noqa: SIM115 (closed by close())
            self.folder / "pages.jsonl", "w", encoding="utf-8", buffering=1 << 20
        )
        # Record IDs: a random UUID of the run's, its last 8 hex digits counting up
        # (unique as uuid4 is, without asking the kernel for 16 random bytes a record).
        self._ids = itertools.count()
        self._id_prefix = str(uuid.uuid4())[:-8]
        self.size = 0
        # (url, CDX timestamp, mime, status, digest, offset, length) of each response
        # written, until sorted
        self._dates = _Dates()
        self.index: list[tuple] = []
        self.runs: list[Path] = []  # sorted index runs on disk
        self.pages = 0
        self.records = 0
        info = f"software: {SOFTWARE}\r\nformat: WARC File Format 1.1\r\n".encode()
        self._write(
            _record(
                [
                    ("WARC-Type", "warcinfo"),
                    ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"),
                    ("WARC-Date", started.strftime("%Y-%m-%dT%H:%M:%SZ")),
                    ("WARC-Filename", self.name),
                    ("Content-Type", "application/warc-fields"),
                ],
                [info],
            )
        )

    def _write(self, record: list[bytes], entry: tuple | None = None) -> None:
        """A record as one gzip member; where it went (``entry``), for the index."""
        if self.level:
            member = zlib.compress(b"".join(record), self.level, wbits=31)
            self.file.write(member)
            length = len(member)
        else:
            length = 0
            for piece in _stored_member(record):
                self.file.write(piece)
                length += len(piece)
        if entry is not None:
            self.index.append((*entry, self.size, length))
        self.size += length
        if len(self.index) >= SORT_RUN:
            self._sort_run()

    def add_response(
        self,
        url: str,
        status: int,
        headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
        fetched: float | None = None,
    ) -> None:
        """One HTTP response, its body as it came over the wire (still content-encoded).

        ``fetched``: when it came (seconds since the epoch); now if not given.
        """
        lines = [f"HTTP/1.1 {status} {responses.get(status, 'Unknown')}\r\n".encode()]
        mime = ""
        for name, value in headers:
            lower = name.lower()
            if lower in _TRANSFER or _UNSAFE.search(name) or _UNSAFE.search(value):
                continue
            if lower == b"content-type":
                mime = value.decode("latin-1").split(";")[0].strip().lower()
            lines.append(b"%s: %s\r\n" % (name, value))
        lines.append(b"Content-Length: %d\r\n\r\n" % len(body))
        warc_date, cdx_date = self._dates.of(time.time() if fetched is None else fetched)
        payload = _digest(body)
        target = url.replace("\r", "").replace("\n", "")
        record = _record(
            [
                ("WARC-Type", "response"),
                ("WARC-Record-ID", f"<urn:uuid:{self._id()}>"),
                ("WARC-Date", warc_date),
                ("WARC-Target-URI", target),
                ("WARC-Payload-Digest", payload),
                ("Content-Type", "application/http; msgtype=response"),
            ],
            [b"".join(lines), body],
        )
        self._write(record, (target, cdx_date, mime or "unk", status, payload))
        self.records += 1

    def _id(self) -> str:
        return f"{self._id_prefix}{next(self._ids) & 0xFFFFFFFF:08x}"

    def _sort_run(self) -> None:
        # CDXJ lines, their JSON as json.dumps writes it (strings through its own encoder).
        name = _json_string(self.name)
        lines = sorted(
            f'{surt_key(url)} {when} {{"url": {_json_string(url)}, "mime": {_json_string(mime)}, '
            f'"status": "{status}", "digest": "{digest}", "length": "{length}", '
            f'"offset": "{offset}", "filename": {name}}}\n'
            for url, when, mime, status, digest, offset, length in self.index
        )
        run = self.folder / f"index-{len(self.runs)}.cdx"
        run.write_text("".join(lines), "utf-8")
        self.runs.append(run)
        self.index.clear()

    def add_page(
        self, url: str, title: str, share_url: str, code: str, when: float | None = None
    ) -> None:
        """The article a run archived from ``url`` (a response already added) at ``when``."""
        stamp = self._dates.of(time.time() if when is None else when)[0]
        page = {
            "id": self._id(), "url": url, "title": title, "ts": stamp,
            "newsarchiver": {"share_url": share_url, "code": code},
        }  # fmt: skip
        self.pages_file.write(json.dumps(page, ensure_ascii=False) + "\n")
        self.pages += 1

    def close(self) -> None:
        for handle in (self.file, self.pages_file):
            if not handle.closed:
                handle.close()

    def discard(self) -> None:
        """Drop the spool (its unwritten buffer too: closing may fail on a full disk)."""
        for handle in (self.file, self.pages_file):
            try:
                handle.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def pack(self, fsync: bool = True) -> int:
        """Write the WACZ (the target's own records first, if it is one); the pages added.

        Nothing is written when this run archived nothing: the target stays as it was.
        """
        self.close()
        try:
            if not self.pages:
                return 0
            if self.index:
                self._sort_run()
            from newsarchiver.webarchive.pack import _locked, _pack, grow, growable, recover

            packed = self.folder / "packed.wacz"
            # Runs adding to one WACZ (workers) take turns: each reads what the last wrote.
            with _locked(_lock_path(self.target)):
                try:
                    recover(self.target)  # a run killed while growing it: its old ending back
                    place = growable(self.target) if self.target.is_file() else None
                    if place is not None:
                        grow(self.target, self, *place, fsync=fsync)
                    else:
                        previous = zipfile.ZipFile(self.target) if self.target.is_file() else None
                        try:
                            _pack(packed, self, previous)
                        finally:
                            if previous is not None:
                                previous.close()
                        if fsync:
                            with open(packed, "rb") as handle:
                                os.fsync(handle.fileno())
                        os.replace(packed, self.target)
                except (zipfile.BadZipFile, KeyError, ValueError) as exc:
                    raise WaczError(f"cannot add to the web archive {self.target}: {exc}") from None
                if self.one_file_a_run:
                    _lock_path(self.target).unlink(missing_ok=True)  # no run adds to it
                else:
                    note_verified(self.target)  # its hashes are those just written
            return self.pages
        finally:
            self.discard()


def _pages(archive: zipfile.ZipFile) -> Iterator[dict]:
    """The pages of every page list of ``archive``, oldest first."""
    for info in members_in_order(archive, is_pages):
        with archive.open(info) as handle:
            yield from _member_pages(archive, info, handle)


def _member_pages(archive: zipfile.ZipFile, info: zipfile.ZipInfo, lines) -> Iterator[dict]:
    """The pages of one page list (``lines``: its lines, as bytes)."""
    for number, line in enumerate(lines, 1):
        try:
            page = json.loads(line)
        except ValueError:
            # One broken line costs its page, not the file: named, then passed over.
            logger.warning(
                "%s: line %d of %s is no JSON; skipped", archive.filename, number, info.filename
            )
            continue
        if isinstance(page, dict) and "format" not in page:
            yield page
