from __future__ import annotations

import threading

import pytest
from twisted.internet import reactor

from newsarchiver.background import BatchingThread


@pytest.fixture
def io():
    thread = BatchingThread()
    thread.start()
    yield thread
    thread.stop()


def run_reactor_until(deferreds) -> list:
    """Run the reactor just long enough for every Deferred to fire (no Scrapy involved)."""
    from twisted.internet.defer import DeferredList

    results = []
    done = DeferredList(deferreds, consumeErrors=True)
    done.addCallback(results.extend)
    done.addBoth(lambda _: reactor.callLater(0, reactor.stop))
    if not results:
        reactor.run(installSignalHandlers=False)
    return results


def test_calls_run_off_the_calling_thread_in_order_and_errors_come_back(io):
    caller = threading.get_ident()
    order: list[int] = []

    def job(n: int) -> int:
        assert threading.get_ident() != caller
        order.append(n)
        if n == 3:
            raise OSError("disk full")
        return n * 10

    results = run_reactor_until([io.call(job, n) for n in range(6)])
    assert order == list(range(6))
    assert [value for ok, value in results if ok] == [0, 10, 20, 40, 50]
    [(ok, failure)] = [r for r in results if not r[0]]
    assert failure.check(OSError) and "disk full" in str(failure.value)
