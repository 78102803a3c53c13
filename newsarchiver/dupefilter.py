"""Scrapy's dupefilter, able to forget a request that failed, so a resumed run tries it again."""

from __future__ import annotations

import os

from scrapy import Request, dupefilters
from scrapy.dupefilters import RFPDupeFilter

from newsarchiver import signals
from newsarchiver.items import ARTICLE_META

_SIZE_BYTES = getattr(dupefilters, "_SIZE_BYTES", 2)  # requests.seen's length prefix


class ForgetfulDupeFilter(RFPDupeFilter):
    """``RFPDupeFilter`` whose persisted fingerprints (JOBDIR) leave out forgotten requests.

    Scrapy appends each fingerprint to ``requests.seen`` as it is seen; a
    request that later failed would stay there and a resumed run would never
    fetch it again. Forgotten fingerprints are dropped from memory at once and
    from the file when the run closes. A repeated request that is filtered
    (a redirect loop) fails its URL instead of vanishing.
    """

    crawler = None

    @classmethod
    def from_crawler(cls, crawler):
        dupefilter = super().from_crawler(crawler)
        dupefilter.crawler = crawler
        dupefilter.forgotten = set()
        return dupefilter

    def forget(self, request: Request) -> None:
        fingerprint = self._fingerprint(request)
        self._fingerprints.discard(fingerprint)
        self.forgotten.add(fingerprint)

    def log(self, request: Request, spider) -> None:
        super().log(request, spider)
        url = request.meta.get(ARTICLE_META)
        if url and request.meta.get("redirect_urls") and self.crawler is not None:
            self.crawler.signals.send_catch_log(
                signals.article_failed, url=url, reason="redirect loop"
            )

    def close(self, reason: str) -> None:
        if self.file and self.forgotten:
            kept = b"".join(
                len(fp).to_bytes(_SIZE_BYTES, "big") + fp
                for fp in self._fingerprints
                if fp not in self.forgotten
            )
            self.file.seek(0)
            self.file.truncate()
            self.file.write(kept)
            self.file.flush()
            os.fsync(self.file.fileno())
        super().close(reason)
