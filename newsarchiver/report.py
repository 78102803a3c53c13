"""What a run did: the summary, the JSON report and the progress line."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsarchiver import console, signals
from newsarchiver.archive.files import atomic_write
from newsarchiver.context import RunContext
from newsarchiver.items import ARTICLE_META
from newsarchiver.outcome import OutcomeSink

logger = logging.getLogger(__name__)
# The run's last lines, for a log file and scrapyd's job log: the CLI prints the
# same on the terminal (console.run_end), so its terminal handler leaves this logger out.
summary_log = logging.getLogger("newsarchiver.summary")
STATUSES = ("new", "updated", "unchanged")


SHOWN_FAILURES = 1000  # failures kept for stderr and the log; the report file has all
REPORT_LISTS = (
    *STATUSES, "kept", "duplicate", "failed", "not_reached", "given_up", "images_failed"
)  # fmt: skip


class RunReport:
    """Collects each URL's outcome; at the end logs the summary and writes the report.

    The run holds counts and the first failures only: with a report file
    (``NEWSARCHIVER_REPORT``) each outcome is spooled to a temporary file as it
    comes, and the report is written from those at the end, so a run over a
    million URLs holds no per-article state.
    """

    def __init__(self, crawler) -> None:
        self.report_path = RunContext.of(crawler).report
        self.crawler = crawler
        # The tallies live in the crawler's stats (newsarchiver/new, ...), so
        # scrapy crawl and scrapyd jobs see what the CLI prints.
        self.stats = crawler.stats
        # Asked for and not yet settled: what a stopped run lists as not reached.
        self.outstanding: dict[str, str] = {}
        self.failures: list[dict[str, str]] = []  # the first SHOWN_FAILURES
        self.warnings: list[str] = []
        self.notes: list[str] = []  # the first SHOWN_FAILURES
        self.image_failures: list[dict[str, str]] = []  # the first SHOWN_FAILURES
        self._spools: dict[str, IO[bytes]] = {}
        self.write_error: str | None = None
        self.sinks: list[OutcomeSink] = []

    @classmethod
    def of(cls, crawler) -> RunReport:
        """The run's report (an extension: there from the time the spider opens)."""
        report = crawler.get_extension(cls)
        if report is None:
            raise RuntimeError("the RunReport extension is not enabled")
        return report

    def subscribe(self, sink: OutcomeSink) -> None:
        """``sink.settled`` is called with each URL's outcome from now on."""
        self.sinks.append(sink)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        connect = crawler.signals.connect
        connect(ext.article_requested, signal=signals.article_requested)
        connect(ext.given_up, signal=signals.article_given_up)
        connect(ext.item_scraped, signal=scrapy_signals.item_scraped)
        connect(ext.item_dropped, signal=scrapy_signals.item_dropped)
        connect(ext.item_error, signal=scrapy_signals.item_error)
        connect(ext.article_failed, signal=signals.article_failed)
        connect(ext.article_skipped, signal=signals.article_skipped)
        connect(ext.article_duplicate, signal=signals.article_duplicate)
        connect(ext.spider_error, signal=scrapy_signals.spider_error)
        connect(ext.run_warning, signal=signals.run_warning)
        connect(ext.run_note, signal=signals.run_note)
        connect(ext.image_failed, signal=signals.image_failed)
        connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        return ext

    def count(self, key: str) -> None:
        self.stats.inc_value(f"newsarchiver/{key}")

    @property
    def counts(self) -> dict[str, int]:
        return {key: self.stats.get_value(f"newsarchiver/{key}", 0) for key in REPORT_LISTS}

    def add(self, status: str, code: str, url: str | None = None) -> None:
        self.count(status)
        self._spool(status, code)
        if url is not None:
            self.settle(url, code, status, None)

    def settle(self, url: str, code: str | None, status: str, reason: str | None) -> None:
        """``url`` has its outcome: each sink is told; a give-up it answers is recorded."""
        code = self.outstanding.pop(url, code)
        for sink in self.sinks:
            if given_up := sink.settled(url, code, status, reason):
                self.given_up(url, code or "", given_up.reason)
                self.run_warning(
                    f"gave up on {url} after failing in {given_up.runs} runs: {given_up.reason}"
                )

    def article_requested(self, url: str, code: str) -> None:
        self.outstanding[url] = code

    def given_up(self, url: str, code: str, reason: str) -> None:
        """Not asked for again by later runs (the discovery state gave it up)."""
        self.count("given_up")
        self._spool("given_up", {"url": url, "reason": reason})

    def not_reached(self, url: str) -> None:
        self.count("not_reached")
        self._spool("not_reached", url)

    def _spool(self, key: str, entry: object) -> None:
        if not self.report_path or self.write_error:
            return
        try:
            spool = self._spools.get(key)
            if spool is None:
                folder = Path(self.report_path).parent
                spool = self._spools[key] = tempfile.TemporaryFile(dir=folder)
            else:
                spool.write(b",\n    ")
            spool.write(json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            self.write_error = f"cannot write the report {self.report_path}: {exc.strerror or exc}"

    def report_chunks(self) -> Iterator[bytes]:
        """The JSON report, in pieces read back from the spools."""
        for number, key in enumerate(REPORT_LISTS):
            yield f'{"," if number else "{"}\n  "{key}": ['.encode()
            if spool := self._spools.get(key):
                spool.seek(0)
                yield b"\n    "
                while chunk := spool.read(1 << 16):
                    yield chunk
                yield b"\n  "
            yield b"]"
        warnings = json.dumps(self.warnings, ensure_ascii=False)
        notes = json.dumps(self.notes, ensure_ascii=False)
        yield f',\n  "warnings": {warnings},\n  "notes": {notes}\n}}\n'.encode()

    def item_scraped(self, item) -> None:
        self.add(item.status or "unchanged", item.code, item.url)

    def article_skipped(self, url: str, code: str) -> None:
        self.stats.inc_value("newsarchiver/skipped")  # no fetch: left out of the rate
        self.add("unchanged", code, url)

    def article_duplicate(self, url: str, code: str) -> None:
        self.add("duplicate", code)  # not settled: the article's first URL is on its way

    def item_dropped(self, item, exception) -> None:
        # Our pipelines' failures carry their reason; another DropItem says it whole.
        self.article_failed(item.url, getattr(exception, "reason", None) or str(exception))

    def item_error(self, item, failure) -> None:
        self.article_failed(item.url, f"could not archive: {failure.getErrorMessage()}")

    def spider_error(self, failure, response, spider) -> None:
        # A callback that raised: its URL failed, with the error as the reason.
        url = response.request.meta.get(ARTICLE_META) or response.url
        reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]
        self.article_failed(url, f"could not read the answer ({reason})")

    def image_failed(self, url: str, image: str, reason: str) -> None:
        self.count("images_failed")
        failure = {"url": url, "image": image, "reason": reason}
        if len(self.image_failures) < SHOWN_FAILURES:
            self.image_failures.append(failure)
        self._spool("images_failed", failure)

    def run_warning(self, message: str) -> None:
        self.warnings.append(message)

    def run_note(self, message: str) -> None:
        if len(self.notes) < SHOWN_FAILURES:
            self.notes.append(message)

    def article_failed(self, url: str, reason: str) -> None:
        self.count("failed")
        failure = {"url": url, "reason": reason}
        if len(self.failures) < SHOWN_FAILURES:
            self.failures.append(failure)
        self._spool("failed", failure)
        self.settle(url, None, "failed", reason)

    def summary(self) -> str:
        counts = self.counts
        extra = tuple(
            k
            for k in ("kept", "duplicate", "not_reached", "given_up", "images_failed")
            if counts[k]
        )
        return ", ".join(f"{counts[key]} {key.replace('_', ' ')}" for key in (
            *STATUSES, "failed", *extra
        ))  # fmt: skip

    def spider_closed(self, spider, reason: str) -> None:
        if reason == "finished":
            # The run went to its end and these were never answered: something dropped
            # their requests without a word (a middleware, a scheduler). A failure.
            for url in list(self.outstanding):
                self.article_failed(
                    url, "never answered: its request was dropped before it was fetched"
                )
        # A stopped run: what it asked for and never finished, then the input it never read.
        told = set(self.outstanding)
        for url in told:
            self.not_reached(url)
        self.outstanding.clear()
        if reason != "finished" and hasattr(spider, "not_reached"):
            for url in spider.not_reached():
                if url not in told:
                    told.add(url)
                    self.not_reached(url)
        if self.report_path and not self.write_error:
            try:
                atomic_write(Path(self.report_path), self.report_chunks())
            except OSError as exc:
                # The run's outcome is in the report: not writing it is no success.
                self.write_error = (
                    f"cannot write the report {self.report_path}: {exc.strerror or exc}"
                )
                logger.error("%s", self.write_error)
            for spool in self._spools.values():
                spool.close()
        # Failures at WARNING, so a log file filtered by level keeps them.
        level = logging.WARNING if self.counts["failed"] else logging.INFO
        summary_log.log(level, "Summary: %s (%s)", self.summary(), reason)
        for failure in self.failures:
            summary_log.warning("Failed %s: %s", failure["url"], failure["reason"])
        for message in self.notes:
            summary_log.info("%s", message)
        for message in self.warnings:
            summary_log.warning("%s", message)
        for failure in self.image_failures:
            summary_log.warning(
                "Image %s of %s not kept: %s", failure["image"], failure["url"], failure["reason"]
            )


