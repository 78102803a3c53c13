"""Running a spider in-process for the CLI: settings, logging, the run lock, the summary."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from newsarchiver.exits import Exit
from newsarchiver.outcome import RunOutcome
from newsarchiver.setting_table import TABLE
from newsarchiver.words import plural


def project_settings(cmdline: list[tuple[str, str]], options: dict):
    """Settings as Scrapy's ``process_options`` builds them: project < -s < options given."""
    from scrapy.utils.project import get_project_settings

    # As scrapy crawl loads them: SCRAPY_SETTINGS_MODULE if the user set it,
    # else this project's module (whatever folder the command runs in).
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsarchiver.settings")
    settings = get_project_settings()
    settings.setdict(dict(cmdline), priority="cmdline")
    settings.setdict(options, priority="cmdline")
    for name in ("NEWSARCHIVER_OUTPUT", "NEWSARCHIVER_REPORT", "NEWSARCHIVER_WACZ"):
        # Resolved now: scrapyd and the spider may run with another working folder.
        if value := settings.get(name):
            resolved = str(Path(value).resolve())
            if name == "NEWSARCHIVER_WACZ" and value.endswith(("/", os.sep)):
                resolved += "/"  # a folder, made if missing: one WACZ a run in it
            settings.set(name, resolved, priority="cmdline")
    return settings


_FRAMEWORK = ("scrapy.", "scrapy_redis", "twisted", "py.warnings")


class _QuietScrapy(logging.Filter):
    """Hides Scrapy's own start-up and statistics lines; its warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(_FRAMEWORK)


class _NoScrapy(logging.Filter):
    """On the terminal, none of Scrapy's own lines: newsarchiver says what failed, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(_FRAMEWORK)


def configure_logging(settings, quiet: bool, verbose: bool) -> None:
    """The log goes to the log file if there is one, else to the terminal unless quiet.

    The summary and the failures are printed on stderr by ``finish`` either way
    (with ``--quiet``, only if something failed).
    """
    formatter = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    handlers: list[logging.Handler] = []
    if log_file := settings.get("LOG_FILE"):
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        handlers[-1].setLevel(logging.DEBUG if verbose else logging.INFO)
    elif not quiet:
        terminal = logging.StreamHandler()
        terminal.setLevel(settings.get("LOG_LEVEL"))
        # The summary and the failures are printed on stderr once, by run_spider.
        terminal.addFilter(lambda record: not getattr(record, "newsarchiver_summary", False))
        if not verbose:
            terminal.addFilter(_NoScrapy())
        handlers.append(terminal)
    if not handlers:
        # Quiet without a log file: without a handler Python's last-resort one
        # would print every warning and error on stderr.
        handlers.append(logging.NullHandler())
    logging.captureWarnings(True)  # deprecation warnings go to the log, not the terminal
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        if not verbose:
            handler.addFilter(_QuietScrapy())
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


CHOICES = {setting.name: setting.choices for setting in TABLE if setting.choices}
# Settings Scrapy's defaults do not name that a component reads (scrapy-redis'):
# never taken for a typo of a Scrapy setting.
OTHER_SETTINGS = frozenset({
    "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PARAMS", "REDIS_ENCODING",
    "REDIS_START_URLS_KEY", "REDIS_START_URLS_AS_SET", "REDIS_ITEMS_KEY",
    "SCHEDULER_PERSIST", "SCHEDULER_QUEUE_KEY", "SCHEDULER_QUEUE_CLASS",
    "SCHEDULER_DUPEFILTER_KEY", "SCHEDULER_DUPEFILTER_CLASS", "SCHEDULER_FLUSH_ON_START",
    "SCHEDULER_IDLE_BEFORE_CLOSE", "SCHEDULER_SERIALIZER", "DUPEFILTER_KEY",
})  # fmt: skip


def malformed_setting(settings) -> str | None:
    """A command-line setting whose value cannot be what its default is (a number, a flag...)."""
    from scrapy.settings import SETTINGS_PRIORITIES, Settings

    defaults = Settings()
    defaults.setmodule("newsarchiver.settings", priority="project")
    # A number may be written where the default is whole (DOWNLOAD_TIMEOUT=0.5).
    readers = (
        (bool, settings.getbool, "true or false"),
        ((int, float), settings.getfloat, "a number"),
    )
    for name, value in settings.items():
        if settings.getpriority(name) < SETTINGS_PRIORITIES["cmdline"]:
            continue
        if name.startswith("NEWSARCHIVER_") and name not in defaults:
            import difflib

            ours = [n for n, _ in defaults.items() if n.startswith("NEWSARCHIVER_")]
            close = difflib.get_close_matches(name, ours, n=1)
            hint = f"; did you mean {close[0]}?" if close else " (the README lists them)"
            return f"unknown setting {name}{hint}"
        if name not in defaults:
            if name in OTHER_SETTINGS:
                continue
            import difflib

            known = [n for n, _ in defaults.items()]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close:  # a setting no one reads, one letter from one Scrapy reads
                return f"unknown setting {name}; did you mean {close[0]}?"
            continue
        if name in CHOICES and str(value) not in CHOICES[name]:
            return f"setting {name} must be one of {', '.join(CHOICES[name])}, not {value!r}"
        for kind, read, what in readers:
            if isinstance(defaults[name], kind):
                try:
                    read(name)
                except (TypeError, ValueError):
                    return f"setting {name} must be {what}, not {value!r}"
                break
    return None


