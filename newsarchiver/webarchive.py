"""Web archives of what a run fetched, and reading them back: no Scrapy here.

A run that keeps a web archive writes each archived article's HTTP responses
as WARC/1.1 records (one gzip member each) into a spool folder beside the
target, with their CDXJ index lines and the article's page, and packs them at
the end into a WACZ 1.1.1: ``archive/*.warc.gz``, ``indexes/index.cdx``
(CDXJ, sorted), ``pages/pages.jsonl``, ``datapackage.json`` with the sha256 of
each file and ``datapackage-digest.json``. The WACZ is written under a
temporary name and renamed: a killed run leaves the WACZ that was there
before, or the new one whole, never a broken file. A target that is already a
WACZ is packed again with its own records first: nothing is lost.

The records are written here, not by warcio's writer (level-9 gzip and two
digest passes per record cost the crawl 0.24 ms an article), and the WACZ is
packed here, not by the ``wacz`` package (which re-reads and re-indexes every
record and imports frictionless: 1.3 s per 3,000 articles). warcio reads the
records back (:class:`WebArchive`), and the tests check every WACZ with the
``wacz`` package's validator, warcio and pywb.

Each page of the WACZ is one article: the URL that gave it, its title, and
``newsarchiver`` (the share URL and code), which ``rebuild`` reads to know
what to re-render.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import heapq
import itertools
import json
import os
import re
import shutil
import socket
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from http.client import responses
from pathlib import Path

from newsarchiver import __version__

WACZ_VERSION = "1.1.1"
SOFTWARE = f"newsarchiver {__version__}"
PAGES = "pages/pages.jsonl"
INDEX = "indexes/index.cdx"  # CDXJ lines; pywb takes indexes named *.cdx
SPOOL_PREFIX = ".newsarchiver-wacz-"
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
    """Why a run cannot write its web archive to ``path``; None if it can."""
    if path.is_dir():
        folder = path
    else:
        folder = path.parent
        if path.exists():
            try:
                with zipfile.ZipFile(path) as archive:
                    names = archive.namelist()
            except (zipfile.BadZipFile, OSError) as exc:
                return f"cannot add to the web archive {path}: it is not a WACZ file ({exc})"
            if INDEX not in names or "datapackage.json" not in names:
                return (
                    f"cannot add to the web archive {path}: it is not a WACZ newsarchiver "
                    f"wrote (no {INDEX}); give another file or a folder"
                )
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write the web archive {path}: its folder is missing or not writable"
    return None


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


def _record(fields: list[tuple[str, str]], block: bytes) -> bytes:
    """One WARC/1.1 record: its header fields, ``Content-Length`` and the block."""
    head = "".join(f"{name}: {value}\r\n" for name, value in fields)
    return f"WARC/1.1\r\n{head}Content-Length: {len(block)}\r\n\r\n".encode() + block + b"\r\n\r\n"


class WarcSpool:
    """WARC records of one run, their index and pages, in a folder beside the WACZ.

    Each record is one gzip member, compressed at ``level`` (default 0: stored,
    no compression: zlib at level 1 costs a crawl 0.15 ms an article, which a
    crawl at full speed cannot afford; 1 halves the WARC's size).
    """

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
        # (url, timestamp, fields, offset, length) of each response written, until sorted
        self.index: list[tuple] = []
        self.runs: list[Path] = []  # sorted index runs on disk
        self.pages = 0
        self.records = 0
        info = f"software: {SOFTWARE}\r\nformat: WARC File Format 1.1\r\n".encode()
        self._write((
            _record(
                [
                    ("WARC-Type", "warcinfo"),
                    ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"),
                    ("WARC-Date", started.strftime("%Y-%m-%dT%H:%M:%SZ")),
                    ("WARC-Filename", self.name),
                    ("Content-Type", "application/warc-fields"),
                ],
                info,
            ),
            None,
        ))  # fmt: skip

    def _write(self, item: tuple[bytes, tuple | None]) -> None:
        """A record as one gzip member; where it went, for the index."""
        record, entry = item
        member = zlib.compress(record, self.level, wbits=31)
        self.file.write(member)
        if entry is not None:
            self.index.append((*entry, self.size, len(member)))
        self.size += len(member)
        if len(self.index) >= SORT_RUN:
            self._sort_run()

    def add_response(
        self,
        url: str,
        status: int,
        headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
        fetched: datetime | None = None,
    ) -> None:
        """One HTTP response, its body as it came over the wire (still content-encoded)."""
        lines = [f"HTTP/1.1 {status} {responses.get(status, 'Unknown')}\r\n".encode()]
        mime = ""
        for name, value in headers:
            if name.lower() in _TRANSFER or _UNSAFE.search(name + value):
                continue
            if name.lower() == b"content-type":
                mime = value.decode("latin-1").split(";")[0].strip().lower()
            lines.append(name + b": " + value + b"\r\n")
        lines.append(f"Content-Length: {len(body)}\r\n\r\n".encode())
        block = b"".join(lines) + body
        when = fetched or datetime.now(timezone.utc)
        payload = _digest(body)
        target = _UNSAFE.sub(b"", url.encode("utf-8")).decode("utf-8")
        record = _record(
            [
                ("WARC-Type", "response"),
                ("WARC-Record-ID", f"<urn:uuid:{self._id()}>"),
                ("WARC-Date", when.strftime("%Y-%m-%dT%H:%M:%SZ")),
                ("WARC-Target-URI", target),
                ("WARC-Payload-Digest", payload),
                ("Content-Type", "application/http; msgtype=response"),
            ],
            block,
        )
        self._write((record, (target, when, mime or "unk", status, payload)))
        self.records += 1

    def _id(self) -> str:
        return f"{self._id_prefix}{next(self._ids) & 0xFFFFFFFF:08x}"

    def _sort_run(self) -> None:
        lines = sorted(
            f"{_key(url)} {when:%Y%m%d%H%M%S} "
            + json.dumps(
                {
                    "url": url,
                    "mime": mime,
                    "status": str(status),
                    "digest": digest,
                    "length": str(length),
                    "offset": str(offset),
                    "filename": self.name,
                }
            )  # fmt: skip
            + "\n"
            for url, when, mime, status, digest, offset, length in self.index
        )
        run = self.folder / f"index-{len(self.runs)}.cdx"
        run.write_text("".join(lines), "utf-8")
        self.runs.append(run)
        self.index.clear()

    def add_page(self, url: str, title: str, share_url: str, code: str, when=None) -> None:
        """The article a run archived from ``url`` (a response already added)."""
        when = when or datetime.now(timezone.utc)
        page = {
            "id": self._id(), "url": url, "title": title, "ts": f"{when:%Y-%m-%dT%H:%M:%SZ}",
            "newsarchiver": {"share_url": share_url, "code": code},
        }  # fmt: skip
        self.pages_file.write(json.dumps(page, ensure_ascii=False) + "\n")
        self.pages += 1

    def close(self) -> None:
        for handle in (self.file, self.pages_file):
            if not handle.closed:
                handle.close()

    def discard(self) -> None:
        self.close()
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
            packed = self.folder / "packed.wacz"
            # Runs adding to one WACZ (workers) take turns: each reads what the last wrote.
            with _locked(self.target.parent / f".{self.target.name}.lock"):
                previous = zipfile.ZipFile(self.target) if self.target.is_file() else None
                try:
                    _pack(packed, self, previous)
                except (zipfile.BadZipFile, KeyError, ValueError) as exc:
                    raise WaczError(f"cannot add to the web archive {self.target}: {exc}") from None
                finally:
                    if previous is not None:
                        previous.close()
                if fsync:
                    with open(packed, "rb") as handle:
                        os.fsync(handle.fileno())
                os.replace(packed, self.target)
            return self.pages
        finally:
            self.discard()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive flock on ``path`` (a dot-file beside the WACZ), waited for."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# URLs of the shapes the archive fetches (scheme, a plain host, a plain path, one
# id or infoCode argument) get their SURT here; any other goes to the surt
# package, as pywb and the cdxj-indexer use it. A test holds the two equal.
_SIMPLE_URL = re.compile(
    r"(https?)://([A-Za-z0-9.-]+)(?::([1-9]\d{0,4}))?((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?)"
    r"(?:\?((?:id|infoCode|infocode)=[A-Za-z0-9]{1,64}))?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _plain_host(host: str) -> bool:
    """A name with a letter in it, or a dotted-quad IPv4 address as written canonically."""
    if host.startswith(".") or ".." in host:
        return False
    if any(c.isalpha() for c in host):
        return True
    parts = host.split(".")
    return len(parts) == 4 and all(
        p.isdigit() and str(int(p)) == p and int(p) <= 255 for p in parts
    )


def _key(url: str) -> str:
    """The SURT form of ``url``, as pywb and the cdxj-indexer sort and look it up."""
    simple = _SIMPLE_URL.fullmatch(url)
    if simple and _plain_host(simple.group(2)) and int(simple.group(3) or 0) <= 65535:
        scheme, host, port, path, query = simple.groups()
        host = re.sub(r"^www\d*\.", "", host.lower()).strip(".")
        if host:
            port = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
            path = (path or "/").lower()
            if len(path) > 1 and path.endswith("/"):
                path = path[:-1]
            key = ",".join(reversed(host.split("."))) + port + ")" + path
            return key + (f"?{query.lower()}" if query else "")
    from surt import surt

    try:
        return surt(url)
    except Exception:  # noqa: BLE001 (surt's own errors on odd URLs: the URL as it is)
        return url


class _Hashing:
    """A writable that hashes and counts what goes through it."""

    def __init__(self, out) -> None:
        self.out, self.hash, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.hash.update(data)
        self.size += len(data)


def _pack(path: Path, spool: WarcSpool, previous: zipfile.ZipFile | None) -> None:
    resources: list[dict] = []

    def add(name: str, write, compress: int) -> None:
        info = zipfile.ZipInfo(name, datetime.now(timezone.utc).timetuple()[:6])
        info.compress_type = compress
        with wacz.open(info, "w", force_zip64=True) as member:
            hashing = _Hashing(member)
            write(hashing)
        resources.append({
            "name": Path(name).name.lower(), "path": name,
            "hash": f"sha256:{hashing.hash.hexdigest()}", "bytes": hashing.size,
        })  # fmt: skip

    def copy(source):
        return lambda out: shutil.copyfileobj(_Reader(source()), out, 1 << 20)

    with zipfile.ZipFile(path, "w", allowZip64=True) as wacz:
        old_warcs = [
            name for name in (previous.namelist() if previous else [])
            if name.startswith("archive/") and name.endswith((".warc.gz", ".warc"))
        ]  # fmt: skip
        for name in old_warcs:
            add(name, copy(lambda name=name: previous.open(name)), zipfile.ZIP_STORED)
        add(f"archive/{spool.name}", copy(lambda: open(spool.path, "rb")), zipfile.ZIP_STORED)

        def index(out) -> None:
            sources = [open(run, encoding="utf-8") for run in spool.runs]  # noqa: SIM115
            if previous is not None and INDEX in previous.namelist():
                sources.append(_lines(previous.open(INDEX)))
            try:
                for line in heapq.merge(*sources):
                    out.write(line.encode("utf-8"))
            finally:
                for source in sources:
                    getattr(source, "close", lambda: None)()

        add(INDEX, index, zipfile.ZIP_DEFLATED)

        def pages(out) -> None:
            header = {"format": "json-pages-1.0", "id": "pages", "title": "newsarchiver"}
            out.write((json.dumps(header) + "\n").encode())
            if previous is not None and PAGES in previous.namelist():
                with previous.open(PAGES) as old:
                    for line in old:
                        if b'"format"' not in line[:40]:
                            out.write(line if line.endswith(b"\n") else line + b"\n")
            with open(spool.folder / "pages.jsonl", "rb") as new:
                shutil.copyfileobj(new, out)

        add(PAGES, pages, zipfile.ZIP_DEFLATED)
        package = {
            "profile": "data-package",
            "resources": resources,
            "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wacz_version": WACZ_VERSION,
            "software": SOFTWARE,
        }
        package_bytes = json.dumps(package, indent=2).encode()
        wacz.writestr("datapackage.json", package_bytes, zipfile.ZIP_DEFLATED)
        digest = {
            "path": "datapackage.json",
            "hash": f"sha256:{hashlib.sha256(package_bytes).hexdigest()}",
        }
        wacz.writestr("datapackage-digest.json", json.dumps(digest, indent=2), zipfile.ZIP_DEFLATED)


class _Reader:
    """A file opened lazily and closed at its end (for shutil.copyfileobj)."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def read(self, size: int) -> bytes:
        data = self.handle.read(size)
        if not data:
            self.handle.close()
        return data


def _lines(handle) -> Iterator[str]:
    with handle:
        for line in handle:
            yield line.decode("utf-8")


def _pages(archive: zipfile.ZipFile) -> Iterator[dict]:
    try:
        handle = archive.open(PAGES)
    except KeyError:
        return
    with handle:
        for line in handle:
            page = json.loads(line)
            if "format" not in page:
                yield page


class WebArchive:
    """The responses of one or more WACZ files, by URL (the last one archived wins)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths = [Path(p) for p in paths]
        self._zips: dict[Path, zipfile.ZipFile] = {}
        self._records: dict[str, tuple[Path, str, int]] = {}

    def open(self) -> WebArchive:
        from warcio.archiveiterator import ArchiveIterator

        for path in self.paths:
            try:
                archive = zipfile.ZipFile(path)
                self._zips[path] = archive
                for name in archive.namelist():
                    if not (name.startswith("archive/") and name.endswith((".warc.gz", ".warc"))):
                        continue
                    with archive.open(name) as handle:
                        records = ArchiveIterator(handle)
                        for record in records:
                            if record.rec_type == "response":
                                url = record.rec_headers.get_header("WARC-Target-URI")
                                self._records[url] = (path, name, records.get_record_offset())
            except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
                self.close()
                raise WaczError(f"cannot read the web archive {path}: {exc}") from None
        return self

    def __len__(self) -> int:
        return len(self._records)

    def response(self, url: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """``(status, headers, body as it came)`` of ``url``; None if it is not archived."""
        from warcio.archiveiterator import ArchiveIterator

        found = self._records.get(url)
        if found is None:
            return None
        path, name, offset = found
        with self._zips[path].open(name) as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
            body = record.raw_stream.read()
            return int(record.http_headers.get_statuscode()), record.http_headers.headers, body

    def close(self) -> None:
        for archive in self._zips.values():
            archive.close()
        self._zips.clear()


def archived_articles(paths: Iterable[Path]) -> dict[str, str]:
    """The articles newsarchiver kept in WACZ files: share URL -> code, in order.

    Reads only each file's page list; WaczError if one is no WACZ.
    """
    articles: dict[str, str] = {}
    for path in paths:
        try:
            with zipfile.ZipFile(path) as archive:
                for page in _pages(archive):
                    own = page.get("newsarchiver") or {}
                    if own.get("share_url"):
                        articles.setdefault(str(own["share_url"]), str(own.get("code", "")))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise WaczError(f"cannot read the web archive {path}: {exc}") from None
    return articles


def kept_in(path: Path) -> list[Path]:
    """The WACZ files a ``--wacz`` target holds: the file, or a folder's ``*.wacz``."""
    if path.is_dir():
        return sorted(path.glob("*.wacz"))
    return [path] if path.is_file() else []
