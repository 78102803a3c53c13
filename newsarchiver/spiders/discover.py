"""The discover spider: listing endpoints in, the articles they list archived."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsarchiver import signals
from newsarchiver.extract import ExtractError, codes_from_listing, share_url
from newsarchiver.failures import describe_failure
from newsarchiver.spiders.share import ShareSpider

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


class DiscoverSpider(ShareSpider):
    """Reads listing JSON endpoints and archives each listed article.

    Arguments: ``listings`` (comma-separated listing URLs) and ``source_base``
    (the host whose share URLs the listed codes are fetched from; default
    ``NEWSARCHIVER_SOURCE_BASE``, else the listing's own scheme and host).
    Articles already archived cost no request. A paged listing (``page=`` or
    ``{page}``) is read page after page until a page holds an archived article,
    a page is empty, or ``NEWSARCHIVER_MAX_PAGES`` pages were read.
    """

    name = "discover"

    def __init__(self, listings: str | Iterable[str] = "", source_base: str = "", **kwargs):
        super().__init__(**kwargs)
        if isinstance(listings, str):
            listings = [u.strip() for u in listings.split(",") if u.strip()]
        self.listings = list(listings)
        self.source_base = source_base

    async def start(self) -> AsyncIterator[scrapy.Request]:
        base = self.source_base or self.crawler.settings.get("NEWSARCHIVER_SOURCE_BASE") or ""
        for url in self.listings:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                self.fail(url, "not an http or https listing URL")
                continue
            # By default a listing's articles are fetched from the listing's own host.
            source = base.rstrip("/") or f"{parts.scheme}://{parts.netloc}"
            yield self.listing_request(url, source, first_page(url))

    def listing_request(self, listing: str, source_base: str, page: int) -> scrapy.Request:
        """Page ``page`` of ``listing`` (0: a listing that is not paged)."""
        return scrapy.Request(
            page_url(listing, page) if page else listing,
            callback=self.parse_listing,
            errback=self.listing_failed,
            cb_kwargs={"source_base": source_base, "listing": listing, "page": page},
        )

    def parse_listing(self, response: Response, source_base: str, listing: str, page: int):
        try:
            codes = codes_from_listing(response.body)
        except ExtractError as exc:
            self.fail(response.url, str(exc))
            return
        self.logger.info("Listing %s: %d articles", response.url, len(codes))
        self.crawler.stats.inc_value("newsarchiver/listed", len(codes))
        self.crawler.stats.inc_value("newsarchiver/listing_pages")
        archived = self.archived()
        # Newest first: a page that holds an archived article reaches what earlier runs saw.
        caught_up = archived is not None and any(archived.archived_before(c) for c in codes)
        urls = (share_url(source_base, quote(code, safe="")) for code in codes)
        yield from self.requests_for(urls)
        if codes and not caught_up:
            yield from self.next_page(listing, source_base, page)

    def next_page(self, listing: str, source_base: str, page: int):
        """The request for the page after ``page`` of a paged listing, unless that was the last."""
        if not page:
            return
        limit = self.crawler.settings.getint("NEWSARCHIVER_MAX_PAGES", 20)
        if page < first_page(listing) + limit - 1:
            yield self.listing_request(listing, source_base, page + 1)
        else:
            self.crawler.signals.send_catch_log(
                signals.run_warning,
                message=f"listing {listing}: read {limit} pages (the --max-pages limit) without "
                "reaching an archived article; older new articles may be missing",
            )

    def listing_failed(self, failure: Failure):
        self.fail(failure.request.url, f"listing: {describe_failure(failure)}")
        # The pages after a failed one still list articles this run should archive.
        kwargs = failure.request.cb_kwargs
        yield from self.next_page(kwargs["listing"], kwargs["source_base"], kwargs["page"])
