"""How a run ends beyond each URL's outcome: the one owner of a stop and its exit code.

A component that stops a run (a full disk, a web archive that cannot be written,
Redis lost) says so here, once; the lock refusal and a Ctrl-C while the crawl
starts are noted here too. ``runner.finish`` reads it (with the report's tally)
to print the last lines and pick the exit code: nothing else carries a stop.
"""

from __future__ import annotations

from newsarchiver.exits import Exit


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
