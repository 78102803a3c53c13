"""How a run ends beyond each URL's outcome: the one owner of a stop and its exit code.

A component that stops a run (a full disk, a web archive that cannot be written,
Redis lost) says so here, once; the lock refusal and a Ctrl-C while the crawl
starts are noted here too. ``runner.run.finish`` reads it (with the report's tally)
to print the last lines and pick the exit code: nothing else carries a stop.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from newsarchiver.exits import Exit


class GivenUp(NamedTuple):
    """A sink's answer: the article failed in ``runs`` runs and is not asked for again."""

    reason: str
    runs: int


class OutcomeSink(Protocol):
    """State kept beside the run that follows each URL's outcome.

    The report (the ledger) calls every sink it was given once a URL has its
    outcome (``status``: new, updated, unchanged or failed, with the
    failure's ``reason``); nothing calls back. The discovery state answers with
    :class:`GivenUp` when the failure was the last one it retries; the ledger
    records it.
    """

    def settled(
        self, url: str, code: str | None, status: str, reason: str | None
    ) -> GivenUp | None: ...


class RunOutcome:
    def __init__(self) -> None:
        self.fatal_reason: str | None = None  # exit 4, one line
        self.refused_by: Exception | None = None  # the lock: exit 3 (4 if unusable)
        self.was_interrupted = False  # a signal before the crawl ran: exit 130

    @classmethod
    def of(cls, crawler) -> RunOutcome:
        """The run's outcome (made on first use, kept with the crawler)."""
        outcome = getattr(crawler, "run_outcome", None)
        if outcome is None:
            outcome = crawler.run_outcome = cls()
        return outcome

    def fatal(self, reason: str) -> bool:
        """The run cannot go on; True if this is the first reason (the one printed)."""
        if self.fatal_reason is not None:
            return False
        self.fatal_reason = reason
        return True

    def refused(self, error: Exception) -> None:
        self.refused_by = error

    def interrupted(self) -> None:
        self.was_interrupted = True

    def exit_code(self, failed: int) -> Exit:
        """The code for a run that went on to its end with ``failed`` URLs failed."""
        if self.fatal_reason is not None:
            return Exit.INTERNAL
        return Exit.FAILED if failed else Exit.OK
