"""Discovery state: what earlier ``discover`` runs read of a listing, and what they left undone.

A listing is newest first and moves as articles arrive, so an archived code on
page 1 proves only that the run that archived it got that far. The state keeps,
per listing, the *regions* earlier runs read without a gap: each is the codes
at its top (its ``head``) and how many entries it spans from there (``length``;
``None``: down to the listing's end). A run reads from page 1 down; when a page
holds the head of a region below, the two join, and the run jumps to that
region's end and reads on. It stops early only when the region it has joined
reaches the listing's end: a *complete* catch-up. Anything else (a kill, a full
disk, ``--max-pages``, a failed page) leaves regions that the next run joins up.

Articles are tracked apart from regions: the codes a run asked for and has not
seen the end of are ``pending`` (saved before they are asked for, so a run
killed at any instant leaves them to the next), and those that failed are kept
with their reason and retried by later runs, until ``give_up_after`` runs.

No Scrapy here: the spider feeds pages in and reads decisions out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from newsarchiver.archive.files import atomic_write

VERSION = 1
GIVEN_UP_KEPT = 10_000


@dataclass
class Region:
    head: list[str]  # the codes of the region's first page, in listing order
    length: int | None  # entries from head[0] down that were read; None: to the end

    def as_json(self) -> dict:
        return {"head": self.head, "length": self.length}


@dataclass
class Failure:
    reason: str
    runs: int  # runs in which the article failed


@dataclass
class ListingState:
    listing: str
    page_size: int = 0
    regions: list[Region] = field(default_factory=list)
    pending: dict[str, None] = field(default_factory=dict)  # ordered set
    failed: dict[str, Failure] = field(default_factory=dict)
    # Given up: not asked for again when a page lists them (the newest GIVEN_UP_KEPT).
    given_up: dict[str, None] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether what was read reaches from the top region to the listing's end."""
        return len(self.regions) == 1 and self.regions[0].length is None

    def to_retry(self) -> list[str]:
        """Codes an earlier run asked for but never finished, then those that failed."""
        return list(self.pending) + [c for c in self.failed if c not in self.pending]

    # -- files --------------------------------------------------------------

    @classmethod
    def load(cls, path: Path, listing: str) -> ListingState:
        """The saved state of ``listing``; a fresh one if there is none.

        A file that cannot be read as a state (damaged, another version) counts
        as none: the run then reads more, never less.
        """
        try:
            data = json.loads(path.read_bytes())
            if data.get("version") != VERSION or data.get("listing") != listing:
                return cls(listing)
            return cls(
                listing,
                int(data["page_size"]),
                [Region(list(r["head"]), r["length"]) for r in data["regions"]],
                dict.fromkeys(data["pending"]),
                {c: Failure(f["reason"], int(f["runs"])) for c, f in data["failed"].items()},
                dict.fromkeys(data.get("given_up", ())),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(listing)

    def save(self, path: Path, fsync: bool = True) -> None:
        data = {
            "version": VERSION,
            "listing": self.listing,
            "page_size": self.page_size,
            "regions": [r.as_json() for r in self.regions],
            "pending": list(self.pending),
            "failed": {c: {"reason": f.reason, "runs": f.runs} for c, f in self.failed.items()},
            "given_up": list(self.given_up)[-GIVEN_UP_KEPT:],
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        atomic_write(path, text.encode("utf-8"), fsync=fsync)

    # -- articles -----------------------------------------------------------

    def asked(self, codes: list[str]) -> None:
        self.pending.update(dict.fromkeys(codes))

    def settled(self, code: str, reason: str | None, give_up_after: int) -> bool:
        """Record an article's outcome (``reason`` None: archived); True if it is given up."""
        self.pending.pop(code, None)
        if reason is None:
            self.failed.pop(code, None)
            return False
        runs = self.failed[code].runs + 1 if code in self.failed else 1
        if runs >= give_up_after:
            self.failed.pop(code, None)
            self.given_up[code] = None
            return True
        self.failed[code] = Failure(reason, runs)
        return False


class Walk:
    """One run's reading of one listing: which page next, and when to stop.

    Pages are numbered from 1 (the listing's first page as given). Call
    :meth:`read` with each page's codes, or :meth:`missed` for a page that
    could not be read; then :attr:`next_page` is the page to read next, or
    ``None`` when the run is done with this listing. ``refresh`` reads on to
    the end of the listing or the budget even when caught up.
    """

    def __init__(
        self, state: ListingState, max_pages: int, refresh: bool = False, paged: bool = True
    ) -> None:
        self.state = state
        self.paged = paged  # a listing that is not paged ends with its one page
        self.max_pages = max_pages
        self.refresh = refresh
        self.pages_read = 0
        self.next_page: int | None = 1
        self.current: int | None = None  # index of the region this walk extends
        self.insert_at = 0  # where the region a page after a gap starts goes
        self.base = 0  # position of that region's head[0] in this run's numbering
        self.seen_pages: dict[tuple[str, ...], int] = {}
        self.repeated: tuple[int, int] | None = None  # (page, the earlier page it repeats)
        self.out_of_budget = False
        self.caught_up = False  # the state's regions reach the listing's end

    @property
    def size(self) -> int:
        return max(self.state.page_size, 1)

    def read(self, page: int, codes: list[str]) -> None:
        """Page ``page`` held ``codes`` (newest first)."""
        state = self.state
        self.pages_read += 1
        if page == 1:
            state.page_size = max(state.page_size, len(codes))
        key = tuple(codes)
        if codes and key in self.seen_pages:
            # A listing that ignores its page number would be read for ever.
            self.repeated = (page, self.seen_pages[key])
            codes = []
        self.seen_pages.setdefault(key, page)
        if self.caught_up:  # a refresh reading on below what was caught up
            self._advance(page + 1 if codes else None)
            return
        start = (page - 1) * self.size
        if self.current is None:
            # A new region: the top of the listing, or the first page after a gap.
            state.regions.insert(self.insert_at, Region(list(codes), len(codes)))
            self.current, self.base = self.insert_at, start
        region = state.regions[self.current]
        if not codes or not self.paged:
            region.length = None  # the listing's end: what was read reaches it
            del state.regions[self.current + 1 :]
            self._caught_up(None)
            return
        if region.length is not None:
            region.length = max(region.length, start + len(codes) - self.base)
        if self._join(start, codes) and region.length is None:
            self._caught_up(page + 1)
            return
        following = page + 1
        if region.length is not None:
            # After a join, on from the end of the region joined.
            following = max(following, (self.base + region.length) // self.size + 1)
        self._advance(following)

    def missed(self, page: int) -> None:
        """Page ``page`` could not be read: the region read so far ends above it."""
        self.pages_read += 1
        if not self.seen_pages:
            self.next_page = None  # nothing read to go on from: the next run starts over
            return
        if self.current is not None:
            self.insert_at = self.current + 1
            self.current = None
        self._advance(page + 1)

    def _join(self, start: int, codes: list[str]) -> bool:
        """Join the region this walk extends with the first region below whose head is here."""
        regions = self.state.regions
        assert self.current is not None
        region = regions[self.current]
        where = {code: offset for offset, code in enumerate(codes)}
        for below in range(self.current + 1, len(regions)):
            other = regions[below]
            for index, code in enumerate(other.head):
                if code in where:
                    # other.head[0] sits ``index`` entries above the code met here.
                    other_top = start + where[code] - index
                    region.length = (
                        None if other.length is None else other_top - self.base + other.length
                    )
                    # What lay between was read by this walk or by the regions passed.
                    del regions[self.current + 1 : below + 1]
                    return True
        return False

    def _caught_up(self, following: int | None) -> None:
        self.caught_up = True
        self.current = None
        self._advance(following if self.refresh else None)

    def _advance(self, page: int | None) -> None:
        if page is not None and self.pages_read >= self.max_pages:
            self.out_of_budget = not self.caught_up
            page = None
        self.next_page = page
