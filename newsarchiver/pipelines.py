"""Item pipelines: finish each :class:`~newsarchiver.items.Article`, then write it."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

from scrapy.exceptions import DropItem

from newsarchiver import signals
from newsarchiver.archive import ArchiveIndex, layout
from newsarchiver.context import RunContext
from newsarchiver.exporters import JekyllPostExporter
from newsarchiver.extensions import ArchiveFolder, stop_run
from newsarchiver.finish import Unfinished, finish_article
from newsarchiver.items import Article
from newsarchiver.jekyll_site import configured_site
from newsarchiver.setting_table import default

logger = logging.getLogger(__name__)


class ArticleFailed(DropItem):
    """An article that cannot be archived: its URL and the reason, as data.

    The message (what Scrapy logs) is ``reason: url``; the report takes
    ``reason`` as it is, not parsed back out of the message.
    """

    def __init__(self, item: Article, reason: str) -> None:
        super().__init__(f"{reason}: {item.url}")
        self.url, self.reason = item.url, reason


class ArticleFinisher:
    """Finishes each article (:func:`~newsarchiver.finish.finish_article`): checked, cleaned, named.

    A body of ``THREAD_FROM`` characters or more is finished on a thread (nh3
    lets go of the GIL), so a hostile article never holds the reactor: signals
    and other articles go on.
    """

    max_body = default("NEWSARCHIVER_MAX_BODY")
    THREAD_FROM = 64 * 1024

    def __init__(self, stats=None, max_body: int | None = None) -> None:
        self.stats = stats
        if max_body is not None:
            self.max_body = max_body

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, RunContext.of(crawler).max_body)

    def process_item(self, item: Article):
        if self.THREAD_FROM <= len(item.body) <= self.max_body:
            return self._finish_on_thread(item)
        return self._done(item, self._finish(item))

    async def _finish_on_thread(self, item: Article) -> Article:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        logger.debug(
            "Cleaning the body of %s (%d characters) on a thread", item.url, len(item.body)
        )
        return self._done(item, await maybe_deferred_to_future(deferToThread(self._finish, item)))

    def _finish(self, item: Article) -> Article | Unfinished:
        try:
            return finish_article(item, self.max_body)
        except Unfinished as exc:
            return exc

    def _done(self, item: Article, result: Article | Unfinished) -> Article:
        if isinstance(result, Unfinished):
            raise ArticleFailed(item, result.reason)
        if result.cleaning != "clean" and self.stats:
            self.stats.inc_value(f"newsarchiver/body_{result.cleaning}")
        if result.cleaning == "rewritten":
            logger.debug("Body of %s too broken to cut safely: rewritten by nh3", item.url)
        return result


class PostWriter:
    """Renders each article as a post and has the archive write it, and its category page.

    The archive (:class:`~newsarchiver.archive.Archive`) compares before it
    writes and keeps a post in the folder it is in; a category page that
    cannot be written is owed to the next run.
    """

    def __init__(self, crawler) -> None:
        from scrapy.settings import SETTINGS_PRIORITIES

        settings = crawler.settings
        self.stats = crawler.stats
        self.crawler = crawler
        context = RunContext.of(crawler)
        self.output = Path(context.output)
        self.exporter = JekyllPostExporter(
            None,
            share_base=context.share_base,
            site=context.site,
            body_format=context.body_format,
        )
        self.categories_done: set[str] = set()
        # --refresh-foreign: posts newsarchiver did not write are replaced too.
        self.replace_foreign = context.refresh_foreign
        # --site / -s NEWSARCHIVER_SITE win; else a blog's _config.yml may set it.
        self.site_given = (settings.getpriority("NEWSARCHIVER_SITE") or 0) > SETTINGS_PRIORITIES[
            "project"
        ]
        self.archive = ArchiveFolder.of(crawler).archive

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def index(self) -> ArchiveIndex:
        return self.archive.index

    def open_spider(self) -> None:
        if not self.site_given and (site := configured_site(self.output)) is not None:
            self.exporter.site = site.rstrip("/")
        removed = self.archive.open()
        if removed:
            logger.info("Removed %d temporary files left by an interrupted run", removed)
        # Category pages an earlier run could not write: their articles are
        # archived and cost this run no request, so the pages are written here.
        for slug, outlet in list(self.archive.owed.pages.items()):
            self.write_category_page(slug, outlet)

    def close_spider(self) -> None:
        self.archive.close()

    def process_item(self, item: Article) -> Article:
        data = self.exporter.render(item).encode("utf-8")
        # On the reactor thread, as Scrapy's own file stores write: a post is
        # one small write and a rename, and a thread hop per article costs the
        # crawl more CPU than the write itself (README, Benchmark).
        try:
            item.status = self.archive.write_post(
                item.code, item.published, data, self.replace_foreign
            )
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                self.stop(f"cannot write to {self.output}: {exc.strerror}")
            raise ArticleFailed(item, f"cannot write the post ({exc.strerror or exc})") from None
        if item.status == "kept":
            self.note(
                f"KEPT {self.archive.index.path(item.code)}: not written by newsarchiver "
                "(another writer's or fixed by hand), left as it is; --refresh-foreign "
                "replaces it"
            )
        elif item.slug not in self.categories_done:
            self.write_category_page(item.slug, item.outlet)
        return item  # the tally is the report's (RunReport)

    def write_category_page(self, slug: str, outlet: str) -> None:
        """Write (or leave, if unchanged) a category page; one that fails is owed.

        An owed page is reported on its own (the post counts as archived) and
        written by the next run, whatever it fetches.
        """
        self.categories_done.add(slug)
        try:
            change = self.archive.write_category_page(slug, outlet)
            if change:
                self.stats.inc_value("newsarchiver/category_pages_written")
                if change.was is not None:
                    self.note(change.line())
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                self.stop(f"cannot write to {self.output}: {exc.strerror}")
            self.archive.owed.owe(slug, outlet)
            self.crawler.signals.send_catch_log(
                signals.article_failed,
                url=str(layout.category_page(self.output, slug)),
                reason=f"cannot write this category page ({exc.strerror or exc}); "
                "the next run writes it",
            )
            return
        self.archive.owed.paid(slug)

    def note(self, message: str) -> None:
        self.crawler.signals.send_catch_log(signals.run_note, message=message)

    def stop(self, reason: str) -> None:
        """Stop the whole run now: every further article would fail the same way."""
        stop_run(self.crawler, reason)
