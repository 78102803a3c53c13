"""The discover spider: listing endpoints in, the articles they list archived."""

from __future__ import annotations

import re
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newsarchiver import signals
from newsarchiver.archive import layout
from newsarchiver.archive.discovery import ListingState, StateUnreadable, Walk
from newsarchiver.context import RunContext
from newsarchiver.extensions import stop_run
from newsarchiver.extract import CODE_RE, ExtractError, codes_from_listing, share_url
from newsarchiver.failures import describe_failure
from newsarchiver.outcome import GivenUp
from newsarchiver.spiders.share import ShareSpider
from newsarchiver.words import plural

_PAGE_PARAMETER = re.compile(r"(?i)([?&]page=)[^&#]*")


def first_page(listing: str) -> int:
    """The page to start at: the URL's own page number, 1 for ``{page}``; 0 if not paged."""
    if "{page}" in listing:
        return 1
    match = _PAGE_PARAMETER.search(listing)
    if not match:
        return 0
    value = listing[match.end(1) : match.end()]
    return int(value) if value.isdigit() and int(value) > 0 else 1


def page_url(listing: str, page: int) -> str:
    if "{page}" in listing:
        return listing.replace("{page}", str(page))
    return _PAGE_PARAMETER.sub(lambda match: f"{match.group(1)}{page}", listing, count=1)


@dataclass
class ListingRun:
    """One listing in this run: where its state lives, where its articles come from, its walk."""

    url: str
    source_base: str
    path: Path
    state: ListingState
    walk: Walk