DONE = (*STATUSES, "duplicate", "failed")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


class Progress:
    """A progress line every ``NEWSARCHIVER_PROGRESS_INTERVAL`` seconds, from the stats alone.

    Shaped like Scrapy's LogStats: not configured when the interval is 0; it
    reads the ledger's tallies in ``crawler.stats`` and the scheduler's size,
    and records the run's final rate (``newsarchiver/articles_per_second``).
    On a terminal it is a bar redrawn every second instead, on standard error.
    """

    def __init__(self, crawler, interval: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.tty = False

    @classmethod
    def from_crawler(cls, crawler):
        interval = RunContext.of(crawler).progress_interval
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.tty = console.is_terminal() and RunContext.of(self.crawler).progress_bar
        self.loop = task.LoopingCall(self.log)
        self.loop.start(min(self.interval, 1.0) if self.tty else self.interval, now=False)

    def counts(self) -> tuple[int, int, int]:
        get = self.stats.get_value
        done = sum(get(f"newsarchiver/{key}", 0) for key in DONE)
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine else None
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        active = len(engine.downloader.active) if engine else 0
        return done, queued + active, get("newsarchiver/failed", 0)

    def fetched(self, done: int) -> int:
        """Outcomes that cost a fetch: not those skipped as archived, nor repeats."""
        get = self.stats.get_value
        return done - get("newsarchiver/skipped", 0) - get("newsarchiver/duplicate", 0)

    def rate(self, done: int) -> float:
        """Articles fetched a second (skipped ones are free: they would inflate it)."""
        return self.fetched(done) / max(time.monotonic() - self.started, 1e-6)

    @property
    def total(self) -> int | None:
        """The input's size, when it is known (a file, URLs given): None for stdin."""
        return self.stats.get_value("newsarchiver/input_total")

    def line(self) -> str:
        done, queued, failed = self.counts()
        skipped = done - self.fetched(done)
        rate, total = self.rate(done), self.total
        if total:
            head = f"done {done} of {total} ({100 * done // total}%)"
        else:
            head = f"done {done}"
        text = f"{head}, queued {queued}, failed {failed}"
        if skipped:
            text += f", {skipped} already archived"
        text += f"; {rate:.1f} articles/s fetched"
        if total and rate > 0 and done < total:
            text += f", about {_duration((total - done) / rate)} left"
        return text

    def bar(self, width: int = 24) -> str:
        """A bar against the input's total; with no total known, the counts alone."""
        total = self.total
        if not total:
            return self.line()
        done = self.counts()[0]
        filled = min(width, round(width * done / total))
        return f"[{'#' * filled}{'.' * (width - filled)}] {self.line()}"

    def log(self) -> None:
        if self.tty:
            console.redraw(self.bar())
        else:
            logger.info("Progress: %s", self.line())

    def spider_closed(self, spider) -> None:
        done, _, _ = self.counts()
        self.stats.set_value("newsarchiver/articles_per_second", round(self.rate(done), 2))
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.loop is not None and self.tty:
            console.clear_line()
