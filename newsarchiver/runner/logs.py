"""Where a run's log goes: a log file, the terminal (without Scrapy's own lines), or nowhere."""

from __future__ import annotations

import logging

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

    The summary and the failures are printed on stderr by ``console.run_end``
    either way (with ``--quiet``, only if something failed).
    """
    formatter = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    handlers: list[logging.Handler] = []
    if log_file := settings.get("LOG_FILE"):
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        handlers[-1].setLevel(logging.DEBUG if verbose else logging.INFO)
    elif not quiet:
        terminal = logging.StreamHandler()
        terminal.setLevel(settings.get("LOG_LEVEL"))
        # The summary and the failures are printed on stderr once, by the console.
        terminal.addFilter(lambda record: record.name != "newsarchiver.summary")
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
