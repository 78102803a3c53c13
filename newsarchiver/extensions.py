"""Extensions that hold a run to its rules, whatever started it (CLI, scrapy crawl, scrapyd)."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsarchiver.archive import Archive
from newsarchiver.archive.lock import RunLock
from newsarchiver.context import RunContext
from newsarchiver.outcome import RunOutcome

logger = logging.getLogger(__name__)


def stop_run(crawler, reason: str) -> None:
    """Stop the whole run now, with ``reason`` as its fatal error (exit 4): every
    further article would fail the same way (a full disk). The first reason stays."""
    if not RunOutcome.of(crawler).fatal(reason):
        return
    logger.error("Stopping: %s", reason)
    if crawler.engine is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason="disk full"))


class FolderLocked(Exception):
    """Another run holds the output folder: this one must not start."""


class OutputLock:
    """One run at a time per output folder: takes its lock when the crawler is built.

    Taken before the spider opens, and failing the crawl when it cannot be:
    so ``scrapy crawl`` and scrapyd jobs exit non-zero on a locked folder, as
    the CLI does (exit 3), and one whose lock file is no regular file fails
    (:class:`~newsarchiver.archive.lock.UnusableLock`, exit 4). ``NEWSARCHIVER_LOCK
    = False`` turns it off (workers share their folder by design).
    """

    def __init__(self, crawler, output: Path) -> None:
        self.crawler = crawler
        self.lock = RunLock(output)

    @classmethod
    def from_crawler(cls, crawler):
        if not RunContext.of(crawler).lock:
            raise NotConfigured
        ext = cls(crawler, Path(RunContext.of(crawler).output))
        # Not deferred to spider_opened: a lock is what every later step assumes.
        if not ext.lock.acquire():
            raise FolderLocked(
                f"another run is writing to {ext.lock.path.parent} (lock {ext.lock.path})"
            )
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider) -> None:
        self.lock.release()


class ArchiveFolder:
    """The archive folder as the run's components reach it: ``ArchiveFolder.of(crawler).archive``.

    It holds the run's one :class:`~newsarchiver.archive.Archive`, whose index
    of archived codes is loaded by whichever asks first (the writer, when it
    opens), so the folder is scanned once per run; the spider's zero-request
    skip and the writer share it.
    """

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler):
        context = RunContext.of(crawler)
        return cls(
            Archive(Path(context.output), fsync=context.fsync, give_up_after=context.give_up_after)
        )

    @classmethod
    def of(cls, crawler) -> ArchiveFolder:
        found = crawler.get_extension(cls)
        if found is None:
            raise NotConfigured(f"{cls.__name__} is not in EXTENSIONS")
        return found