class DiscoverSpider(ShareSpider):
    """Reads listing JSON endpoints and archives each listed article.

    Arguments: ``listings`` (comma-separated listing URLs) and ``source_base``
    (the host whose share URLs the listed codes are fetched from; default
    ``NEWSARCHIVER_SOURCE_BASE``, else the listing's own scheme and host).
    Articles already archived cost no request. A paged listing (``page=`` or
    ``{page}``) is read from its first page down, and on from where earlier
    runs stopped, until what was read joins up with a complete catch-up, the
    listing ends, or ``NEWSARCHIVER_MAX_PAGES`` pages were read (the discovery
    state, :mod:`newsarchiver.archive.discovery`). Articles an earlier run asked for
    and did not archive are asked for again, up to
    ``NEWSARCHIVER_GIVE_UP_AFTER`` runs.
    """

    name = "discover"

    def __init__(self, listings: str | Iterable[str] = "", source_base: str = "", **kwargs):
        super().__init__(**kwargs)
        if isinstance(listings, str):
            listings = [u.strip() for u in listings.split(",") if u.strip()]
        self.listings = list(dict.fromkeys(listings))
        self.source_base = source_base
        self.runs: dict[str, ListingRun] = {}
        self.retried: set[str] = set()  # codes asked for again from the state
        # Listed codes waiting for start() to ask for them, and the listing
        # requests not answered yet (start() ends when both are done).
        self.queue: deque[tuple[ListingRun, list[str], bool]] = deque()
        self.walking = 0
        self.fed: Deferred | None = None
        # Listing requests a job folder (--resume) kept from another run are not this walk's.
        self.run_id = uuid.uuid4().hex

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.save_all, signal=scrapy_signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        context = RunContext.of(self.crawler)
        base = self.source_base or context.source_base
        output = Path(context.output)
        max_pages = context.max_pages
        full_every = context.full_every
        for url in self.listings:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                self.fail(url, "not an http or https listing URL")
                continue
            path = layout.discovery_state(output, url)
            try:
                state = ListingState.load(path, url)
            except StateUnreadable as exc:
                self.warn(
                    f"listing {url}: discovery state {path} unusable ({exc}); "
                    "reading the listing as if it were new"
                )
                state = ListingState(url)
            walk = Walk(
                state, max_pages, self.refresh, paged=bool(first_page(url)), full_every=full_every
            )
            # By default a listing's articles are fetched from the listing's own host.
            source = base.rstrip("/") or f"{parts.scheme}://{parts.netloc}"
            self.runs[url] = ListingRun(url, source, path, state, walk)
            if walk.next_page is not None:  # where the state says this run begins
                yield self.listing_request(url, walk.next_page)
        # Then the listed articles, as the downloader has room: a listing page of
        # 200,000 codes costs their codes in memory, not 200,000 requests.
        while True:
            while self.queue:
                run, codes, again = self.queue.popleft()
                for request in self.requests_for(self.urls_of(run, codes), again=again):
                    await self.room()
                    yield request
            if not self.walking:
                return
            self.fed = Deferred()
            await maybe_deferred_to_future(self.fed)

    def feed(self, run: ListingRun, codes: list[str], again: bool = False) -> None:
        """Queue listed codes for :meth:`start` to ask for, and wake it."""
        self.queue.append((run, codes, again))
        self.wake()

    def not_reached(self) -> Iterator[str]:
        """The listed articles a stopped run had not asked for yet (kept pending for the next),
        each once: a code asked for in this run already has its outcome."""
        told: set[str] = set()
        for run, codes, _ in self.queue:
            fresh = [c for c in codes if c not in self._codes and c not in told]
            told.update(fresh)
            yield from self.urls_of(run, fresh)

    def wake(self) -> None:
        if self.fed is not None and not self.fed.called:
            self.fed.callback(None)

    def listing_request(self, listing: str, page: int) -> scrapy.Request:
        """Page ``page`` (from 1) of ``listing`` as given; a listing that is not paged is one."""
        self.walking += 1
        first = first_page(listing)
        return scrapy.Request(
            page_url(listing, first + page - 1) if first else listing,
            callback=self.parse_listing,
            errback=self.listing_failed,
            cb_kwargs={"listing": listing, "page": page, "run_id": self.run_id},
            dont_filter=True,  # a listing changes: a job folder's dupefilter must not drop it
        )

    def parse_listing(self, response: Response, listing: str, page: int, run_id: str):
        if run_id != self.run_id:
            return None
        self.walking -= 1
        run = self.runs[listing]
        try:
            codes = codes_from_listing(response.body)
        except ExtractError as exc:
            self.fail(response.url, str(exc))
            run.walk.missed(page)
            return self.after_page(run)
        try:
            return self.take_page(run, response.url, page, codes)
        except Exception as exc:  # noqa: BLE001 - start() must not wait for a page that died
            self.logger.debug("Listing page %s", response.url, exc_info=True)
            self.fail(response.url, f"listing: internal error ({type(exc).__name__}: {exc})")
            run.walk.next_page = None
            self.wake()
            return None

    def take_page(self, run: ListingRun, url: str, page: int, codes: list[str]):
        listing = run.url
        self.logger.info("Listing %s: %d articles", url, len(codes))
        self.crawler.stats.inc_value("newsarchiver/listed", len(codes))
        self.crawler.stats.inc_value("newsarchiver/listing_pages")
        run.walk.read(page, codes)
        if run.walk.repeated:
            again, earlier = run.walk.repeated
            self.warn(
                f"listing {listing}: page {again} repeats page {earlier} (does the listing "
                "ignore its page number?); stopped paging there"
            )
        retry: list[str] = []
        if run.walk.pages_read == 1:
            # What earlier runs asked for and did not archive, once the listing answers.
            retry = self.valid(run, [c for c in run.state.to_retry() if c not in self._codes])
            self.retried.update(retry)
        # Silently past: codes asked for again above, and those given up in earlier runs.
        fresh = [c for c in codes if c not in self.retried and c not in run.state.given_up]
        fresh = self.valid(run, list(dict.fromkeys(fresh)))
        run.state.asked(fresh)
        if not self.save(run):  # before the requests go out: a kill now leaves them pending
            return None
        self.feed(run, retry, again=True)
        self.feed(run, fresh)
        return self.after_page(run)

    def valid(self, run: ListingRun, codes: list[str]) -> list[str]:
        """The codes that can be asked for; the others fail once and are given up at once
        (no later run can fetch them), leaving the state's pending and failed codes."""
        good = [c for c in codes if CODE_RE.fullmatch(c)]
        if len(good) == len(codes):
            return codes
        for code in codes:
            if CODE_RE.fullmatch(code):
                continue
            url = share_url(run.source_base, quote(code, safe=""))
            reason = f"listing entry with an invalid code {code[:64]!r}: letters and digits only"
            self.fail(url, reason)
            run.state.give_up(code)
            self.crawler.signals.send_catch_log(
                signals.article_given_up, url=url, code=code, reason=reason
            )
        return good

    def urls_of(self, run: ListingRun, codes: Iterable[str]) -> Iterator[str]:
        return (share_url(run.source_base, quote(code, safe="")) for code in codes)

    def after_page(self, run: ListingRun) -> scrapy.Request | None:
        walk = run.walk
        if walk.next_page is not None:
            return self.listing_request(run.url, walk.next_page)
        if walk.out_of_budget:
            pages = plural(walk.pages_read, "page")
            self.warn(
                f"listing {run.url}: read {pages} (the --max-pages limit) before catching "
                "up; the next run reads on from where this one stopped"
            )
        self.wake()  # start() may be waiting for this listing's last page
        return None

    def listing_failed(self, failure: Failure):
        kwargs = failure.request.cb_kwargs
        if kwargs.get("run_id") != self.run_id:
            return None
        self.walking -= 1
        self.fail(failure.request.url, f"listing: {describe_failure(failure)}")
        run = self.runs[kwargs["listing"]]
        # A failed page ends what this run read without a gap; the pages after it
        # still list articles to archive (the next run reads the page it missed).
        run.walk.missed(kwargs["page"])
        return self.after_page(run)

    def settled(
        self, url: str, code: str | None, status: str, reason: str | None
    ) -> GivenUp | None:
        """An outcome sink: the listings' state records it; a failure too many is given up."""
        super().settled(url, code, status, reason)
        if code is None:
            return None
        limit = RunContext.of(self.crawler).give_up_after
        given_up = None
        for run in self.runs.values():
            state = run.state
            if code not in state.pending and code not in state.failed:
                continue
            if state.settled(code, reason if status == "failed" else None, limit):
                given_up = GivenUp(reason or "failed", limit)
        return given_up

    def warn(self, message: str) -> None:
        self.crawler.signals.send_catch_log(signals.run_warning, message=message)

    def save(self, run: ListingRun) -> bool:
        """Save the listing's state; a state that cannot be saved stops the run (exit 4):
        every later run would read the same pages and never catch up."""
        try:
            run.state.save(run.path, fsync=RunContext.of(self.crawler).fsync)
            return True
        except OSError as exc:
            for other in self.runs.values():
                other.walk.next_page = None
            self.queue.clear()
            self.wake()
            reason = exc.strerror or str(exc)
            stop_run(self.crawler, f"cannot save the discovery state {run.path}: {reason}")
            return False

    def save_all(self, spider) -> None:
        for run in self.runs.values():
            if run.walk.pages_read:
                self.save(run)
