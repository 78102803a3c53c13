"""The worker spider: share URLs from a Redis list, shared queue and dupefilter (scrapy-redis)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy_redis.spiders import RedisMixin
from scrapy_redis.utils import bytes_to_str

from newsarchiver.spiders.share import ShareSpider

START_URLS_KEY = "newsarchiver:start_urls"
REQUESTS_KEY = "newsarchiver:requests"
DUPEFILTER_KEY = "newsarchiver:dupefilter"


class WorkerSpider(RedisMixin, ShareSpider):
    """Archives share URLs that ``newsarchiver enqueue`` pushed to Redis.

    Many workers, on one machine or several, share the scheduler queue and
    the dupefilter in Redis, so each article is fetched once. A worker exits
    once the start-URL list has been empty for ``MAX_IDLE_TIME_BEFORE_CLOSE``
    seconds.
    """

    name = "worker"
    redis_key = START_URLS_KEY
    custom_settings = {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Several workers share the queue: none may clear it when it stops.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": REQUESTS_KEY,
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
        "MAX_IDLE_TIME_BEFORE_CLOSE": 30,
        # Workers share their output folder by design: no run lock.
        "NEWSARCHIVER_LOCK": False,
    }

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup_redis(crawler)
        # scrapy-redis sizes a batch by CONCURRENT_REQUESTS; a bigger one keeps
        # the downloader busy between the idle checks that fetch the next.
        spider.redis_batch_size = max(spider.redis_batch_size * 4, 64)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.spider_idle_start_time = int(time.time())
        for request in self.next_requests():
            yield request

    def next_requests(self) -> Iterator[scrapy.Request]:
        # scrapy-redis's own logs every request at INFO; the share spider's logging suffices.
        for data in self.fetch_data(self.redis_key, self.redis_batch_size):
            yield from self.make_request_from_data(data)

    def make_request_from_data(self, data: bytes) -> list[scrapy.Request]:
        return list(self.requests_for([bytes_to_str(data, self.redis_encoding).strip()]))
