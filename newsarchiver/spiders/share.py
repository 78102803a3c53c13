"""The share spider: finews share URLs in, articles out."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from functools import cached_property
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from newsarchiver import signals
from newsarchiver.archive import Archive
from newsarchiver.context import RunContext
from newsarchiver.extensions import ArchiveFolder
from newsarchiver.extract import (
    ExtractError,
    article_from_json,
    article_from_page,
    data_url,
    decode_page,
    share_url,
)
from newsarchiver.failures import describe_failure
from newsarchiver.items import ARTICLE_META, Article
from newsarchiver.outcome import GivenUp
from newsarchiver.recording import ReplayMiddleware
from newsarchiver.report import RunReport


def answered_for(url: str, code: str) -> None:
    """ExtractError if a redirect led to another article than ``code``'s."""
    query = parse_qs(urlsplit(url).query)
    for key in ("id", "infoCode", "infocode"):
        for named in query.get(key, ()):
            if named != code:
                raise ExtractError(f"redirected to another article ({named[:64]!r})")


def read_url_lines(lines: Iterable[str]) -> Iterator[str]:
    """URLs from an input file: one a line; blank lines and ``#`` comments skipped."""
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def url_count(urls: str | Iterable[str] = "", input: str | None = None) -> int | None:
    """How many URLs :func:`url_source` gives, if that can be known before reading them:
    not for standard input or a pipe (read once only)."""
    if input == "-" or (input and not os.path.isfile(input)):
        return None
    if not isinstance(urls, (str, list, tuple)):
        return None  # an iterator: read once only
    count = sum(1 for _ in url_source(urls))
    if input:
        with open(input, encoding="utf-8-sig", errors="replace") as handle:
            count += sum(1 for _ in read_url_lines(handle))
    return count


def url_source(urls: str | Iterable[str] = "", input: str | None = None) -> Iterator[str]:
    """URLs given as a comma-separated string or list, then those of ``input``."""
    if isinstance(urls, str):
        urls = [u for u in urls.split(",") if u.strip()]
    yield from (u.strip() for u in urls)
    # Undecodable bytes become U+FFFD: that line fails as a bad URL, the rest go on.
    if input == "-":
        yield from read_url_lines(io.TextIOWrapper(sys.stdin.buffer, "utf-8-sig", "replace"))
    elif input:
        with open(input, encoding="utf-8-sig", errors="replace") as handle:
            yield from read_url_lines(handle)


