"""Item pipelines: each does one job on an :class:`~newsarchiver.items.Article`."""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import NoReturn

from scrapy.exceptions import DropItem

from newsarchiver import settings as defaults
from newsarchiver import signals, storage
from newsarchiver.exporters import JekyllPostExporter
from newsarchiver.extensions import ArchiveFolder
from newsarchiver.extract import (
    CODE_RE,
    MAX_TITLE,
    ExtractError,
    outlet_from_body,
    parse_time,
    plain_text,
)
from newsarchiver.items import Article
from newsarchiver.jekyll_site import configured_site
from newsarchiver.post_format import (
    category_slug,
    render_category_page,
)
from newsarchiver.sanitize import TooComplex, clean_body

logger = logging.getLogger(__name__)


class ArticleFailed(DropItem):
    """An article that cannot be archived: its URL and the reason, as data.

    The message (what Scrapy logs) is ``reason: url``; the report takes
    ``reason`` as it is, not parsed back out of the message.
    """

    def __init__(self, item: Article, reason: str) -> None:
        super().__init__(f"{reason}: {item.url}")
        self.url, self.reason = item.url, reason


class ArticleValidator:
    """Drops articles without a code, title, date or body; normalises the date."""

    def process_item(self, item: Article) -> Article:
        if not CODE_RE.fullmatch(item.code or ""):
            raise ArticleFailed(item, f"invalid infoCode {item.code!r}")
        item.title = plain_text(item.title).strip()
        if not item.title:
            raise ArticleFailed(item, "missing title")
        if len(item.title) > MAX_TITLE:
            raise ArticleFailed(item, f"title longer than {MAX_TITLE} characters")
        try:
            item.published = parse_time(item.published)
        except ExtractError as exc:
            raise ArticleFailed(item, f"{exc}") from None
        if not item.body.strip():
            raise ArticleFailed(item, "empty body")
        return item


class BodyCleaner:
    """Deletes the indentation and everything unsafe from the body (see sanitize).

    A body over ``NEWSARCHIVER_MAX_BODY`` characters fails its article. One
    over ``THREAD_FROM`` is cleaned on a thread (nh3 lets go of the GIL), so
    a hostile article never holds the reactor: signals and other articles go on.
    """

    max_body = defaults.NEWSARCHIVER_MAX_BODY
    THREAD_FROM = 64 * 1024

    def __init__(self, stats=None, max_body: int | None = None) -> None:
        self.stats = stats
        if max_body is not None:
            self.max_body = max_body

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("NEWSARCHIVER_MAX_BODY", cls.max_body))

    def process_item(self, item: Article):
        if len(item.body) > self.max_body:
            raise ArticleFailed(
                item,
                f"body of {len(item.body)} characters, over the {self.max_body} limit "
                "(NEWSARCHIVER_MAX_BODY)",
            )
        if len(item.body) >= self.THREAD_FROM:
            return self._clean_on_thread(item)
        return self._finish(item, self._clean(item))

    async def _clean_on_thread(self, item: Article) -> Article:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        logger.debug(
            "Cleaning the body of %s (%d characters) on a thread", item.url, len(item.body)
        )
        return self._finish(item, await maybe_deferred_to_future(deferToThread(self._clean, item)))

    @staticmethod
    def _clean(item: Article) -> tuple[str, str] | str:
        try:
            return clean_body(item.body)
        except TooComplex as exc:
            return str(exc)

    def _finish(self, item: Article, result: tuple[str, str] | str) -> Article:
        if isinstance(result, str):
            raise ArticleFailed(item, f"{result}")
        cleaned, how = result
        if how != "clean" and self.stats:
            self.stats.inc_value(f"newsarchiver/body_{how}")
        if how == "rewritten":
            logger.debug("Body of %s too broken to cut safely: rewritten by nh3", item.url)
        if not cleaned.strip():
            raise ArticleFailed(item, "empty body after removing unsafe content")
        item.body = cleaned
        return item


class OutletAttributor:
    """Names the outlet (the attribution line wins) and its category slug."""

    def process_item(self, item: Article) -> Article:
        outlet = " ".join(plain_text(outlet_from_body(item.body) or item.outlet).split())
        if not outlet:
            raise ArticleFailed(
                item, "no source attribution (no 文章来源 line, medianame or source)"
            )
        slug = storage.file_slug(category_slug(outlet))
        if not slug:
            raise ArticleFailed(
                item, f"outlet {outlet!r} gives no usable category name (empty or too long)"
            )
        item.outlet, item.slug = outlet, slug
        return item


