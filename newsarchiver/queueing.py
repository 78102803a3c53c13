"""``newsarchiver enqueue``: share URLs into the Redis queue the workers take from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsarchiver.archive import Archive
from newsarchiver.redisqueue import ReliableQueue, queue_epoch

BATCH = 1000


@dataclass
class EnqueueResult:
    pushed: int = 0
    queued_already: int = 0  # in the queue or taken by a worker: not queued twice
    archived: int = 0  # skipped: already in the output folder
    failed: list[dict[str, str]] = field(default_factory=list)


def enqueue(redis_url: str, urls: Iterable[str], output: Path | None = None) -> EnqueueResult:
    """Queue share URLs for the workers; skip those already archived in ``output``.

    A URL whose article is already queued or taken by a worker is not queued
    again (:class:`~newsarchiver.redisqueue.ReliableQueue`): enqueueing the
    same input twice never doubles the work.
    """
    import redis

    server = redis.Redis.from_url(redis_url)
    server.ping()  # fail early, with the connection error, before reading any input
    queue_epoch(server)  # workers tell by it that Redis lost what it held
    queue = ReliableQueue(server)
    archive = Archive(output if output else ".")
    result = EnqueueResult()
    batch: list[str] = []

    def flush() -> None:
        if batch:
            added = queue.add(batch)
            result.pushed += added
            result.queued_already += len(batch) - added
            batch.clear()

    for url in urls:
        admitted = archive.admit(url, skip_archived=output is not None)
        if admitted.verdict == "invalid":
            result.failed.append({"url": url, "reason": admitted.reason})
            continue
        if admitted.verdict == "archived":
            result.archived += 1
            continue
        batch.append(url)
        if len(batch) >= BATCH:
            flush()
    flush()
    return result
