"""Extensions that hold a run to its rules, whatever started it (CLI, scrapy crawl, scrapyd)."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from newsarchiver.storage import RunLock

logger = logging.getLogger(__name__)


class OutputLock:
    """One run at a time per output folder: takes its lock when the spider opens.

    A run that finds the folder locked closes at once with the reason
    ``locked``. ``NEWSARCHIVER_LOCK = False`` turns it off (workers share their
    folder by design).
    """

    def __init__(self, crawler, output: Path) -> None:
        self.crawler = crawler
        self.lock = RunLock(output)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSARCHIVER_LOCK", True):
            raise NotConfigured
        ext = cls(crawler, Path(crawler.settings.get("NEWSARCHIVER_OUTPUT")))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        if self.lock.acquire():
            return
        logger.error(
            "Another run is writing to %s (lock %s)", self.lock.path.parent, self.lock.path
        )
        raise CloseSpider("locked")  # Scrapy closes the spider before any request

    def spider_closed(self, spider) -> None:
        self.lock.release()
