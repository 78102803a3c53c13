"""Running one spider in-process for the CLI: its settings checked, its log, the exit code."""

from __future__ import annotations

import logging
from pathlib import Path

from newsarchiver import console
from newsarchiver.exits import Exit
from newsarchiver.outcome import RunOutcome
from newsarchiver.runner.interrupts import stop_when_started
from newsarchiver.runner.logs import configure_logging
from newsarchiver.runner.preflight import preflight


def run_spider(spider_cls, spider_kwargs: dict, settings) -> int:
    """Run one spider with ``settings`` (see :func:`project_settings`); print the
    summary; return the exit code. The terminal's behaviour is in settings too:
    ``NEWSARCHIVER_QUIET``, ``NEWSARCHIVER_VERBOSE``, ``LOG_FILE``, ``JOBDIR``.
    """
    quiet = settings.getbool("NEWSARCHIVER_QUIET")
    verbose = settings.getbool("NEWSARCHIVER_VERBOSE")
    if quiet:
        settings.set("NEWSARCHIVER_PROGRESS_BAR", False, priority="cmdline")
        if not settings.get("LOG_FILE"):
            settings.set("NEWSARCHIVER_PROGRESS_INTERVAL", 0, priority="cmdline")
    if error := preflight(settings):
        console.say(error)
        return Exit.INTERNAL
    configure_logging(settings, quiet=quiet, verbose=verbose)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    try:
        crawler, startup_error = _crawl(spider_cls, spider_kwargs, settings)
    except Exception as exc:
        logging.getLogger(__name__).debug("Run failed", exc_info=True)
        console.say(f"internal error: {type(exc).__name__}: {exc}")
        return Exit.INTERNAL
    return finish(crawler, startup_error, settings)


def _crawl(spider_cls, spider_kwargs: dict, settings):
    from scrapy.crawler import CrawlerProcess

    # The spider is given as a class, so no loader need import every spider
    # module (the worker's scrapy-redis and redis cost a crawl ~0.1 s to start).
    settings.set("SPIDER_LOADER_CLASS", "scrapy.spiderloader.DummySpiderLoader", "cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    errors: list[str] = []

    def failed(failure):
        if failure.check(KeyboardInterrupt):
            RunOutcome.of(crawler).interrupted()  # Ctrl-C while the crawl was starting
            return None
        errors.append(f"{failure.type.__name__}: {failure.getErrorMessage()}")
        logging.getLogger(__name__).debug("Crawl failed", exc_info=failure.value)

    def refused(failure):
        # The output folder's lock: another run holds it, or its file is unusable.
        from newsarchiver.archive.lock import UnusableLock
        from newsarchiver.extensions import FolderLocked

        if failure.check(FolderLocked, UnusableLock):
            RunOutcome.of(crawler).refused(failure.value)
            return None
        return failure

    stop_when_started(crawler)
    process.crawl(crawler, **spider_kwargs).addErrback(refused).addErrback(failed)
    process.start()
    return crawler, (errors[0] if errors else None)


def finish(crawler, startup_error: str | None, settings) -> int:
    """The summary on stderr and the exit code, from the run's one tally."""
    from newsarchiver.archive.lock import UnusableLock
    from newsarchiver.report import RunReport

    output = Path(settings.get("NEWSARCHIVER_OUTPUT"))
    outcome = RunOutcome.of(crawler)
    if refused := outcome.refused_by:
        if isinstance(refused, UnusableLock):
            console.say(f"{refused}; exiting")
            return Exit.INTERNAL
        # An overlapping cron tick is normal: under --quiet, exit 3 says it, in silence.
        if not settings.getbool("NEWSARCHIVER_QUIET"):
            console.say(f"{refused}; exiting")
        return Exit.LOCKED
    if startup_error:
        console.say(f"internal error: {startup_error}")
        return Exit.INTERNAL
    try:
        stats = crawler.stats  # a property that raises on Scrapy 2.18+ before the crawl began
    except (AttributeError, RuntimeError):
        stats = None
    reason = stats.get_value("finish_reason") if stats else None
    try:
        report = crawler.get_extension(RunReport)
    except (AttributeError, RuntimeError):
        report = None  # stopped before the crawl was built: nothing was done
    if report is None or outcome.was_interrupted:
        console.say("interrupted; run the same command to continue")
        return Exit.INTERRUPTED
    # Exit 0 only if every article has its outcome: a finished run with URLs it
    # never reached (a worker whose queue was lost) failed them.
    failed = report.counts["failed"] + report.counts["not_reached"]
    fatal = outcome.fatal_reason
    quiet = settings.getbool("NEWSARCHIVER_QUIET")
    console.run_end(report, stats, str(output / "_posts"), quiet, fatal is not None)
    if report.write_error:
        console.say(report.write_error)
        return Exit.INTERNAL
    if fatal:
        console.say(f"stopped: {fatal}")
        return Exit.INTERNAL
    if reason in ("shutdown", None):
        job = settings.get("JOBDIR")
        again = f" --resume {job}" if job else " (add --resume DIR to keep state)"
        console.say(f"interrupted; run the same command{again} to continue")
        return Exit.INTERRUPTED
    return outcome.exit_code(failed)
