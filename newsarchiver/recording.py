"""Keeping what a run fetched (``--wacz``) and answering from it (``rebuild``).

:class:`WaczRecorder` is an extension that holds the run's WARC spool: each
article's responses are kept as they come off the wire (by
:class:`ResponseKeeper`, a downloader middleware next to the download:
before decompression, redirects included) until the article is settled; those
of an archived article go into the spool (by :class:`ArchivedPages`, an item
pipeline after the writer), the others are dropped. Images (``--images``) go
in as they are fetched. At the end the spool becomes the WACZ
(:mod:`newsarchiver.webarchive`). Method calls, not signals, on the hot path:
a signal receiver costs the crawl its dispatch on every response.

:class:`ReplayMiddleware` is a downloader middleware that answers every
request from WACZ files and refuses any other: ``rebuild`` runs the same
spider and pipelines as a crawl, with no network.
"""

from __future__ import annotations

import logging
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from time import time

from scrapy import signals as scrapy_signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from newsarchiver import signals
from newsarchiver.context import RunContext
from newsarchiver.extensions import stop_run
from newsarchiver.items import ARTICLE_META, IMAGE_META
from newsarchiver.outcome import RunOutcome
from newsarchiver.report import RunReport, summary_log
from newsarchiver.webarchive import (
    WaczError,
    WarcSpool,
    WebArchive,
    archived_articles,
    kept_in,
    package_problems,
    record_problems,
    wacz_target,
)

logger = logging.getLogger(__name__)

# Archived articles' records are formatted and written in batches: run together,
# the spool's code keeps its caches warm and costs a third of what it does one
# article at a time between downloads. A batch holds at most this many articles
# or bytes of responses; a killed run loses nothing more by it (the spool becomes
# the WACZ only at the end).
BATCH_ARTICLES = 256
BATCH_BYTES = 4 << 20


class WaczRecorder:
    """Writes the responses that made this run's posts to a WACZ (``NEWSARCHIVER_WACZ``)."""

    def __init__(self, crawler, target: Path) -> None:
        self.crawler = crawler
        self.given = self.target = target
        self.kept: set[str] = set()  # codes the web archive held when the run began
        self.fsync = RunContext.of(crawler).fsync
        self.spool: WarcSpool | None = None
        # Responses of articles not settled yet, by share URL, each URL once (the last).
        self.pending: dict[str, dict[str, tuple]] = {}
        self.batch: list[tuple] = []  # archived articles not written yet
        self.batch_bytes = 0

    @classmethod
    def from_crawler(cls, crawler):
        path = RunContext.of(crawler).wacz
        if not path:
            raise NotConfigured
        ext = cls(crawler, Path(path))
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=scrapy_signals.spider_opened)
        connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        RunReport.of(self.crawler).subscribe(self)
        started = datetime.now(UTC)
        one_a_run = self.target.is_dir()
        self.target = wacz_target(self.target, started)
        level = RunContext.of(self.crawler).wacz_gzip_level
        self.spool = WarcSpool(self.target, started, min(max(level, 0), 9))
        self.spool.one_file_a_run = one_a_run  # never added to: no lock file kept beside it
        # What earlier runs kept: the spider's zero-request skip asks for it too.
        try:
            self.kept = set(archived_articles(kept_in(self.given)).values())
        except WaczError as exc:  # none is taken as kept: archived articles are fetched again
            logger.warning("%s", exc)

    def keep(self, response, request) -> None:
        """A response as downloaded: an image's is written now, an article's held."""
        if self.spool is None:
            return
        # (url, status, headers, body as it came, when it came: the record's WARC-Date)
        fetched = (
            response.url, response.status, list(response.headers.items()), response.body, time(),
        )  # fmt: skip
        if request.meta.get(IMAGE_META):
            if response.status == 200:
                self._spooled(self._write, fetched)
            return
        if share_url := request.meta.get(ARTICLE_META):
            self.pending.setdefault(share_url, {})[response.url] = fetched

    def _write(self, fetched: tuple) -> None:
        url, status, headers, body, when = fetched
        headers = [(name, value) for name, values in headers for value in values]
        self.spool.add_response(url, status, headers, body, when)

    def archived(self, item) -> None:
        """``item``'s post was written (or found unchanged): its responses go in."""
        fetched = self.pending.pop(item.url, None)
        if not fetched or self.spool is None:
            return
        self.batch.append((fetched, item.title, item.url, item.code))
        self.batch_bytes += sum(len(response[3]) for response in fetched.values())
        if len(self.batch) >= BATCH_ARTICLES or self.batch_bytes >= BATCH_BYTES:
            self._spooled(self._flush)

    def _spooled(self, write, *args) -> None:
        """``write(*args)`` into the spool; if the spool cannot be written (a full
        disk), the run stops and leaves the WACZ as it was: a spool that failed
        part-way would index records where they are not. The next run fetches
        this run's articles again (they are not in the web archive) and keeps them."""
        try:
            write(*args)
        except OSError as exc:
            self.spool.discard()
            self.spool = None
            self.pending.clear()
            self.batch.clear()
            stop_run(
                self.crawler,
                f"cannot write the web archive {self.target}: {exc.strerror or exc}",
            )

    def _flush(self) -> None:
        """The batch's responses and pages go into the spool."""
        for fetched, title, url, code in self.batch:
            for response in fetched.values():
                self._write(response)
            # The page is the response that gave the article: the last one fetched.
            last = list(fetched)[-1]
            self.spool.add_page(last, title, url, code, fetched[last][4])
        self.batch.clear()
        self.batch_bytes = 0

    def settled(self, url: str, code: str | None, status: str, reason: str | None) -> None:
        """An outcome sink: a URL with its outcome and not archived (failed) keeps nothing."""
        self.pending.pop(url, None)

    def spider_closed(self) -> None:
        if self.spool is None:
            return
        stats = self.crawler.stats
        spool = self.spool
        try:
            try:
                self._flush()
            except BaseException:
                spool.discard()  # pack() removes the spool folder; here nothing will
                raise
            articles = spool.pack(fsync=self.fsync)
        except Exception as exc:  # noqa: BLE001 (any failure: the run must say it)
            if not isinstance(exc, (OSError, WaczError)):
                logger.debug("Packing the web archive failed", exc_info=True)
            reason = f"cannot write the web archive {self.target}: {exc}"
            logger.error("%s", reason)
            RunOutcome.of(self.crawler).fatal(reason)
            return
        finally:
            self.spool = None
        stats.set_value("newsarchiver/wacz_articles", articles)
        if articles:
            stats.set_value("newsarchiver/wacz", str(self.target))
            summary_log.info("Web archive: %s (%d articles added)", self.target, articles)