class PostWriter:
    """Writes each article's post and its category page, atomically.

    An article already in ``_posts/`` or ``old_post/`` is compared byte for
    byte and only rewritten when it changed, in the folder it is in.
    """

    output = defaults.NEWSARCHIVER_OUTPUT
    share_base = defaults.NEWSARCHIVER_SHARE_BASE
    site = defaults.NEWSARCHIVER_SITE
    body_format = defaults.NEWSARCHIVER_BODY_FORMAT

    def __init__(self, stats, settings=None, crawler=None) -> None:
        self.stats = stats
        self.crawler = crawler
        get = settings.get if settings is not None else (lambda key, default: default)
        self.output = Path(get("NEWSARCHIVER_OUTPUT", self.output))
        self.fsync = (
            bool(settings.getbool("NEWSARCHIVER_FSYNC", defaults.NEWSARCHIVER_FSYNC))
            if settings
            else True
        )
        self.exporter = JekyllPostExporter(
            None,
            share_base=get("NEWSARCHIVER_SHARE_BASE", self.share_base),
            site=get("NEWSARCHIVER_SITE", self.site),
            body_format=get("NEWSARCHIVER_BODY_FORMAT", self.body_format),
        )
        self.index: storage.ArchiveIndex | None = None
        self.categories_done: set[str] = set()
        # --site / -s NEWSARCHIVER_SITE win; else a blog's _config.yml may set it.
        from scrapy.settings import SETTINGS_PRIORITIES

        self.site_given = (
            settings is not None
            and (settings.getpriority("NEWSARCHIVER_SITE") or 0) > SETTINGS_PRIORITIES["project"]
        )

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings, crawler)

    def open_spider(self) -> None:
        if not self.site_given and (site := configured_site(self.output)) is not None:
            self.exporter.site = site.rstrip("/")
        removed = storage.remove_stale_temp_files(self.output)
        if removed:
            logger.info("Removed %d temporary files left by an interrupted run", removed)
        self.index = (
            ArchiveFolder.of(self.crawler).index
            if self.crawler
            else (storage.ArchiveIndex(self.output).load())
        )
        self.staging = storage.staging_folder(self.output)
        # Category pages an earlier run could not write: their articles are
        # archived and cost this run no request, so the pages are written here.
        self.owed = storage.OwedPages(self.output)
        for slug, outlet in list(self.owed.pages.items()):
            self.write_category_page(slug, outlet)

    def close_spider(self) -> None:
        storage.remove_staging_folder(self.output)

    def process_item(self, item: Article) -> Article:
        assert self.index is not None
        data = self.exporter.render(item).encode("utf-8")
        existing = self.index.path(item.code)
        folder = existing.parent if existing else self.output / storage.POSTS
        target = folder / f"{item.published[:10]}-{item.code}.md"
        # On the reactor thread, as Scrapy's own file stores write: a post is
        # one small write and a rename, and a thread hop per article costs the
        # crawl more CPU than the write itself (README, Benchmark).
        try:
            item.status = self.store(data, target, existing)
        except OSError as exc:
            self.failed_write(exc, item, f"cannot write the post ({exc.strerror or exc})")
        self.index.record(item.code, target)  # the tally is the report's (RunReport)
        if item.slug not in self.categories_done:
            self.write_category_page(item.slug, item.outlet)
        return item

    def write_category_page(self, slug: str, outlet: str) -> None:
        """Write (or leave, if unchanged) a category page; one that fails is owed.

        An owed page is reported on its own (the post counts as archived) and
        written by the next run, whatever it fetches.
        """
        self.categories_done.add(slug)
        page = render_category_page(outlet, slug).encode("utf-8")
        try:
            if self.store_category_page(slug, page):
                self.stats.inc_value("newsarchiver/category_pages_written")
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                self.stop(f"cannot write to {self.output}: {exc.strerror}")
            self.owed.owe(slug, outlet)
            if self.crawler is not None:
                self.crawler.signals.send_catch_log(
                    signals.article_failed,
                    url=str(storage.category_page(self.output, slug)),
                    reason=f"cannot write this category page ({exc.strerror or exc}); "
                    "the next run writes it",
                )
            return
        self.owed.paid(slug)

    def failed_write(self, exc: OSError, item: Article, reason: str) -> NoReturn:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            self.stop(f"cannot write to {self.output}: {exc.strerror}")
        raise ArticleFailed(item, reason) from None

    def stop(self, reason: str) -> None:
        """Stop the whole run now: every further article would fail the same way."""
        if self.stats.get_value("newsarchiver/fatal"):
            return
        self.stats.set_value("newsarchiver/fatal", reason)
        logger.error("Stopping: %s", reason)
        if self.crawler is not None and self.crawler.engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk full"))

    def store(self, data: bytes, target: Path, existing: Path | None) -> str:
        """Write the post unless its bytes are already there; say which it was."""
        if existing == target and storage.read_bytes(target) == data:
            return "unchanged"
        storage.atomic_write(target, data, self.staging, fsync=self.fsync)
        if existing and existing != target:
            existing.unlink(missing_ok=True)  # the article's date changed
        return "updated" if existing else "new"

    def store_category_page(self, slug: str, data: bytes) -> bool:
        page = storage.category_page(self.output, slug)
        if storage.read_bytes(page) == data:
            return False
        storage.atomic_write(page, data, self.staging, fsync=self.fsync)
        return True
