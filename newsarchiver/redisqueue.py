"""The workers' queue in Redis: at-least-once delivery under a lease, a URL queued once.

Redis' reliable-queue pattern. ``enqueue`` puts an entry on ``QUEUE`` only if
its article (its code) is not in the queue's membership already, so enqueueing
again adds nothing. A worker takes entries by moving them (``LMOVE``, in one
script with its lease) into its own processing list ``taken:{worker}``; it
renews its lease (``lease:{worker}``, a key with a time to live) while it runs,
and acknowledges each entry once the URL has its outcome: the entry leaves its
list and the membership. A worker that dies stops renewing: once its lease has
expired, the next worker to take entries moves the dead worker's list back to
the head of the queue (``reap``). A worker that stops cleanly puts back what
it took and did not finish.

Memory: an entry is the share URL's base as a short id and the code (about 30
bytes; a URL in another shape is kept whole), the membership is a field in one
of :data:`BUCKETS` small hashes (kept in Redis' compact encoding): a URL in
flight costs some 60 bytes, and an acknowledged one nothing.

Nothing here knows of Scrapy.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

from newsarchiver.finews import parse_share_url, share_url

PREFIX = "newsarchiver:"
QUEUE = PREFIX + "queue"
WORKERS = PREFIX + "workers"  # the workers that hold a processing list
BASES = PREFIX + "bases"  # base id -> base
BUCKETS = 1 << 17  # membership hashes: 10M URLs in flight stay under 128 fields each
EPOCH_KEY = PREFIX + "epoch"

_ENQUEUE = """
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1 + (i - 1) / 2], ARGV[i], 1) == 1 then
    redis.call('RPUSH', KEYS[#KEYS], ARGV[i + 1])
    added = added + 1
  end
end
return added
"""
# KEYS: queue, taken, lease, workers. ARGV: count, lease ms, worker id.
_TAKE = """
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
local taken = {}
for i = 1, tonumber(ARGV[1]) do
  local entry = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not entry then break end
  taken[#taken + 1] = entry
end
return taken
"""
# KEYS: queue, workers. ARGV: prefix. Dead workers' lists back to the queue's head.
_REAP = """
local moved = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[1] .. 'lease:' .. id) == 0 then
    local taken = ARGV[1] .. 'taken:' .. id
    while redis.call('LMOVE', taken, KEYS[1], 'RIGHT', 'LEFT') do moved = moved + 1 end
    redis.call('SREM', KEYS[2], id)
  end
end
return moved
"""
# KEYS: queue, taken, lease, workers. ARGV: worker id. What it took, back at the head.
_RELEASE = """
local moved = 0
while redis.call('LMOVE', KEYS[2], KEYS[1], 'RIGHT', 'LEFT') do moved = moved + 1 end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
return moved
"""


def code_of(url: str) -> str | None:
    try:
        return parse_share_url(url)[1]
    except ValueError:
        return None


def bucket(code: str) -> str:
    return f"{PREFIX}m:{zlib.crc32(code.encode('utf-8')) % BUCKETS}"


def base_id(base: str) -> str:
    return hashlib.sha1(base.encode("utf-8")).hexdigest()[:8]  # noqa: S324 (a name)


def queue_epoch(server) -> bytes:
    """The database's token, set now if it has none: gone or another one means Redis
    lost what it held (restarted without persistence)."""
    import uuid

    server.set(EPOCH_KEY, uuid.uuid4().hex, nx=True)
    return server.get(EPOCH_KEY)


class ReliableQueue:
    """One Redis database's queue, seen by one worker (``worker``: its id) or by enqueue."""

    def __init__(self, server, worker: str = "", lease_ms: int = 30_000) -> None:
        self.server = server
        self.worker = worker
        self.lease_ms = lease_ms
        self.taken_key = f"{PREFIX}taken:{worker}"
        self.lease_key = f"{PREFIX}lease:{worker}"
        self._scripts = {
            name: server.register_script(text)
            for name, text in (
                ("enqueue", _ENQUEUE), ("take", _TAKE), ("reap", _REAP), ("release", _RELEASE),
            )
        }  # fmt: skip
        self._bases: dict[str, str] = {}  # id -> base, as read back

    def entry(self, url: str) -> tuple[str, str] | None:
        """``(code, entry)`` for a share URL: the entry short when the URL is canonical."""
        try:
            base, code = parse_share_url(url)
        except ValueError:
            return None
        if share_url(base, code) == url.strip():
            ident = base_id(base)
            if self._bases.get(ident) != base:
                self.server.hset(BASES, ident, base)
                self._bases[ident] = base
            return code, f"{ident}:{code}"
        return code, url.strip()

    def add(self, urls: Iterable[str]) -> int:
        """Queue ``urls`` (share URLs; one batch): how many were not in the queue already."""
        keys, args = [], []
        for url in urls:
            made = self.entry(url)
            if made is None:
                continue
            code, entry = made
            keys.append(bucket(code))
            args += [code, entry]
        if not args:
            return 0
        return int(self._scripts["enqueue"](keys=[*keys, QUEUE], args=args))

    def url(self, entry: bytes | str) -> str:
        """The share URL an entry stands for."""
        text = entry.decode("utf-8", "replace") if isinstance(entry, bytes) else entry
        ident, sep, code = text.partition(":")
        if sep and len(ident) == 8 and "/" not in text:
            base = self._bases.get(ident)
            if base is None:
                raw = self.server.hget(BASES, ident)
                base = self._bases[ident] = raw.decode("utf-8") if raw else ""
            if base:
                return share_url(base, code)
        return text

    def take(self, count: int) -> list[str]:
        """Renew this worker's lease and move up to ``count`` entries into its list."""
        taken = self._scripts["take"](
            keys=[QUEUE, self.taken_key, self.lease_key, WORKERS],
            args=[count, self.lease_ms, self.worker],
        )
        return [e.decode("utf-8", "replace") for e in taken]

    def renew(self) -> None:
        self.server.set(self.lease_key, "1", px=self.lease_ms)

    def reap(self) -> int:
        """Put the entries of workers whose lease expired back at the queue's head."""
        return int(self._scripts["reap"](keys=[QUEUE, WORKERS], args=[PREFIX]))

    def ack(self, done: Iterable[tuple[str, str]]) -> None:
        """``(code, entry)`` pairs with their outcome: out of this worker's list and the
        membership (a later enqueue of the URL queues it again)."""
        with self.server.pipeline(transaction=False) as pipe:
            for code, entry in done:
                pipe.lrem(self.taken_key, 1, entry)
                pipe.hdel(bucket(code), code)
            pipe.execute()

    def release(self) -> int:
        """Stop cleanly: what this worker took and did not finish goes back to the queue."""
        return int(
            self._scripts["release"](
                keys=[QUEUE, self.taken_key, self.lease_key, WORKERS], args=[self.worker]
            )
        )

    def pending(self) -> int:
        """Entries not finished anywhere: in the queue, or taken by another worker
        (alive, or dead and not reaped yet: they come back)."""
        workers = [w.decode("utf-8", "replace") for w in self.server.smembers(WORKERS)]
        with self.server.pipeline(transaction=False) as pipe:
            pipe.llen(QUEUE)
            for worker in workers:
                if worker != self.worker:
                    pipe.llen(f"{PREFIX}taken:{worker}")
            return sum(int(n) for n in pipe.execute())
