from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newsarchiver import middlewares
from newsarchiver.middlewares import BackoffRetryMiddleware


@pytest.fixture
def waits(monkeypatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(middlewares, "sleep", fake_sleep)
    return slept


def middleware(**settings) -> BackoffRetryMiddleware:
    crawler = get_crawler(settings_dict={"RETRY_TIMES": 5, **settings})
    crawler.spider = crawler._create_spider("s")
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_waits_double_before_each_retry(waits):
    mw = middleware(NEWSARCHIVER_RETRY_BACKOFF=0.5, NEWSARCHIVER_RETRY_BACKOFF_MAX=3)
    request = Request("http://127.0.0.1/x")
    for _ in range(5):
        request = asyncio.run(mw.process_response(request, Response(request.url, status=503)))
        assert isinstance(request, Request)
    assert waits == [0.5, 1.0, 2.0, 3, 3]
    # out of retries: the response goes through, with no wait
    final = asyncio.run(mw.process_response(request, Response(request.url, status=503)))
    assert isinstance(final, Response) and len(waits) == 5


def test_no_wait_for_good_answers_or_other_errors(waits):
    mw = middleware()
    request = Request("http://127.0.0.1/x")
    assert (
        asyncio.run(mw.process_response(request, Response(request.url, status=404))).status == 404
    )
    assert asyncio.run(mw.process_exception(request, ValueError("x"))) is None
    assert waits == []
