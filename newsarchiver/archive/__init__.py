"""The archive folder: the one way into it.

:class:`Archive` is what the crawl, the maintenance commands and the queue use
to decide whether a share URL needs fetching, to write posts and category
pages, and to rebuild and rotate them. Its parts:

- :mod:`~newsarchiver.archive.layout`: folder and file names, the slug rule;
- :mod:`~newsarchiver.archive.files`: atomic writes, reads, temporary files;
- :mod:`~newsarchiver.archive.index`: which codes the folder holds;
- :mod:`~newsarchiver.archive.lock`: one run at a time;
- :mod:`~newsarchiver.archive.discovery`: what ``discover`` runs have read;
- :mod:`~newsarchiver.archive.maintenance`: front matter, categories, rotation.

Nothing here knows of Scrapy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from newsarchiver.archive import layout
from newsarchiver.archive.files import (
    atomic_write,
    read_bytes,
    remove_staging_folder,
    remove_stale_temp_files,
)
from newsarchiver.archive.index import ArchiveIndex, OwedImages, OwedPages
from newsarchiver.archive.maintenance import (
    CategoryResult,
    RotateResult,
    page_title,
    rebuild_categories,
    rotate,
)
from newsarchiver.archive.written import WrittenPosts
from newsarchiver.finews import ExtractError, parse_share_url
from newsarchiver.post_format import category_title, render_category_page

__all__ = ["Admission", "Archive", "ArchiveIndex", "atomic_write", "layout"]


@dataclass(frozen=True)
class Admission:
    """What a share URL needs: ``verdict`` is ``fetch``, ``invalid``, ``duplicate`` or ``archived``."""

    url: str
    verdict: str
    base: str = ""
    code: str = ""
    reason: str = ""  # why an invalid URL is


@dataclass(frozen=True)
class PageChange:
    """A category page written: ``was`` is the title the page had (None if it was new)."""

    page: Path
    title: str
    was: str | None = None

    def line(self) -> str:
        where = f"{layout.CATEGORIES}/{self.page.name}"
        if self.was is None:
            return f"WROTE {where}: title {self.title}"
        if self.was == self.title:
            return f"REWROTE {where}: title {self.title} kept, the rest as the contract writes it"
        return f"REWROTE {where}: title {self.was or '(none)'} -> {self.title}"


class Archive:
    """One archive folder (``output``): its posts, category pages and state."""

    def __init__(self, output: Path | str, fsync: bool = True, give_up_after: int = 10) -> None:
        self.output = Path(output)
        self.fsync = fsync
        self.give_up_after = give_up_after  # runs an article may fail to get its images
        self.staging = layout.staging_folder(self.output)
        self._index: ArchiveIndex | None = None
        self._owed: OwedPages | None = None
        self._owed_images: OwedImages | None = None
        self.written = WrittenPosts(self.output, fsync)

    @property
    def index(self) -> ArchiveIndex:
        """The codes the folder holds: scanned once, on first use, then kept up to date."""
        if self._index is None:
            self._index = ArchiveIndex(self.output).load()
        return self._index

    @property
    def owed(self) -> OwedPages:
        """Category pages an earlier run could not write."""
        if self._owed is None:
            self._owed = OwedPages(self.output)
        return self._owed

    @property
    def owed_images(self) -> OwedImages:
        """Articles archived without all their images, fetched again by --images runs."""
        if self._owed_images is None:
            self._owed_images = OwedImages(self.output, self.give_up_after)
        return self._owed_images

    def admit(
        self,
        url: str,
        seen: set[str] | None = None,
        skip_archived: bool = True,
        finished: Callable[[str], bool] | None = None,
    ) -> Admission:
        """Whether ``url`` needs fetching: not when it is no share URL, was ``seen``
        in this run (the code is added to it) or, with ``skip_archived``, is archived
        and ``finished`` (when given) says nothing is owed for it: the run's other
        keepers (a web archive that does not hold it yet, images not kept) have it
        fetched again."""
        try:
            base, code = parse_share_url(url)
        except ExtractError as exc:
            return Admission(url, "invalid", reason=str(exc))
        if seen is not None:
            if code in seen:
                return Admission(url, "duplicate", base, code)
            seen.add(code)
        if skip_archived and code in self.index and (finished is None or finished(code)):
            return Admission(url, "archived", base, code)
        return Admission(url, "fetch", base, code)

    def open(self) -> int:
        """Ready the folder for writing: remove the temporary files killed runs left
        (how many is returned) and scan the index now, not on the first article."""
        if self._index is not None:
            return remove_stale_temp_files(self.output)
        temp_files: list = []  # one scan of the post folders for the index and these
        self._index = ArchiveIndex(self.output).load(temp_files)
        return remove_stale_temp_files(self.output, temp_files)

    def close(self) -> None:
        """Remove the staging folder, unless another writer is using it."""
        self.written.close()
        remove_staging_folder(self.output)

    def write_post(
        self, code: str, published: str, data: bytes, replace_foreign: bool = False
    ) -> str:
        """Write a post's bytes unless they are there already: ``new``, ``updated``,
        ``unchanged`` or ``kept``. A post already in ``_posts/`` or ``old_post/`` stays
        in its folder; one whose date changed is renamed. A post newsarchiver did not
        write (another format, another writer, fixed by hand since) is ``kept`` as it
        is unless ``replace_foreign``. OSError if it cannot be written."""
        existing = self.index.path(code)
        folder = existing.parent if existing else self.output / layout.POSTS
        target = folder / layout.post_name(published, code)
        if existing is None and os.path.lexists(target):
            existing = target  # written since the index was read: another worker's
        if existing is None:
            status = "new"
        else:
            on_disk = read_bytes(existing)
            if existing == target and on_disk == data:
                if not self.written.owns(code, data):
                    self.written.wrote(code, data)  # byte for byte what it writes: its own
                return "unchanged"
            if on_disk is not None and not replace_foreign and not self.written.owns(code, on_disk):
                return "kept"
            status = "updated"
        atomic_write(target, data, self.staging, fsync=self.fsync)
        self.written.wrote(code, data)
        if existing and existing != target:
            existing.unlink(missing_ok=True)  # the article's date changed
        self.index.record(code, target)
        return status

    def write_category_page(
        self, slug: str, outlet: str, replace: bool = True
    ) -> PageChange | None:
        """Write a category page unless its bytes are there already: what was written,
        or None. ``replace=False``: a page that is there (another writer's) is left.

        OSError if it cannot be written (ValueError for a slug that would leave
        the category folder).
        """
        page = layout.category_page(self.output, slug)
        data = render_category_page(outlet, slug).encode("utf-8")
        old = read_bytes(page)
        if old == data or (old is not None and not replace):
            return None
        atomic_write(page, data, self.staging, fsync=self.fsync)
        was = None if old is None else page_title(old)
        return PageChange(page, category_title(outlet), was)

    def rebuild_categories(self) -> CategoryResult:
        """Write the category page of every category the posts name."""
        return rebuild_categories(self)

    def rotate(self, keep_days: int, today: date, keep: tuple[str, ...] = ()) -> RotateResult:
        """Move posts older than ``keep_days`` days to ``old_post/``, but those ``keep`` names."""
        return rotate(self.output, keep_days, today, keep)
