"""Running a spider in-process for the CLI: settings, logging, the run lock, the summary."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def project_settings(overrides: dict):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newsarchiver.settings", priority="project")
    settings.update({k: v for k, v in overrides.items() if v is not None}, priority="cmdline")
    return settings


def crawl_settings(args: argparse.Namespace) -> dict:
    settings = {
        **dict(args.set),
        "NEWSARCHIVER_OUTPUT": str(Path(args.output).resolve()),
        "NEWSARCHIVER_REPORT": str(Path(args.report).resolve()) if args.report else None,
        "NEWSARCHIVER_SHARE_BASE": args.share_base,
        "NEWSARCHIVER_SITE": args.site,
        "NEWSARCHIVER_BODY_FORMAT": args.body_format,
        "NEWSARCHIVER_REFRESH": True if args.refresh else None,
        "JOBDIR": getattr(args, "resume", None),
        "REDIS_URL": getattr(args, "redis_url", None),
        "LOG_FILE": args.log_file,
    }
    if args.concurrency:
        settings["NEWSARCHIVER_CONCURRENCY"] = args.concurrency
    if args.quiet:
        settings["LOG_LEVEL"] = "WARNING"
        settings["NEWSARCHIVER_PROGRESS_INTERVAL"] = 0
    return settings


class _QuietScrapy(logging.Filter):
    """Hides Scrapy's own start-up and statistics lines; warnings still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(
            ("scrapy.", "twisted", "py.warnings")
        )


def configure_logging(settings, verbose: bool) -> None:
    log_file = settings.get("LOG_FILE")
    handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    handler.setLevel(settings.get("LOG_LEVEL"))
    if not verbose:
        handler.addFilter(_QuietScrapy())
    if not log_file:
        # The summary and the failures are printed on stderr once, by run_spider.
        handler.addFilter(lambda record: not getattr(record, "newsarchiver_summary", False))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def run_spider(
    spider_cls, spider_kwargs: dict, args: argparse.Namespace, exclusive: bool = True
) -> int:
    """Run one spider with the project settings; print the summary; return the exit code."""
    from scrapy.crawler import CrawlerProcess

    from newsarchiver.report import RunReport

    settings = project_settings(crawl_settings(args))
    output = Path(settings.get("NEWSARCHIVER_OUTPUT"))
    # Workers share their output folder by design; every other run has it alone.
    lock = locked(output) if exclusive else None
    if exclusive and lock is None:
        return EXIT_LOCKED
    try:
        configure_logging(settings, verbose=args.verbose)
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(spider_cls)
        process.crawl(crawler, **spider_kwargs)
        process.start()
    finally:
        if lock is not None:
            lock.release()
    report = next(e for e in crawler.extensions.middlewares if isinstance(e, RunReport))
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    failed = report.counts["failed"]
    if not args.quiet or failed:
        print(f"newsarchiver: {report.summary()} (posts in {output / '_posts'})", file=sys.stderr)
        for failure in report.failures:
            print(f"  FAILED {failure['url']}: {failure['reason']}", file=sys.stderr)
    if reason == "shutdown":
        again = f" --resume {args.resume}" if args.resume else " (add --resume DIR to keep state)"
        print(
            f"newsarchiver: interrupted; run the same command{again} to continue", file=sys.stderr
        )
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def locked(output: Path):
    """The output folder's run lock, or None after saying who holds it."""
    from newsarchiver.storage import RunLock

    lock = RunLock(output)
    if lock.acquire():
        return lock
    print(
        f"newsarchiver: another run is writing to {output} (lock {lock.path}); exiting",
        file=sys.stderr,
    )
    return None
