"""Packing a run's spool into a WACZ: a new file, or the target grown in place.

A new WACZ holds the run's WARC member, ``indexes/index.cdx``,
``pages/pages.jsonl``, then ``datapackage.json`` and
``datapackage-digest.json`` and the zip's central directory. A run adding to
a WACZ newsarchiver wrote (``--wacz FILE``) leaves every member where it is
and writes its own three after them: ``archive/RUN.warc.gz``,
``indexes/RUN.cdx`` (sorted CDXJ; pywb and ReplayWeb.page read every index
of a WACZ) and ``pages/RUN.jsonl``, where the old ending (package, digest,
directory) began, then a new ending. No old record, index line or page is
copied or rehashed: the old members' hashes come from the old
``datapackage.json``; a tick reads and writes its own members, the package
and the directory (about 250 bytes per member).

Before the file is touched, the old ending is saved beside it (``.FILE.tail``,
fsynced, with its digest). A run killed while the file grows leaves that
journal, and the next run, ``rebuild`` or the target check puts the old ending
back first: the old file, whole. A target of another layout is packed anew
into a temporary file and renamed (its records copied).
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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsarchiver.webarchive.records import (
    INDEX,
    PAGES,
    SOFTWARE,
    WACZ_VERSION,
    is_index,
    is_pages,
)
from newsarchiver.webarchive.records import is_warc as _is_warc

ENDING = ("datapackage.json", "datapackage-digest.json")
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
                if (
                    _is_warc(name)
                    or (is_index(name) or is_pages(name))
                    and name not in (INDEX, PAGES)
                ):  # each run's own index and page list (a WACZ grown in place) as they are
                    compress = zipfile.ZIP_STORED if _is_warc(name) else zipfile.ZIP_DEFLATED
                    _add(wacz, resources, name, _copy(lambda name=name: previous.open(name)),
                         compress)  # fmt: skip
            names = previous.namelist()
            old_index = (lambda: previous.open(INDEX)) if INDEX in names else None
            old_pages = (lambda: previous.open(PAGES)) if PAGES in names else None
        _write_members(wacz, spool, resources, INDEX, PAGES, old_index, old_pages)


def _add(wacz: zipfile.ZipFile, resources: list[dict], name: str, write, compress: int) -> None:
    info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
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


def _write_members(
    wacz, spool, resources: list[dict], index_name: str, pages_name: str,
    old_index=None, old_pages=None,
) -> None:  # fmt: skip
    """The spool's WARC member, its index and page list (merged with ``old_index``
    and ``old_pages`` when given), and the package."""
    _add(wacz, resources, f"archive/{spool.name}", _copy(lambda: open(spool.path, "rb")),
         zipfile.ZIP_STORED)  # fmt: skip
    index_source, pages_source = _opener(old_index), _opener(old_pages)

    def index(out) -> None:
        sources: list[Iterator[str]] = [open(run, encoding="utf-8") for run in spool.runs]  # noqa: SIM115
        if index_source is not None:
            sources.append(_lines(index_source()))
        try:
            for line in heapq.merge(*sources):
                out.write(line.encode("utf-8"))
        finally:
            for source in sources:
                getattr(source, "close", lambda: None)()

    _add(wacz, resources, index_name, index, zipfile.ZIP_DEFLATED)

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

    _add(wacz, resources, pages_name, pages, zipfile.ZIP_DEFLATED)
    package = {
        "profile": "data-package",
        "resources": resources,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
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
    """Where ``target``'s ending begins and its package, if it can grow in place:
    a WACZ of WARC members, indexes and page lists, its package last, listing them all."""
    with zipfile.ZipFile(target) as old:
        infos = old.infolist()
        names = {info.filename for info in infos}
        if not set(ENDING) <= names or INDEX not in names or PAGES not in names:
            return None
        ours = [i for i in infos if i.filename not in ENDING and not i.filename.endswith("/")]
        if any(not _own_member(i.filename) for i in ours):
            return None
        start = min(info.header_offset for info in infos if info.filename in ENDING)
        if any(i.header_offset >= start for i in ours):
            return None
        try:
            package = json.loads(old.read("datapackage.json"))
            listed = {str(r["path"]) for r in package["resources"]}
        except (ValueError, KeyError, TypeError):
            return None
        if not {i.filename for i in ours} <= listed:
            return None
        return start, package


def _own_member(name: str) -> bool:
    return _is_warc(name) or is_index(name) or is_pages(name)


def grow(target: Path, spool: WarcSpool, start: int, package: dict, fsync: bool) -> None:
    """Add the spool's records to ``target`` in place (see the module's docstring)."""
    with open(target, "rb") as handle:
        handle.seek(start)
        ending = handle.read()
    journal = tail_path(target)
    with open(journal, "wb") as out:
        out.write(start.to_bytes(8, "big") + len(ending).to_bytes(8, "big"))
        out.write(hashlib.sha256(ending).digest() + ending)
        out.flush()
        os.fsync(out.fileno())
    resources = [r for r in package["resources"] if _own_member(str(r.get("path", "")))]
    stem = spool.name.split(".warc")[0]
    try:
        with zipfile.ZipFile(target, "a", allowZip64=True) as wacz:
            # The old ending is dropped: the new members are written where it began.
            for name in ENDING:
                wacz.filelist.remove(wacz.NameToInfo.pop(name))
            wacz.start_dir = start
            assert wacz.fp is not None  # open for appending
            wacz.fp.seek(start)
            _write_members(wacz, spool, resources, f"indexes/{stem}.cdx", f"pages/{stem}.jsonl")
        if fsync:
            with open(target, "rb") as handle:
                os.fsync(handle.fileno())
    except BaseException:
        recover(target)  # a full disk, an error: the old file back at once
        raise
    journal.unlink()
