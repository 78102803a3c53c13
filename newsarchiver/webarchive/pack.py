"""Packing a run's spool into a WACZ: a new file, or the target grown in place.

A WACZ newsarchiver wrote holds its WARC members first and its ending after
them: ``indexes/index.cdx``, ``pages/pages.jsonl``, ``datapackage.json``,
``datapackage-digest.json``, the zip's central directory. A run adding to it
(``--wacz FILE``) writes its WARC member where that ending began and a new
ending after it: no old record is copied or rehashed (their hashes come from
the old ``datapackage.json``); the index and the page list are merged anew
(their size grows with the articles, not with the records: about 4% of a
WACZ of data answers). Before the file is touched, the old ending is saved
beside it (``.FILE.tail``, fsynced, with its digest); a run killed while the
file is being grown leaves it with that journal, and the next run, ``check``
or ``rebuild`` puts the old ending back first: the old file, whole. A target of
another layout is packed anew into a temporary file and renamed, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from newsarchiver.webarchive.records import INDEX, PAGES, SOFTWARE, WACZ_VERSION

ENDING = (INDEX, PAGES, "datapackage.json", "datapackage-digest.json")
_TAIL_HEADER = 8 + 8 + 32  # offset, length, sha256 of the saved bytes

if TYPE_CHECKING:
    from newsarchiver.webarchive.records import WarcSpool


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


class _Hashing:
    """A writable that hashes and counts what goes through it."""

    def __init__(self, out) -> None:
        self.out, self.hash, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.hash.update(data)
        self.size += len(data)


def _pack(path: Path, spool: WarcSpool, previous: zipfile.ZipFile | None) -> None:
    """A new WACZ at ``path``: ``previous``'s records copied first (a target of another
    layout), then the spool's."""
    resources: list[dict] = []
    old_index = old_pages = None
    with zipfile.ZipFile(path, "w", allowZip64=True) as wacz:
        if previous is not None:
            for name in previous.namelist():
                if _is_warc(name):
                    _add(wacz, resources, name, _copy(lambda name=name: previous.open(name)),
                         zipfile.ZIP_STORED)  # fmt: skip
            names = previous.namelist()
            old_index = (lambda: previous.open(INDEX)) if INDEX in names else None
            old_pages = (lambda: previous.open(PAGES)) if PAGES in names else None
        _write_members(wacz, spool, resources, old_index, old_pages)


def _add(wacz: zipfile.ZipFile, resources: list[dict], name: str, write, compress: int) -> None:
    info = zipfile.ZipInfo(name, datetime.now(timezone.utc).timetuple()[:6])
    info.compress_type = compress
    with wacz.open(info, "w", force_zip64=True) as member:
        hashing = _Hashing(member)
        write(hashing)
    resources.append({
        "name": Path(name).name.lower(), "path": name,
        "hash": f"sha256:{hashing.hash.hexdigest()}", "bytes": hashing.size,
    })  # fmt: skip


def _copy(source):
    return lambda out: shutil.copyfileobj(_Reader(source()), out, 1 << 20)


def _opener(old):
    """An opener of the old index or page list: a path, a callable, or None."""
    if old is None:
        return None
    if isinstance(old, Path):
        return lambda: open(old, "rb")  # noqa: SIM115
    return old


def _write_members(wacz, spool, resources: list[dict], old_index, old_pages) -> None:
    """The spool's WARC member, then the merged index and page list and the package."""
    _add(wacz, resources, f"archive/{spool.name}", _copy(lambda: open(spool.path, "rb")),
         zipfile.ZIP_STORED)  # fmt: skip
    index_source, pages_source = _opener(old_index), _opener(old_pages)

    def index(out) -> None:
        sources = [open(run, encoding="utf-8") for run in spool.runs]  # noqa: SIM115
        if index_source is not None:
            sources.append(_lines(index_source()))
        try:
            for line in heapq.merge(*sources):
                out.write(line.encode("utf-8"))
        finally:
            for source in sources:
                getattr(source, "close", lambda: None)()

    _add(wacz, resources, INDEX, index, zipfile.ZIP_DEFLATED)

    def pages(out) -> None:
        header = {"format": "json-pages-1.0", "id": "pages", "title": "newsarchiver"}
        out.write((json.dumps(header) + "\n").encode())
        if pages_source is not None:
            with pages_source() as old:
                for line in old:
                    if b'"format"' not in line[:40]:
                        out.write(line if line.endswith(b"\n") else line + b"\n")
        with open(spool.folder / "pages.jsonl", "rb") as new:
            shutil.copyfileobj(new, out)

    _add(wacz, resources, PAGES, pages, zipfile.ZIP_DEFLATED)
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


