"""Retries with exponential backoff (Scrapy's RetryMiddleware retries at once)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import sleep

from newsarchiver.context import RunContext


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules, waiting ``NEWSARCHIVER_RETRY_BACKOFF * 2**n`` first.

    The wait holds the request's download slot, which is the point: a server
    that answers 5xx gets fewer requests from this run while it recovers.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        context = RunContext(settings)  # Scrapy builds the retry middleware from settings
        self.backoff = context.retry_backoff
        self.backoff_max = context.retry_backoff_max

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


class OffsiteRedirectMiddleware:
    """Refuses a redirect to another scheme or host (``NEWSARCHIVER_FOLLOW_OFFSITE_REDIRECTS``).

    An article's code names it on the host it was asked of; content another
    host answers with is not archived under that code unless allowed. Sits
    before Scrapy's RedirectMiddleware in the response chain.
    """

    def __init__(self, allow: bool) -> None:
        self.allow = allow

    @classmethod
    def from_crawler(cls, crawler):
        return cls(RunContext.of(crawler).follow_offsite_redirects)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.allow or response.status not in (301, 302, 303, 307, 308):
            return response
        location = response.headers.get("Location")
        if not location:
            return response
        target = urlsplit(urljoin(request.url, location.decode("latin-1")))
        origin = urlsplit(request.url)
        if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
            raise IgnoreRequest(f"redirected to another host ({target.scheme}://{target.netloc})")
        return response
