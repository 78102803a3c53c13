"""Everything newsarchiver prints for a person, on standard error: one place.

The commands' summary and error lines, a run's last lines (the summary, one
line a failure, the notes and warnings) and the progress bar. The log (a file,
scrapyd's job log) is the report's and Scrapy's; the terminal is this module's.
What goes to standard output (``enqueue`` reads none, ``check --json``) is data,
not a message, and is printed where it is made.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

from newsarchiver.words import plural


def say(message: str, command: str = "") -> None:
    """``newsarchiver: message`` (``newsarchiver crawl: message`` for a command's own)."""
    who = f"newsarchiver {command}" if command else "newsarchiver"
    print(f"{who}: {message}", file=sys.stderr)


def detail(line: str) -> None:
    """A line under the last ``say``: a failure, a file written, a note."""
    print(f"  {line}", file=sys.stderr)


def warn(message: str) -> None:
    say(f"warning: {message}")


def failures(shown: Iterable[Mapping[str, str]], total: int, report_path: str = "") -> None:
    """One line a failure; past the ones kept, how many more and where they are listed."""
    count = 0
    for failure in shown:
        count += 1
        detail(f"FAILED {failure['url']}: {failure['reason']}")
    if total > count:
        where = f"in {report_path}" if report_path else "with --report FILE"
        detail(f"... and {total - count} more failures (all listed {where})")


def image_failures(shown: Iterable[Mapping[str, str]]) -> None:
    """With --quiet too: the post is archived, but shows an image from the source."""
    for failure in shown:
        detail(f"IMAGE NOT KEPT {failure['image']} in {failure['url']}: {failure['reason']}")


def run_end(report, stats, output: str, quiet: bool, fatal: bool) -> None:
    """A spider run's last lines, from its report (the ledger) and its stats.

    The summary and the failures with ``--quiet`` only if something failed; the
    warnings and the images not kept always (articles may be missing).
    """
    counts = report.counts
    failed = counts["failed"] + counts["not_reached"]
    if not quiet or failed or fatal:
        say(f"{report.summary()} (posts in {output})")
        failures(report.failures, counts["failed"], report.report_path)
    if not quiet:
        for note in report.notes:
            detail(note)
        if wacz := stats.get_value("newsarchiver/wacz"):
            added = stats.get_value("newsarchiver/wacz_articles", 0)
            say(f"web archive {wacz} ({added} articles added)")
        verified = stats.get_value("newsarchiver/verified_files")
        if verified is not None:
            records = stats.get_value("newsarchiver/verified_records", 0)
            mismatched = stats.get_value("newsarchiver/verify_mismatched", 0)
            verdict = f"{mismatched} do not match" if mismatched else "all match"
            say(
                f"verified {plural(verified, 'web archive file')} and "
                f"{plural(records, 'record')}: {verdict}"
            )
    for message in report.warnings:
        warn(message)
    image_failures(report.image_failures)


def is_terminal() -> bool:
    return sys.stderr.isatty()


def redraw(line: str) -> None:
    """The progress bar, drawn over itself on a terminal."""
    sys.stderr.write(f"\r\x1b[K{line}")
    sys.stderr.flush()


def clear_line() -> None:
    sys.stderr.write("\r\x1b[K")
    sys.stderr.flush()