def tail_path(target: Path) -> Path:
    return target.parent / f".{target.name}.tail"


def _is_warc(name: str) -> bool:
    return name.startswith("archive/") and name.endswith((".warc.gz", ".warc"))


def recover(target: Path) -> bool:
    """Put back the ending a killed run saved before growing ``target``; True if it did.

    The caller holds the target's lock. A journal that is not whole was being
    written when its run was killed, before the target was touched: removed.
    """
    journal = tail_path(target)
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        return False
    offset = int.from_bytes(data[:8], "big")
    length = int.from_bytes(data[8:16], "big")
    saved = data[_TAIL_HEADER:]
    if len(saved) != length or hashlib.sha256(saved).digest() != data[16:_TAIL_HEADER]:
        journal.unlink()
        return False
    with open(target, "r+b") as handle:
        handle.seek(offset)
        handle.write(saved)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())
    journal.unlink()
    return True


def growable(target: Path) -> tuple[int, dict] | None:
    """Where ``target``'s ending begins and its package, if it can grow in place."""
    with zipfile.ZipFile(target) as old:
        infos = old.infolist()
        names = {info.filename for info in infos}
        if not set(ENDING) <= names or any(
            not _is_warc(n) and n not in ENDING and not n.endswith("/") for n in names
        ):
            return None
        start = min(info.header_offset for info in infos if info.filename in ENDING)
        if any(_is_warc(i.filename) and i.header_offset >= start for i in infos):
            return None
        try:
            package = json.loads(old.read("datapackage.json"))
            listed = {r["path"] for r in package["resources"]}
        except (ValueError, KeyError, TypeError):
            return None
        if not {n for n in names if _is_warc(n)} <= listed:
            return None
        return start, package


def grow(target: Path, spool: WarcSpool, start: int, package: dict, fsync: bool) -> None:
    """Add the spool's records to ``target`` in place (see the module's docstring)."""
    folder = spool.folder
    old_index, old_pages = folder / "old-index.cdx", folder / "old-pages.jsonl"
    with zipfile.ZipFile(target) as old:
        for name, path in ((INDEX, old_index), (PAGES, old_pages)):
            with old.open(name) as member, open(path, "wb") as out:
                shutil.copyfileobj(member, out, 1 << 20)
    with open(target, "rb") as handle:
        handle.seek(start)
        ending = handle.read()
    journal = tail_path(target)
    with open(journal, "wb") as out:
        out.write(start.to_bytes(8, "big") + len(ending).to_bytes(8, "big"))
        out.write(hashlib.sha256(ending).digest() + ending)
        out.flush()
        os.fsync(out.fileno())
    resources = [r for r in package["resources"] if _is_warc(str(r.get("path", "")))]
    try:
        with zipfile.ZipFile(target, "a", allowZip64=True) as wacz:
            # The old ending is dropped: the new members are written where it began.
            for name in ENDING:
                wacz.filelist.remove(wacz.NameToInfo.pop(name))
            wacz.start_dir = start
            wacz.fp.seek(start)
            _write_members(wacz, spool, resources, old_index, old_pages)
        if fsync:
            with open(target, "rb") as handle:
                os.fsync(handle.fileno())
    except BaseException:
        recover(target)  # a full disk, an error: the old file back at once
        raise
    journal.unlink()