def preflight(settings) -> str | None:
    """Why the run cannot start, checked before anything is fetched; None if it can."""
    output = Path(settings.get("NEWSARCHIVER_OUTPUT"))
    if output.exists() and not output.is_dir():
        return f"cannot write to the output folder {output}: it is a file"
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / f".newsarchiver-probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        return f"cannot write to the output folder {output}: {exc.strerror or exc}"
    if report := settings.get("NEWSARCHIVER_REPORT"):
        folder = Path(report).parent
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot write the report {report}: its folder is missing or not writable"
        if Path(report).is_dir():
            return f"cannot write the report {report}: it is a folder"
    if error := malformed_setting(settings):
        return error
    if wacz := settings.get("NEWSARCHIVER_WACZ"):
        from newsarchiver.webarchive import check_target

        if wacz.endswith("/"):
            try:
                Path(wacz).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                return f"cannot make the web archive folder {wacz}: {exc.strerror or exc}"
        if error := check_target(Path(wacz)):
            return error
    if redis_url := settings.get("REDIS_URL"):
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
        except Exception as exc:  # redis-py's errors say why, for a person
            return f"cannot use Redis at {redis_url}: {exc}"
    return None


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
        print(f"newsarchiver: {error}", file=sys.stderr)
        return Exit.INTERNAL
    configure_logging(settings, quiet=quiet, verbose=verbose)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    try:
        crawler, startup_error = _crawl(spider_cls, spider_kwargs, settings)
    except Exception as exc:
        logging.getLogger(__name__).debug("Run failed", exc_info=True)
        print(f"newsarchiver: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
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


def finish(crawler, startup_error: str | None, settings) -> int:
    """The summary on stderr and the exit code, from the run's one tally."""
    from newsarchiver.archive.lock import UnusableLock
    from newsarchiver.report import RunReport

    output = Path(settings.get("NEWSARCHIVER_OUTPUT"))
    outcome = RunOutcome.of(crawler)
    if refused := outcome.refused_by:
        if isinstance(refused, UnusableLock):
            print(f"newsarchiver: {refused}; exiting", file=sys.stderr)
            return Exit.INTERNAL
        # An overlapping cron tick is normal: under --quiet, exit 3 says it, in silence.
        if not settings.getbool("NEWSARCHIVER_QUIET"):
            print(f"newsarchiver: {refused}; exiting", file=sys.stderr)
        return Exit.LOCKED
    if startup_error:
        print(f"newsarchiver: internal error: {startup_error}", file=sys.stderr)
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
        print("newsarchiver: interrupted; run the same command to continue", file=sys.stderr)
        return Exit.INTERRUPTED
    # Exit 0 only if every article has its outcome: a finished run with URLs it
    # never reached (a worker whose queue was lost) failed them.
    failed = report.counts["failed"]
    failed += report.counts["not_reached"]
    fatal = outcome.fatal_reason
    if not settings.getbool("NEWSARCHIVER_QUIET") or failed or fatal:
        print(f"newsarchiver: {report.summary()} (posts in {output / '_posts'})", file=sys.stderr)
        report.print_failures(sys.stderr)
    if not settings.getbool("NEWSARCHIVER_QUIET"):
        report.print_notes(sys.stderr)
    if (wacz := stats.get_value("newsarchiver/wacz") if stats else None) and not (
        settings.getbool("NEWSARCHIVER_QUIET")
    ):
        added = stats.get_value("newsarchiver/wacz_articles", 0)
        print(f"newsarchiver: web archive {wacz} ({added} articles added)", file=sys.stderr)
    verified = stats.get_value("newsarchiver/verified_files") if stats else None
    if verified is not None and not settings.getbool("NEWSARCHIVER_QUIET"):
        records = stats.get_value("newsarchiver/verified_records", 0)
        mismatched = stats.get_value("newsarchiver/verify_mismatched", 0)
        verdict = f"{mismatched} do not match" if mismatched else "all match"
        print(
            f"newsarchiver: verified {plural(verified, 'web archive file')} and "
            f"{plural(records, 'record')}: {verdict}",
            file=sys.stderr,
        )
    report.print_warnings(sys.stderr)  # with --quiet too: articles may be missing
    report.print_image_failures(sys.stderr)
    if report.write_error:
        print(f"newsarchiver: {report.write_error}", file=sys.stderr)
        return Exit.INTERNAL
    if fatal:
        print(f"newsarchiver: stopped: {fatal}", file=sys.stderr)
        return Exit.INTERNAL
    if reason in ("shutdown", None):
        job = settings.get("JOBDIR")
        again = f" --resume {job}" if job else " (add --resume DIR to keep state)"
        print(
            f"newsarchiver: interrupted; run the same command{again} to continue", file=sys.stderr
        )
        return Exit.INTERRUPTED
    return outcome.exit_code(failed)
