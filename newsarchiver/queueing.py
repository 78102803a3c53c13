"""``newsarchiver enqueue``: share URLs into the Redis list the workers read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsarchiver.archive import Archive
from newsarchiver.extract import data_url, share_url
from newsarchiver.spiders.worker import DUPEFILTER_KEY, START_URLS_KEY, queue_epoch

BATCH = 1000


@dataclass
class EnqueueResult:
    pushed: int = 0
    archived: int = 0  # skipped: already in the output folder
    failed: list[dict[str, str]] = field(default_factory=list)


def enqueue(redis_url: str, urls: Iterable[str], output: Path | None = None) -> EnqueueResult:
    """Push share URLs for the workers; skip those already archived in ``output``.

    Each pushed URL's requests are also forgotten by the shared dupefilter, so
    a URL enqueued again (say, after a worker was killed with it in flight) is
    fetched again instead of being filtered out as seen.
    """
    import redis
    from scrapy import Request
    from scrapy_redis.dupefilter import RFPDupeFilter

    server = redis.Redis.from_url(redis_url)
    server.ping()  # fail early, with the connection error, before reading any input
    queue_epoch(server)  # workers tell by it that Redis lost what it held
    fingerprint = RFPDupeFilter(server, DUPEFILTER_KEY).request_fingerprint
    archive = Archive(output if output else ".")
    result = EnqueueResult()
    batch: list[tuple[str, str, str]] = []

    def flush() -> None:
        if not batch:
            return
        with server.pipeline() as pipe:
            for _, base, code in batch:
                pipe.srem(
                    DUPEFILTER_KEY,
                    fingerprint(Request(data_url(base, code))),
                    fingerprint(Request(share_url(base, code))),
                )
            pipe.rpush(START_URLS_KEY, *(url for url, _, _ in batch))
            pipe.execute()
        result.pushed += len(batch)
        batch.clear()

    for url in urls:
        admitted = archive.admit(url, skip_archived=output is not None)
        if admitted.verdict == "invalid":
            result.failed.append({"url": url, "reason": admitted.reason})
            continue
        if admitted.verdict == "archived":
            result.archived += 1
            continue
        batch.append((url, admitted.base, admitted.code))
        if len(batch) >= BATCH:
            flush()
    flush()
    return result
