"""Packing a run's spool into a WACZ, with the target's own records first."""

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