class _WithRecorder:
    """A component that hands its work to the run's :class:`WaczRecorder` (with --wacz)."""

    def __init__(self, recorder: WaczRecorder) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler):
        recorder = crawler.get_extension(WaczRecorder)
        if recorder is None:
            raise NotConfigured
        return cls(recorder)


class ResponseKeeper(_WithRecorder):
    """A downloader middleware next to the download: each response, as it came."""

    def process_response(self, request, response):
        self.recorder.keep(response, request)
        return response


class ArchivedPages(_WithRecorder):
    """An item pipeline after the writer: the archived article's responses go in."""

    def process_item(self, item):
        self.recorder.archived(item)
        return item


class ReplayMiddleware:
    """Answers requests from WACZ files (``NEWSARCHIVER_REPLAY``); nothing goes out.

    A URL the archives do not hold fails its request ("not in the web archive").
    """

    def __init__(self, paths: list[str], verify: bool = False) -> None:
        self.archive = WebArchive((Path(p) for p in paths), verify=verify)
        self.verify = verify

    @classmethod
    def from_crawler(cls, crawler):
        context = RunContext.of(crawler)
        paths = context.replay
        if not paths:
            raise NotConfigured
        ext = cls(paths, context.replay_verify)
        crawler.signals.connect(ext.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.archive.open()
        send = spider.crawler.signals.send_catch_log
        # A file that cannot be read fails the run, named; the others' articles rebuild.
        for path, reason in self.archive.bad:
            send(
                signals.article_failed,
                url=str(path),
                reason=f"cannot read the web archive: {reason}",
            )
        for problem in self.archive.problems:
            send(signals.run_warning, message=problem)
        if self.verify:
            self.verify_files(spider.crawler)

    def verify_files(self, crawler) -> None:
        """``rebuild --verify``: every file's package hashes and every record's digests.

        A file with a mismatch fails the run, named with what does not match; a
        record that does not match is never replayed (its article fails, named).
        """
        unreadable = {path for path, _ in self.archive.bad}
        files = records = 0
        for path in self.archive.paths:
            if path in unreadable:
                continue
            with zipfile.ZipFile(path) as archive:
                problems = package_problems(archive, path)
            count, record_issues = record_problems(path)
            files, records, problems = files + 1, records + count, problems + record_issues
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                crawler.signals.send_catch_log(
                    signals.article_failed, url=str(path),
                    reason=f"hashes do not match: {problems[0].removeprefix(f'{path}: ')}{more}",
                )  # fmt: skip
                crawler.stats.inc_value("newsarchiver/verify_mismatched")
        crawler.stats.set_value("newsarchiver/verified_files", files)
        crawler.stats.set_value("newsarchiver/verified_records", records)

    def spider_closed(self) -> None:
        self.archive.close()

    def process_request(self, request):
        try:
            found = self.archive.response(request.url)
        except WaczError as exc:
            raise IgnoreRequest(str(exc)) from None
        if found is None:
            raise IgnoreRequest("not in the web archive")
        return self._response(request, *found)

    def plain_answer(self, request):
        """The archived answer to ``request`` when nothing between the download and the
        callback would change it (a 200 with no Content-Encoding: no error, redirect,
        retry or decompression to apply); None for any other, which then takes the
        engine's way (``process_request``), errors included."""
        try:
            found = self.archive.response(request.url)
        except WaczError:
            return None
        if found is None or found[0] != 200:
            return None
        if any(name.lower() == "content-encoding" for name, _ in found[1]):
            return None
        return self._response(request, *found)

    @staticmethod
    def _response(request, status: int, header_list: list[tuple[str, str]], body: bytes):
        from scrapy.http import Headers
        from scrapy.responsetypes import responsetypes

        headers = Headers()
        for name, value in header_list:
            headers.appendlist(name, value)
        response_cls = responsetypes.from_args(headers=headers, url=request.url)
        return response_cls(
            url=request.url, status=status, headers=headers, body=body,
            request=request, flags=["replayed"],
        )  # fmt: skip
