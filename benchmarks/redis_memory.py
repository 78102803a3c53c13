"""Redis memory a URL costs the workers' queue: in flight, and once archived.

    python3 benchmarks/redis_memory.py              # 1,000,000 URLs
    python3 benchmarks/redis_memory.py --urls 100000

Starts its own ``redis-server`` on 127.0.0.1 (no persistence), then with the
project's own queue (:class:`~newsarchiver.redisqueue.ReliableQueue`, as
``enqueue`` and ``worker`` use it):

  1. queues N share URLs (as ``enqueue`` does) and prints ``used_memory`` a URL;
  2. queues them all again (``enqueue`` run twice): nothing may be added;
  3. lets three simulated workers take them under a lease and acknowledge each
     (as a worker does once a URL has its outcome), and prints the memory left:
     archived URLs cost nothing.

The dupefilter of a worker lives in its own process and ends with it: Redis
holds no fingerprint at all.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsarchiver.extract import share_url  # noqa: E402
from newsarchiver.redisqueue import QUEUE, ReliableQueue, code_of  # noqa: E402

BASE = "http://finews.zning.xyz"
BATCH = 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def used(server) -> int:
    return int(server.info("memory")["used_memory"])


def main() -> int:
    import redis

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    opts = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            server = redis.Redis(port=port)
            for _ in range(200):
                try:
                    server.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            queue = ReliableQueue(server)
            empty = used(server)
            started = time.perf_counter()
            # Codes shaped as the archive's (NW + 18 digits).
            urls = (share_url(BASE, f"NW{202205200000000000 + n}") for n in range(opts.urls))
            batch: list[str] = []
            for url in urls:
                batch.append(url)
                if len(batch) == BATCH:
                    queue.add(batch)
                    batch.clear()
            queue.add(batch)
            took = time.perf_counter() - started
            queued = server.llen(QUEUE)
            full = used(server)
            per_url = (full - empty) / opts.urls
            print(f"queued {queued} URLs in {took:.1f} s: used_memory {full / 1e6:.1f} MB, "
                  f"{per_url:.1f} bytes a URL in flight")  # fmt: skip
            again = sum(
                queue.add([share_url(BASE, f"NW{202205200000000000 + n}")
                           for n in range(start, min(start + BATCH, opts.urls))])
                for start in range(0, opts.urls, BATCH)
            )  # fmt: skip
            print(f"queued again: {again} added, {server.llen(QUEUE)} in the queue")
            workers = [ReliableQueue(server, f"w{n}", 30_000) for n in range(3)]
            done = 0
            while True:
                progressed = False
                for worker in workers:
                    entries = worker.take(256)
                    if entries:
                        progressed = True
                        worker.ack((code_of(worker.url(e)) or "", e) for e in entries)
                        done += len(entries)
                if not progressed:
                    break
            for worker in workers:
                worker.release()
            after = used(server)
            print(f"taken and acknowledged {done}: used_memory {after / 1e6:.1f} MB, "
                  f"{(after - empty) / opts.urls:.2f} bytes a URL archived "
                  f"(empty database: {empty / 1e6:.1f} MB)")  # fmt: skip
            print(f"at 10 x ({10 * opts.urls} URLs in flight): about "
                  f"{10 * (full - empty) / 1e9:.2f} GB")  # fmt: skip
            if again or queued != opts.urls or done != opts.urls:
                print("MISMATCH: the counts do not add up", file=sys.stderr)
                return 1
        finally:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
