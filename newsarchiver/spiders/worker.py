"""The worker spider: share URLs from a Redis list, shared queue and dupefilter (scrapy-redis)."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator

import scrapy
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from scrapy_redis.spiders import RedisMixin
from scrapy_redis.utils import bytes_to_str

from newsarchiver import settings as defaults
from newsarchiver.spiders.share import ShareSpider

logger = logging.getLogger(__name__)

START_URLS_KEY = "newsarchiver:start_urls"
REQUESTS_KEY = "newsarchiver:requests"
DUPEFILTER_KEY = "newsarchiver:dupefilter"
# A token set once in a Redis database (by enqueue or the first worker): gone or
# another one means Redis lost what it held (restarted without persistence).
EPOCH_KEY = "newsarchiver:epoch"


def queue_epoch(server) -> bytes:
    """The database's token, set now if it has none."""
    import uuid

    server.set(EPOCH_KEY, uuid.uuid4().hex, nx=True)
    return server.get(EPOCH_KEY)


class WorkerSpider(RedisMixin, ShareSpider):
    """Archives share URLs that ``newsarchiver enqueue`` pushed to Redis.

    Many workers, on one machine or several, share the scheduler queue and
    the dupefilter in Redis, so each article is fetched once. A worker exits
    once the start-URL list has been empty for ``MAX_IDLE_TIME_BEFORE_CLOSE``
    seconds.
    """

    name = "worker"
    shared_queue = True  # what it asks for, another worker may answer
    redis_key = START_URLS_KEY
    custom_settings = {
        "SCHEDULER": "newsarchiver.spiders.worker.OutageScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Several workers share the queue: none may clear it when it stops.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": REQUESTS_KEY,
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
        "MAX_IDLE_TIME_BEFORE_CLOSE": 30,
        # Workers share their output folder by design: no run lock.
        "NEWSARCHIVER_LOCK": False,
        # A blip is retried inside the client (under a second, holding the
        # reactor); a longer outage is waited out without holding it (outage()).
        "REDIS_PARAMS": {
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
            "retry": Retry(ExponentialBackoff(cap=0.4, base=0.05), 3),
        },
    }
    outage_started: float | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # scrapy-redis says where it reads at INFO, on the spider's logger: that is
        # Scrapy's own chatter here, shown with -v only.
        spider_log = logging.getLogger(spider.name)
        level = spider_log.level
        if not crawler.settings.getbool("NEWSARCHIVER_VERBOSE"):
            spider_log.setLevel(logging.WARNING)
        try:
            spider.setup_redis(crawler)
        finally:
            spider_log.setLevel(level)
        spider.epoch = queue_epoch(spider.server)
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

    def spider_idle(self):
        try:
            self.check_epoch()
            super().spider_idle()
        except RedisError as exc:
            self.outage(exc)
            raise DontCloseSpider from None
        self.redis_back()

    def check_epoch(self) -> None:
        """Stop (exit 4) if Redis lost its data: what this worker queued there is gone."""
        if self.server.get(EPOCH_KEY) == self.epoch:
            return
        stats = self.crawler.stats
        if not stats.get_value("newsarchiver/fatal"):
            url = self.crawler.settings.get("REDIS_URL")
            stats.set_value(
                "newsarchiver/fatal",
                f"Redis at {url} lost its data (restarted without persistence?): the "
                "requests queued there are gone; run enqueue again",
            )
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis lost"))
        raise DontCloseSpider

    def outage(self, exc: Exception) -> None:
        """Redis did not answer: wait for it up to NEWSARCHIVER_REDIS_OUTAGE seconds, then stop.

        Stopping is exit 4, with what this worker took and did not finish
        listed as not reached: never a clean exit with URLs left undone.
        """
        now = time.monotonic()
        if self.outage_started is None:
            self.outage_started = now
            logger.warning("Lost Redis (%s); waiting for it to come back", exc)
        limit = self.crawler.settings.getfloat(
            "NEWSARCHIVER_REDIS_OUTAGE", defaults.NEWSARCHIVER_REDIS_OUTAGE
        )
        stats = self.crawler.stats
        if now - self.outage_started < limit or stats.get_value("newsarchiver/fatal"):
            return
        url = self.crawler.settings.get("REDIS_URL")
        stats.set_value("newsarchiver/fatal", f"lost Redis at {url} for {limit:g} s: {exc}")
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis lost"))

    def redis_back(self) -> None:
        if self.outage_started is not None:
            logger.warning("Redis is back")
            self.outage_started = None


class OutageScheduler(Scheduler):
    """scrapy-redis's scheduler, riding out a Redis outage instead of dropping requests.

    A request that cannot be pushed is kept here and handed out first; while
    Redis is away, nothing is popped, and the spider decides when to give up.
    """

    def open(self, spider):
        self.local: deque[scrapy.Request] = deque()
        return super().open(spider)

    def enqueue_request(self, request) -> bool:
        try:
            queued = super().enqueue_request(request)
        except RedisError as exc:
            self.spider.outage(exc)
            self.local.append(request)
            return True
        self.spider.redis_back()
        return queued

    def next_request(self):
        if self.local:
            return self.local.popleft()
        try:
            request = super().next_request()
        except RedisError as exc:
            self.spider.outage(exc)
            return None
        self.spider.redis_back()
        return request

    def has_pending_requests(self) -> bool:
        if self.local:
            return True
        try:
            return super().has_pending_requests()
        except RedisError as exc:
            self.spider.outage(exc)
            return False  # the spider's idle check waits for Redis

    def __len__(self) -> int:
        try:
            return len(self.local) + super().__len__()
        except RedisError:
            return len(self.local)
