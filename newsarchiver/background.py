"""One background thread for blocking file I/O, answering the reactor in batches."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure


class BatchingThread:
    """Runs blocking calls on one thread, in the order they came.

    Each call returns a Deferred that fires on the reactor thread. Calls queued
    while the thread is busy are run as one batch whose results come back with
    a single wake-up of the reactor: with many articles in flight, that is what
    keeps file writes from costing the crawl more CPU than they save it.
    """

    def __init__(self, name: str = "newsarchiver-writer") -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._reactor: Any = None

    def start(self) -> None:
        from twisted.internet import reactor

        self._reactor = reactor
        self._thread.start()

    def call(self, func: Callable[..., Any], *args: Any) -> Deferred:
        done: Deferred = Deferred()
        self._jobs.put((func, args, done))
        return done

    def stop(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._jobs.get()]
            while True:
                try:
                    batch.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            results = []
            for job in batch:
                if job is None:
                    stopping = True
                    continue
                func, args, done = job
                try:
                    results.append((done, func(*args)))
                except Exception:
                    results.append((done, Failure()))
            if results:
                self._reactor.callFromThread(_deliver, results)


def _deliver(results: list[tuple[Deferred, Any]]) -> None:
    for done, value in results:
        if isinstance(value, Failure):
            done.errback(value)
        else:
            done.callback(value)
