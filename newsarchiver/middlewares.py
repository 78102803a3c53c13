"""Retries with exponential backoff (Scrapy's RetryMiddleware retries at once)."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules, waiting ``NEWSARCHIVER_RETRY_BACKOFF * 2**n`` first.

    The wait holds the request's download slot, which is the point: a server
    that answers 5xx gets fewer requests from this run while it recovers.
    """

    backoff = 0.5
    backoff_max = 30.0

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("NEWSARCHIVER_RETRY_BACKOFF", self.backoff)
        self.backoff_max = settings.getfloat("NEWSARCHIVER_RETRY_BACKOFF_MAX", self.backoff_max)

    async def _wait(self, retry: Request | None) -> None:
        if retry is not None and self.backoff > 0:
            attempt = retry.meta.get("retry_times", 1)
            await sleep(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result)
        return result

    async def process_exception(self, request: Request, exception: Exception):
        result = super().process_exception(request, exception)
        await self._wait(result)
        return result
