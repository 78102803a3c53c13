"""The discover spider: listing endpoints in, the articles they list archived."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsarchiver.extract import ExtractError, codes_from_listing, share_url
from newsarchiver.failures import describe_failure
from newsarchiver.spiders.share import ShareSpider


class DiscoverSpider(ShareSpider):
    """Reads listing JSON endpoints and archives each listed article.

    Arguments: ``listings`` (comma-separated listing URLs) and ``source_base``
    (the host whose share URLs the listed codes are fetched from; default
    ``NEWSARCHIVER_SOURCE_BASE``, else the listing's own scheme and host).
    Articles already archived cost no request.
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
            yield scrapy.Request(
                url,
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"source_base": source},
            )

    def parse_listing(self, response: Response, source_base: str):
        try:
            codes = codes_from_listing(response.body)
        except ExtractError as exc:
            self.fail(response.url, str(exc))
            return
        self.logger.info("Listing %s: %d articles", response.url, len(codes))
        self.crawler.stats.inc_value("newsarchiver/listed", len(codes))
        urls = (share_url(source_base, quote(code, safe="")) for code in codes)
        yield from self.requests_for(urls)

    def listing_failed(self, failure: Failure) -> None:
        self.fail(failure.request.url, f"listing: {describe_failure(failure)}")