class ShareSpider(scrapy.Spider):
    """Archives the articles behind finews share URLs.

    Arguments: ``urls`` (comma-separated share URLs) and/or ``input`` (a file of
    share URLs, ``-`` for stdin). Each article is asked of the data endpoint
    first; the rendered share page is fetched only when that has no article.
    """

    name = "share"

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # One knob for both of Scrapy's limits; 0 leaves them as they are.
        concurrency = settings.getint("NEWSARCHIVER_CONCURRENCY")
        if concurrency > 0:
            for name in ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN"):
                settings.set(
                    name, concurrency, priority=settings.getpriority("NEWSARCHIVER_CONCURRENCY")
                )

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        connect = crawler.signals.connect
        connect(spider.request_dropped, signal=scrapy_signals.request_dropped)
        connect(spider.subscribe, signal=scrapy_signals.spider_opened)
        connect(spider.ask_dropped_again, signal=scrapy_signals.spider_idle)
        return spider

    def __init__(self, urls: str | Iterable[str] = "", input: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.urls = urls
        self.input = input
        self._codes: set[str] = set()  # asked for in this run: a repeat is a duplicate
        self._dropped: dict[str, scrapy.Request] = {}  # URL -> request the dupefilter dropped

    async def start(self) -> AsyncIterator[scrapy.Request]:
        total = url_count(self.urls, self.input)
        if total is not None:  # the progress line's "of N"
            self.crawler.stats.set_value("newsarchiver/input_total", total)
        self._input = url_source(self.urls, self.input)
        replay = self.crawler.get_downloader_middleware(ReplayMiddleware)
        for request in self.requests_for(self._input):
            await self.room()
            if replay is None:
                yield request
            elif (answered := self.replayed(request, replay)) is not None:
                yield answered

    def replayed(self, request: scrapy.Request, replay: ReplayMiddleware):
        """rebuild: what the callback makes of the archived answer, at once.

        Nothing is downloaded in a rebuild, so taking a plain archived answer (a
        200 as it came) straight to the callback gives what the scheduler, the
        downloader and its middlewares would, for a third of the CPU (issue 28).
        Any other answer, a URL not archived and a callback that raises take the
        engine's way: the same outcome and report as before.
        """
        response = replay.plain_answer(request)
        if response is None:
            return request
        try:
            return request.callback(response, **request.cb_kwargs)
        except Exception:  # noqa: BLE001 - the engine's way reports it as it is
            return request

    async def room(self) -> None:
        """Wait while the downloader is full and a batch is already queued (a lazy start).

        A million input URLs then cost their concurrency in memory, not their
        number; queueing a batch at a time keeps the wait off the hot path.
        """
        engine = self.crawler.engine
        if engine.needs_backout() and len(engine.scheduler) >= self.batch:
            await self.crawler.signals.wait_for(scrapy_signals.scheduler_empty)

    @cached_property
    def batch(self) -> int:
        return max(self.crawler.settings.getint("CONCURRENT_REQUESTS"), 1)

    _input: Iterator[str] = iter(())

    def not_reached(self) -> Iterator[str]:
        """The input URLs a stopped run never read (the rest of the input)."""
        return self._input

    @cached_property
    def refresh(self) -> bool:
        """Fetch archived articles again (``NEWSARCHIVER_REFRESH``), also past a job's dupefilter."""
        return RunContext.of(self.crawler).refresh

    @cached_property
    def archive(self) -> Archive:
        """The run's archive folder, shared with the writer (found once)."""
        return ArchiveFolder.of(self.crawler).archive

    @cached_property
    def finished(self) -> Callable[[str], bool] | None:
        """Whether an archived article has all the run keeps of it, so it is skipped.

        With --wacz, the web archive must hold it (a killed or failed run's posts
        are fetched again, so they reach the next run's WACZ); with --images, none
        of its images may be owed. None: an archived article is finished.
        """
        from newsarchiver.recording import WaczRecorder

        recorder = self.crawler.get_extension(WaczRecorder)
        kept = recorder.kept if recorder is not None else None
        owed = self.archive.owed_images if RunContext.of(self.crawler).images else None
        if kept is None and owed is None:
            return None
        return lambda code: (kept is None or code in kept) and (owed is None or code not in owed)

    def requests_for(self, urls: Iterable[str], again: bool = False) -> Iterator[scrapy.Request]:
        """The requests for ``urls``, each URL's outcome sent if it needs none.

        ``again``: asked for again after an earlier run, past a job folder's dupefilter.
        """
        admit, send = self.archive.admit, self.crawler.signals.send_catch_log
        skip_archived, finished = not self.refresh, self.finished
        for url in urls:
            admitted = admit(url, self._codes, skip_archived, finished)
            if admitted.verdict == "fetch" and (
                why := self.too_long(data_url(admitted.base, admitted.code))
            ):
                self.fail(url, f"data endpoint: {why}")
            elif admitted.verdict == "fetch":
                send(signals.article_requested, url=url, code=admitted.code)
                yield self.data_request(admitted.base, admitted.code, url, again)
            elif admitted.verdict == "archived":
                send(signals.article_skipped, url=url, code=admitted.code)
            elif admitted.verdict == "duplicate":
                send(signals.article_duplicate, url=url, code=admitted.code)
            else:
                self.fail(url, admitted.reason)

    @cached_property
    def url_limit(self) -> int:
        return self.crawler.settings.getint("URLLENGTH_LIMIT", 2083)

    def too_long(self, request_url: str) -> str | None:
        """Why Scrapy's UrlLengthMiddleware would drop ``request_url`` without a word."""
        if self.url_limit and len(request_url) > self.url_limit:
            return (
                f"its URL is {len(request_url)} characters, longer than "
                f"URLLENGTH_LIMIT ({self.url_limit})"
            )
        return None

    def request_dropped(self, request: scrapy.Request, spider=None) -> None:
        """An article's request the scheduler dropped: its dupefilter had seen it.

        In a resumed job (JOBDIR) that is either a request still in the job's queue
        (it comes back from there) or one whose article is gone since (a post
        deleted by hand, a request in flight when the job was killed): the archive
        said fetch it. Which one is known once the queue is drained, so the run asks
        again, past the dupefilter, for those still without an outcome when it is
        idle (``ask_dropped_again``): never fetched twice, never left unasked.
        """
        if request.meta.get("redirect_urls"):
            return  # a redirect loop: the dupefilter fails its article (ForgetfulDupeFilter.log)
        if url := request.meta.get(ARTICLE_META):
            self._dropped[url] = request

    def subscribe(self) -> None:
        """The spider is an outcome sink of the run's report (there once the spider opens)."""
        RunReport.of(self.crawler).subscribe(self)

    def settled(
        self, url: str, code: str | None, status: str, reason: str | None
    ) -> GivenUp | None:
        """An outcome sink: an article with its outcome is not asked for again at idle."""
        self._dropped.pop(url, None)
        return None

    def ask_dropped_again(self) -> None:
        """At idle: ask again for each dropped request whose article has no outcome."""
        dropped, self._dropped = self._dropped, {}
        for request in dropped.values():
            self.crawler.engine.crawl(request.replace(dont_filter=True))
        if dropped:
            raise DontCloseSpider

    def data_request(self, base: str, code: str, url: str, again: bool = False) -> scrapy.Request:
        return scrapy.Request(
            data_url(base, code),
            callback=self.parse_data,
            errback=self.data_failed,
            cb_kwargs={"url": url, "base": base, "code": code},
            meta={ARTICLE_META: url},
            # A refresh asks again what a job folder's dupefilter has already seen.
            dont_filter=self.refresh or again,
        )

    def page_request(self, base: str, code: str, url: str, why: str) -> scrapy.Request | None:
        if too_long := self.too_long(share_url(base, code)):
            self.fail(url, f"{why}; share page: {too_long}")
            return None
        return scrapy.Request(
            share_url(base, code),
            callback=self.parse_page,
            errback=self.page_failed,
            cb_kwargs={"url": url, "code": code, "why": why},
            meta={ARTICLE_META: url},
            dont_filter=self.refresh,
        )

    # Each callback gives one item or request, or nothing: it returns it.
    def parse_data(
        self, response: Response, url: str, base: str, code: str
    ) -> Article | scrapy.Request:
        try:
            answered_for(response.url, code)
            return article_from_json(response.body, code, url)
        except ExtractError as exc:
            self.forget(response.request)
            return self.page_request(base, code, url, f"data endpoint: {exc}")

    def data_failed(self, failure: Failure) -> scrapy.Request | None:
        self.forget(failure.request)
        kwargs = failure.request.cb_kwargs
        reason = describe_failure(failure)
        if failure.check(scrapy.spidermiddlewares.httperror.HttpError):
            # The host answered, just not with the article: try its share page.
            return self.page_request(
                kwargs["base"], kwargs["code"], kwargs["url"], f"data endpoint: {reason}"
            )
        self.fail(kwargs["url"], reason)
        return None

    def parse_page(self, response: Response, url: str, code: str, why: str) -> Article | None:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        text = decode_page(response.body, content_type)
        try:
            answered_for(response.url, code)
            return article_from_page(text, code, url)
        except ExtractError as exc:
            self.forget(response.request)
            self.fail(url, f"{why}; share page: {exc}")
            return None

    def page_failed(self, failure: Failure) -> None:
        self.forget(failure.request)
        kwargs = failure.request.cb_kwargs
        self.fail(kwargs["url"], f"{kwargs['why']}; share page: {describe_failure(failure)}")

    def forget(self, request: scrapy.Request) -> None:
        """Let a resumed run (JOBDIR) ask for ``request`` again: it did not give the article."""
        engine = self.crawler.engine
        dupefilter = getattr(getattr(engine, "scheduler", None), "df", None)
        if hasattr(dupefilter, "forget"):
            dupefilter.forget(request)

    def fail(self, url: str, reason: str) -> None:
        self.logger.debug("Failed %s: %s", url, reason)  # listed in the summary
        self.crawler.signals.send_catch_log(signals.article_failed, url=url, reason=reason)
