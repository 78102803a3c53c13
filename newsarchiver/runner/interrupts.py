"""Ctrl-C and SIGTERM while a crawl starts: remembered, and acted on once its engine runs."""

from __future__ import annotations


def stop_when_started(crawler) -> None:
    """A Ctrl-C or SIGTERM while the crawl starts stops it once its engine runs.

    Scrapy installs its own handlers only once the reactor runs, and its stop
    does nothing while the engine is still opening the spider: a signal then
    was lost and the run went on to the end. Each signal is remembered here
    (before Scrapy's handlers, and beside them after), and a run that got one
    is stopped as soon as its engine runs, as a Ctrl-C later would stop it.
    """
    import signal

    from scrapy import signals as scrapy_signals

    received: list[int] = []
    state = {"started": False, "stopped": False}

    def stop(tries: int = 200) -> None:
        engine = crawler.engine
        if not received or state["stopped"] or engine is None:
            return
        if not engine.running:  # engine_started comes before the engine runs
            if tries:
                from twisted.internet import reactor

                reactor.callLater(0.01, stop, tries - 1)
            return
        from scrapy.utils.defer import deferred_from_coro

        state["stopped"] = True
        deferred_from_coro(engine.stop_async())

    def remember(signum, frame) -> None:
        received.append(signum)
        if state["started"]:
            from twisted.internet import reactor

            reactor.callFromThread(stop)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, remember)

    def engine_started() -> None:
        from twisted.internet import reactor  # running by now

        state["started"] = True
        for signum in (signal.SIGINT, signal.SIGTERM):
            scrapys = signal.getsignal(signum)
            if callable(scrapys) and scrapys is not remember:

                def both(number, frame, scrapys=scrapys) -> None:
                    received.append(number)
                    scrapys(number, frame)

                signal.signal(signum, both)
        reactor.callLater(0, stop)

    crawler.signals.connect(engine_started, signal=scrapy_signals.engine_started, weak=False)
