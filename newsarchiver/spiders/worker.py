"""The worker spider: share URLs taken from the Redis queue under a lease (redisqueue.py).

A worker owns what it takes: its URLs sit in its own processing list in Redis
while it lives, are fetched and written here (Scrapy's own scheduler and
dupefilter, in this process), and leave the list once each has its outcome.
A worker killed hard stops renewing its lease; its list goes back to the queue
for the others (:class:`~newsarchiver.redisqueue.ReliableQueue`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator

import scrapy
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from newsarchiver import signals
from newsarchiver.context import RunContext
from newsarchiver.outcome import GivenUp, RunOutcome
from newsarchiver.redisqueue import EPOCH_KEY, ReliableQueue, code_of, queue_epoch
from newsarchiver.spiders.share import ShareSpider

logger = logging.getLogger(__name__)

__all__ = ["EPOCH_KEY", "WorkerSpider", "queue_epoch"]

ACK_BATCH = 64  # outcomes acknowledged to Redis at once (and at every idle and renewal)
POLL_MAX = 8.0  # seconds between asks of an empty queue, at most (doubling from 0.5)


class WorkerSpider(ShareSpider):
    """Archives share URLs that ``newsarchiver enqueue`` queued in Redis.

    Many workers, on one machine or several, take from one queue; each article is
    taken by one worker at a time. A worker exits once the queue has been empty
    for ``NEWSARCHIVER_IDLE_EXIT`` seconds (``--idle-exit``).
    """

    name = "worker"
    custom_settings = {
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
        # scrapy-redis serves for the connection (REDIS_URL, REDIS_PARAMS).
        from scrapy_redis.connection import get_redis_from_settings

        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.server = get_redis_from_settings(settings)
        spider.epoch = queue_epoch(spider.server)
        context = RunContext.of(crawler)
        lease = context.lease
        worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        spider.queue = ReliableQueue(spider.server, worker, int(lease * 1000))
        spider.lease = lease
        spider.idle_exit = context.idle_exit
        spider.take_batch = max(settings.getint("CONCURRENT_REQUESTS") * 4, 64)
        connect = crawler.signals.connect
        connect(spider.worker_idle, signal=scrapy_signals.spider_idle)
        connect(spider.duplicate_settled, signal=signals.article_duplicate)
        connect(spider.worker_closed, signal=scrapy_signals.spider_closed)
        return spider

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._taken: dict[str, tuple[str, str]] = {}  # URL -> (code, entry), no outcome yet
        self._acks: list[tuple[str, str]] = []
        self.idle_since: float | None = None
        self.next_poll = 0.0
        self.poll_every = 0.5
        self.renewer: task.LoopingCall | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.renewer = task.LoopingCall(self.renew)
        self.renewer.start(self.lease / 3, now=False)
        try:
            requests = self.take_more()
        except RedisError as exc:
            self.outage(exc)
            return
        for request in requests:
            yield request

    def take_more(self) -> list[scrapy.Request]:
        """Take batches until one needs a fetch or the queue is empty (a batch of archived
        URLs costs no request, and waiting a heartbeat for each would crawl)."""
        self.queue.reap()  # dead workers' URLs back in the queue first
        while entries := self.queue.take(self.take_batch):
            self.idle_since = None
            self.poll_every = 0.5
            requests = []
            for entry in entries:
                url = self.queue.url(entry)
                self._taken[url] = (code_of(url) or "", entry)
                requests.extend(self.requests_for([url]))  # an outcome without a fetch acks now
            if requests:
                return requests
        return []

    def acknowledge(self, url: str, forget: bool = True, **_) -> None:
        """``url`` has its outcome: out of this worker's list (in a batch)."""
        taken = self._taken.pop(url, None)
        if taken is not None:
            if forget:
                # Done with: a later enqueue of it (a failure to retry) is fetched again,
                # and a worker that runs for months remembers only what it holds.
                self._codes.discard(taken[0])
            self._acks.append(taken)
            if len(self._acks) >= ACK_BATCH:
                self.flush_acks()

    def settled(
        self, url: str, code: str | None, status: str, reason: str | None
    ) -> GivenUp | None:
        super().settled(url, code, status, reason)
        self.acknowledge(url)
        return None

    def duplicate_settled(self, url: str, code: str) -> None:
        self.acknowledge(url, forget=False)  # the article's first URL is still on its way

    def flush_acks(self) -> None:
        if not self._acks:
            return
        acks, self._acks = self._acks, []
        try:
            self.queue.ack(acks)
        except RedisError as exc:
            self._acks[:0] = acks  # kept for the next try
            self.outage(exc)

    def renew(self) -> None:
        try:
            self.queue.renew()
        except RedisError as exc:
            self.outage(exc)
            return
        self.redis_back()
        self.flush_acks()

    def worker_idle(self) -> None:
        now = time.monotonic()
        if now < self.next_poll:
            raise DontCloseSpider
        try:
            self.check_epoch()
            self.flush_acks()
            requests = self.take_more()
        except RedisError as exc:
            self.outage(exc)
            raise DontCloseSpider from None
        self.redis_back()
        if requests:
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        if self._taken:
            raise DontCloseSpider  # outcomes still to come
        try:
            others = self.queue.pending()
        except RedisError as exc:
            self.outage(exc)
            raise DontCloseSpider from None
        if others:  # another worker's, or a dead one's that come back once its lease ends
            self.idle_since = None
            self.next_poll = now + min(self.lease / 3, POLL_MAX)
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_exit:
            # An empty queue is asked less and less often (back-off), never in a loop.
            self.next_poll = now + self.poll_every
            self.poll_every = min(self.poll_every * 2, POLL_MAX)
            raise DontCloseSpider
        logger.info(
            "The queue has been empty for %d s: exiting (--idle-exit)", now - self.idle_since
        )

    def worker_closed(self, spider, reason: str) -> None:
        """Acknowledge what has its outcome; what this worker took and did not finish
        goes back to the queue now (a worker killed hard: once its lease expires)."""
        if self.renewer is not None and self.renewer.running:
            self.renewer.stop()
        try:
            self.flush_acks()
            if not self._acks:
                back = self.queue.release()
                if back:
                    logger.warning("Put %d unfinished URLs back in the queue", back)
        except RedisError as exc:
            logger.warning("Could not put unfinished URLs back (%s): they return when "
                           "this worker's lease expires", exc)  # fmt: skip

    def check_epoch(self) -> None:
        """Stop (exit 4) if Redis lost its data: what this worker queued there is gone."""
        if self.server.get(EPOCH_KEY) == self.epoch:
            return
        url = self.crawler.settings.get("REDIS_URL")
        if RunOutcome.of(self.crawler).fatal(
            f"Redis at {url} lost its data (restarted without persistence?): the "
            "URLs queued there are gone; run enqueue again"
        ):
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
        limit = RunContext.of(self.crawler).redis_outage
        if now - self.outage_started < limit:
            return
        url = self.crawler.settings.get("REDIS_URL")
        if not RunOutcome.of(self.crawler).fatal(f"lost Redis at {url} for {limit:g} s: {exc}"):
            return
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis lost"))

    def redis_back(self) -> None:
        if self.outage_started is not None:
            logger.warning("Redis is back")
            self.outage_started = None
