"""Reading WACZ files back: responses by URL (rebuild's replay), and the articles kept."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from newsarchiver.webarchive.records import WaczError, _pages


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
