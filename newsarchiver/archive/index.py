"""The archive index (which codes the folder holds, and where) and the owed category pages.

Nothing here knows of Scrapy or a crawl.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from newsarchiver.archive.files import atomic_write
from newsarchiver.archive.layout import (
    OLD_POSTS,
    POST_NAME,
    POST_NAME_LINES,
    POSTS,
    TEMP_PREFIX,
    owed_images,
    owed_pages,
    rotate_conflicts,
)


class ArchiveIndex:
    """Which article codes the output folder already holds, and where.

    Built by one scan of ``_posts/`` and ``old_post/`` at start-up, then kept
    up to date as posts are written, so a lookup never touches the disk.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # A post folder's name -> {code: file name}, _posts/ first: it wins if a
        # code is in both. Names, not paths: building a path a post costs a loop.
        self._names: dict[str, dict[str, str]] = {POSTS: {}, OLD_POSTS: {}}
        self.added: set[str] = set()  # codes first written by this run

    def load(self, temp_files: list | None = None) -> ArchiveIndex:
        """Scan the post folders; with ``temp_files`` (a list), the paths of temporary
        files met on the way are added to it (one scan for both).

        One listing a folder, matched by one regular expression over all its names:
        a tick over 100,000 posts pays the listing, not a Python loop a post.
        """
        for sub, found in self._names.items():
            folder = self.folder / sub
            try:
                names = os.listdir(folder)
            except (FileNotFoundError, NotADirectoryError):
                continue
            joined = "\n".join(names)
            if joined.count("\n") == len(names) - 1:  # no name holds a line break
                found.update(POST_NAME_LINES.findall(joined))
            else:
                for name in names:
                    if named := POST_NAME.fullmatch(name):
                        found[named[2]] = name
            if temp_files is not None and TEMP_PREFIX in joined:
                temp_files.extend(
                    os.path.join(folder, name) for name in names if name.startswith(TEMP_PREFIX)
                )
        return self

    def __contains__(self, code: str) -> bool:
        return any(code in found for found in self._names.values())

    def __len__(self) -> int:
        return len(set().union(*self._names.values()))

    def path(self, code: str) -> Path | None:
        for sub, found in self._names.items():
            if name := found.get(code):
                return self.folder / sub / name
        return None

    def record(self, code: str, path: Path) -> None:
        if code not in self:
            self.added.add(code)
        sub = str(path.parent.relative_to(self.folder))
        for other, found in self._names.items():
            if other != sub:
                found.pop(code, None)  # the post recorded last is the code's
        self._names.setdefault(sub, {})[code] = path.name


class _Ledger:
    """A small JSON object in the state folder, rewritten whole (atomically) on each
    change and removed when empty. A ledger that cannot be written is left as it
    was: what it would have recorded is reported by the run that failed."""

    def __init__(self, path: Path, entries: dict) -> None:
        self.path = path
        self.entries = entries

    @staticmethod
    def read(path: Path) -> dict:
        try:
            return dict(json.loads(path.read_bytes()))
        except (OSError, ValueError, TypeError):
            return {}

    def _save(self) -> None:
        try:
            if self.entries:
                atomic_write(self.path, json.dumps(self.entries, ensure_ascii=False).encode())
            else:
                self.path.unlink(missing_ok=True)
        except OSError:
            pass


class OwedPages(_Ledger):
    """Category pages a run could not write, kept for the next (``STATE/category-pages.json``)."""

    def __init__(self, output: Path) -> None:
        path = owed_pages(output)
        super().__init__(path, {str(k): str(v) for k, v in self.read(path).items()})
        self.pages: dict[str, str] = self.entries

    def owe(self, slug: str, outlet: str) -> None:
        if self.pages.get(slug) != outlet:
            self.pages[slug] = outlet
            self._save()

    def paid(self, slug: str) -> None:
        if self.pages.pop(slug, None) is not None:
            self._save()


OWED_KEPT = 10_000  # articles owed images, the latest failures; older ones are given up


class OwedImages(_Ledger):
    """Articles archived without all their body images (``STATE/images-owed.json``):
    code -> how many runs with --images have failed to keep them.

    A later run with --images that is given such an article fetches it again
    (it is not skipped as archived) until its images are kept, or until it has
    failed ``give_up_after`` runs: then it is dropped from the ledger (given up is
    not owed). The ledger keeps the :data:`OWED_KEPT` articles that failed last;
    an older one is given up, so the file stays small after years of runs.
    """

    def __init__(self, output: Path, give_up_after: int) -> None:
        path = owed_images(output)
        try:
            runs = {str(k): int(v) for k, v in self.read(path).items()}
        except (ValueError, TypeError):
            runs = {}
        # Given up (a ledger of an older version kept them): compacted away.
        runs = {code: n for code, n in runs.items() if 0 < n < give_up_after}
        super().__init__(path, runs)
        self.runs: dict[str, int] = self.entries
        self.give_up_after = give_up_after

    def __contains__(self, code: object) -> bool:
        """Whether ``code`` is still owed its images (not given up)."""
        return isinstance(code, str) and 0 < self.runs.get(code, 0) < self.give_up_after

    def failed(self, code: str) -> bool:
        """One more run failed to keep ``code``'s images; True when that was the last try."""
        runs = self.runs.pop(code, 0) + 1
        last = runs >= self.give_up_after
        if not last:
            self.runs[code] = runs  # the newest last
            while len(self.runs) > OWED_KEPT:
                del self.runs[next(iter(self.runs))]
        self._save()
        return last

    def kept(self, code: str) -> None:
        if self.runs.pop(code, None) is not None:
            self._save()


class RotateConflicts(_Ledger):
    """Names ``rotate`` found in both ``_posts/`` and ``old_post/`` with different bytes:
    name -> [digest in _posts/, digest in old_post/]. A conflict is reported the
    tick it is found (or its bytes change), then kept quiet."""

    def __init__(self, output: Path) -> None:
        path = rotate_conflicts(output)
        super().__init__(path, {str(k): v for k, v in self.read(path).items()})
        self.known: dict = self.entries

    def settle(self, found: dict[str, list[str]]) -> list[str]:
        """This tick's conflicts: remember them; return the names not known before."""
        new = [name for name, digests in found.items() if self.known.get(name) != digests]
        if found != self.known:
            self.known = self.entries = dict(found)
            self._save()
        return new
