"""Discovery state: what earlier ``discover`` runs read of a listing, and what they left undone.

A listing is newest first and moves between runs: articles arrive at the top,
some are withdrawn from anywhere, the site may change its page size. Pages are
windows by position, so a position read by one run names other entries in the
next; the state therefore anchors on *codes*, and uses positions only as
estimates that a page read must confirm.

The state keeps, per listing, the *regions* earlier runs read without a gap,
top to bottom. A region holds its first and last codes (``head``, ``tail``,
up to :data:`ANCHOR` each), where they were last seen (``head_at``,
``tail_at``: estimates) and whether it reaches the listing's end (``end``).

Invariant (what the property tests check):

- every entry a region spans, from its head down to its tail (to the end of
  the listing if ``end``), was on a page some run read, so it was asked for;
- what lies between two regions, or below a last region without ``end``, or
  above the first region (arrivals) is unread;
- a *seam* records a place where a run went on reading at an estimated page
  with no code in common with what was read above it (a run's first page,
  exactly after where the last run stopped): nothing proves that no entry
  slipped past (articles withdrawn above it between the two runs shift the
  listing up). Seams are checked later with pages to spare (the page where
  the two sides meet must show them adjacent; whatever is between is asked for).

A run, with a budget of ``max_pages``:

1. With no state (or ``refresh``, or a full re-read due): reads from page 1 down.
2. Else, while the first region does not reach the end, it goes on from that
   region's tail: at the page after its estimated position (the page is
   verified: holding tail codes, it shows where the region ends; holding only
   codes read before, the region ends further down; holding unread codes and
   landing where expected, it is a seam; anything else, and it reads back
   until the tail is found). Meeting a head of a region below joins the two,
   and the run goes on at the page holding the joined region's tail (codes
   seen again), never past it.
3. Once the first region reaches the end, it reads from page 1 down until it
   meets that region's head: a *complete* catch-up. A run that begins so and
   meets the head on page 1 is *caught up*: it reads one page.
4. Pages left in the budget check seams.

So a listing of P pages is read in ceil(P / B) + 1 runs with nothing
arriving, each page once (the last run reads the page past the end, or the top).

Articles are tracked apart from regions: the codes a run asked for and has not
seen the end of are ``pending`` (saved before they are asked for, so a run
killed at any instant leaves them to the next), and those that failed are kept
with their reason and retried by later runs, until ``give_up_after`` runs.

No Scrapy here: the spider feeds pages in and reads decisions out.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from newsarchiver.archive.files import atomic_write

VERSION = 2
GIVEN_UP_KEPT = 10_000
ANCHOR = 64  # codes kept at each end of a region and each side of a seam
MAX_SEAMS = 512  # past this the oldest is dropped and a full re-read is due
CHECK_PAGES = 3  # pages a seam check may read
MAX_TRIES = 6
MAX_STALLS = 4  # runs in a row that change nothing before a full re-read  # checks of one seam before a full re-read settles it instead
_LIMIT = 10**12  # positions and sizes beyond this are a damaged state
_MAX_STATE_BYTES = 64 * 1024 * 1024


class StateUnreadable(ValueError):
    """The state file exists but cannot be a state: the run reads as if it had none."""


@dataclass
class Region:
    head: list[str]  # the codes at the region's top, in listing order
    tail: list[str]  # the codes at its bottom
    head_at: int  # position (from 0) of head[0] when last seen
    tail_at: int  # position of tail[-1] when last seen
    end: bool = False  # reaches the listing's end

    def as_json(self) -> dict:
        return {
            "head": self.head,
            "tail": self.tail,
            "head_at": self.head_at,
            "tail_at": self.tail_at,
            "end": self.end,
        }


@dataclass
class Seam:
    """Two codes read by different runs with nothing shown between them."""

    before: list[str]  # the last codes above the seam
    after: list[str]  # the first codes below it
    at: int  # position of before[-1] when recorded
    tries: int = 0  # checks begun; past MAX_TRIES the whole listing is read again

    def as_json(self) -> dict:
        return {
            "before": self.before,
            "after": self.after,
            "at": self.at,
            "tries": self.tries,
        }


@dataclass
class Failure:
    reason: str
    runs: int  # runs in which the article failed


@dataclass
class ListingState:
    listing: str
    page_size: int = 0
    regions: list[Region] = field(default_factory=list)
    seams: list[Seam] = field(default_factory=list)
    pending: dict[str, None] = field(default_factory=dict)  # ordered set
    failed: dict[str, Failure] = field(default_factory=dict)
    # Given up: not asked for again when a page lists them (the newest GIVEN_UP_KEPT).
    given_up: dict[str, None] = field(default_factory=dict)
    runs: int = 0  # runs since the last full read began
    full_due: bool = False  # a seam could not be checked: read the whole listing again
    seam_turn: bool = False  # with a small budget, runs take turns: the top, the seams
    # Runs in a row that began with the same regions and seams, not caught up: stuck.
    stalls: int = 0
    signature: str = ""

    @property
    def complete(self) -> bool:
        """Whether what was read reaches from the top region to the listing's end."""
        return len(self.regions) == 1 and self.regions[0].end

    def where(self) -> str:
        """What the walk knows of the listing, as one string (to see runs that change nothing)."""
        # Codes only: positions are estimates, and one that drifts is no progress.
        regions = [[r.head, r.tail, r.end] for r in self.regions]
        seams = [[s.before, s.after] for s in self.seams]
        text = json.dumps([self.page_size, regions, seams], separators=(",", ":"))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def to_retry(self) -> list[str]:
        """Codes an earlier run asked for but never finished, then those that failed."""
        return list(self.pending) + [c for c in self.failed if c not in self.pending]

    # -- files --------------------------------------------------------------

    @classmethod
    def load(cls, path: Path, listing: str) -> ListingState:
        """The saved state of ``listing``; a fresh one if there is none.

        StateUnreadable if the file is there but is no state (damaged, not a
        regular file, values of the wrong type or out of range): the caller
        warns and goes on with a fresh one, which reads more, never less. A
        state of another version, or of another listing, counts as none.
        """
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return cls(listing)
        except OSError as exc:
            raise StateUnreadable(f"cannot read it ({exc.strerror or exc})") from None
        if not stat.S_ISREG(info.st_mode):
            raise StateUnreadable("not a regular file")  # a FIFO would block the run
        if info.st_size > _MAX_STATE_BYTES:
            raise StateUnreadable(f"{info.st_size} bytes: too large to be a state")
        try:
            data = json.loads(path.read_bytes())
        except OSError as exc:
            raise StateUnreadable(f"cannot read it ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise StateUnreadable(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise StateUnreadable("not a JSON object")
        if data.get("version") != VERSION or data.get("listing") != listing:
            return cls(listing)
        try:
            return cls._parse(listing, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise StateUnreadable(f"malformed ({exc})") from None

    @classmethod
    def _parse(cls, listing: str, data: dict) -> ListingState:
        def count(value, low: int = 0) -> int:
            if type(value) is not int or not low <= value <= _LIMIT:
                raise ValueError(f"{value!r} is no count")
            return value

        def codes(value) -> list[str]:
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise ValueError("codes must be a list of strings")
            return list(value)

        def flag(value) -> bool:
            if not isinstance(value, bool):
                raise ValueError(f"{value!r} is no flag")
            return value

        regions = [
            Region(
                codes(r["head"]),
                codes(r["tail"]),
                count(r["head_at"]),
                count(r["tail_at"], -1),
                flag(r["end"]),
            )
            for r in data["regions"]
        ]
        if any(r.tail_at < r.head_at - 1 for r in regions):
            raise ValueError("a region ends above its head")
        failed = data["failed"]
        if not isinstance(failed, dict):
            raise ValueError("failed must be an object")
        for value in failed.values():
            if not isinstance(value, dict) or not isinstance(value.get("reason"), str):
                raise ValueError("a failure needs a reason")
        return cls(
            listing,
            count(data["page_size"]),
            regions,
            [
                Seam(
                    codes(s["before"]),
                    codes(s["after"]),
                    count(s["at"], -1),
                    count(s["tries"]),
                )
                for s in data["seams"]
            ],
            dict.fromkeys(codes(data["pending"])),
            {c: Failure(f["reason"], count(f["runs"])) for c, f in failed.items()},
            dict.fromkeys(codes(data["given_up"])),
            count(data["runs"]),
            flag(data["full_due"]),
            flag(data["seam_turn"]),
            count(data["stalls"]),
            str(data["signature"]),
        )

    def save(self, path: Path, fsync: bool = True) -> None:
        """Write the state atomically; OSError if it cannot be."""
        data = {
            "version": VERSION,
            "listing": self.listing,
            "page_size": self.page_size,
            "regions": [r.as_json() for r in self.regions],
            "seams": [s.as_json() for s in self.seams],
            "pending": list(self.pending),
            "failed": {c: {"reason": f.reason, "runs": f.runs} for c, f in self.failed.items()},
            "given_up": list(self.given_up)[-GIVEN_UP_KEPT:],
            "runs": self.runs,
            "full_due": self.full_due,
            "seam_turn": self.seam_turn,
            "stalls": self.stalls,
            "signature": self.signature,
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
            self.give_up(code)
            return True
        self.failed[code] = Failure(reason, runs)
        return False

    def give_up(self, code: str) -> None:
        self.pending.pop(code, None)
        self.failed.pop(code, None)
        self.given_up.pop(code, None)
        self.given_up[code] = None  # the newest last
        while len(self.given_up) > GIVEN_UP_KEPT:
            del self.given_up[next(iter(self.given_up))]


def _last_of(codes: list[str], wanted: list[str], start: int = 0) -> int | None:
    """The offset of the last code of ``codes[start:]`` that is in ``wanted``."""
    wanted_set = set(wanted)
    for offset in range(len(codes) - 1, start - 1, -1):
        if codes[offset] in wanted_set:
            return offset
    return None


class Walk:
    """One run's reading of one listing: which page next, and when to stop.

    Pages are numbered from 1 (the listing's first page as given). Call
    :meth:`read` with each page's codes, or :meth:`missed` for a page that
    could not be read; then :attr:`next_page` is the page to read next, or
    ``None`` when the run is done with this listing. Only codes decide where
    the walk is (archived codes say nothing: an archive may hold any of them).
    ``refresh`` reads from page 1 to the end of the listing or the budget;
    ``full_every`` (runs; 0: never) does so once that many runs have passed.
    """

    def __init__(
        self,
        state: ListingState,
        max_pages: int,
        refresh: bool = False,
        paged: bool = True,
        full_every: int = 0,
    ) -> None:
        self.state = state
        self.max_pages = max_pages
        self.paged = paged  # a listing that is not paged ends with its one page
        self.size = state.page_size
        self.pages_read = 0
        self.read_pages: dict[int, list[str]] = {}
        self.seen_pages: dict[tuple[str, ...], int] = {}
        self.repeated: tuple[int, int] | None = None  # (page, the earlier page it repeats)
        self.out_of_budget = False  # stopped by the budget with something known unread
        self.caught_up = False
        self.next_page: int | None = None
        self.cur = 0  # index of the region this walk grows
        self.mode = "top"
        self.insert_at = 0
        self.from_top = False  # the region grown began at page 1 in this run
        self.expect_overlap = False
        self.landed_size = 0
        self.landing: tuple[Seam | None, Region] | None = None  # a seam landing, what was before
        self.landing_head: list[str] = []
        self.landing_at = 0
        self.reused = 0  # pages taken again from this run's reads
        self.steps = 0  # landing pages read past (forward) or before (back)
        self.back: dict[int, list[str]] = {}  # pages read looking back for a tail
        self.seam: Seam | None = None  # the seam being checked
        self.seam_start = 0
        self.seam_pages: list[tuple[int, list[str]]] = []
        state.runs += 1
        full = full_every > 0 and state.runs > full_every
        signature = state.where()
        state.stalls = state.stalls + 1 if signature == state.signature else 0
        state.signature = signature
        if state.stalls >= MAX_STALLS and not state.complete:
            full = True  # the last runs changed nothing: start over, reading more
            state.stalls = 0
        if refresh or full or state.full_due or not state.regions or not paged:
            state.regions.clear()
            state.seams.clear()
            state.full_due = False
            state.runs = 1
            self._top()
        elif state.complete and state.seams and 1 < max_pages <= CHECK_PAGES and state.seam_turn:
            # Too few pages to read the top and check a seam: runs take turns.
            state.seam_turn = False
            self.caught_up = True
            self._verify_next()
        elif state.complete:
            self._top()
        else:
            self._land(0, overlap=False)

    @property
    def regions(self) -> list[Region]:
        return self.state.regions

    def _page_size(self) -> int:
        return max(self.size, 1)

    def _tail_kept(self) -> int:
        """Codes kept at a region's bottom: a next run finds one on its first page
        even when up to this many articles arrived above it meanwhile."""
        return min(max(ANCHOR, 2 * self._page_size()), 4 * ANCHOR)

    # -- pages in -----------------------------------------------------------

    def read(self, page: int, codes: list[str]) -> None:
        """Page ``page`` held ``codes`` (newest first)."""
        self.pages_read += 1
        key = tuple(codes)
        if codes and key in self.seen_pages and self.seen_pages[key] != page:
            # A listing that ignores its page number would be read for ever.
            self.repeated = (page, self.seen_pages[key])
            codes = []
        self.seen_pages.setdefault(key, page)
        if len(codes) > self.size or page == 1 and codes:
            # No page is longer than the page size, and the first is as long as it
            # (or holds the whole listing, where the size does not matter).
            self.size = len(codes)
        above = self.read_pages.get(page - 1)
        if codes and above and len(above) < self.size:
            self.size = max(len(above), len(codes))  # a short page with more below: shrunk
        self.read_pages[page] = codes
        self._take(page, codes)
        self.state.page_size = self.size

    def missed(self, page: int) -> None:
        """Page ``page`` could not be read: what this run reads below starts a new region."""
        self.pages_read += 1
        if self.mode == "verify":
            self._advance(None)  # the seam stays for another run
            return
        if self.mode in ("top", "new") and page == 1:
            self._advance(None)  # nothing to go on from: the next run starts there again
            return
        if self.mode == "back":
            self._give_up_back(out_of_budget=False)
            return
        self.insert_at = self.cur + 1 if self.regions else 0
        self.mode = "new"
        self._advance(page + 1)

    # -- the walk -----------------------------------------------------------

    def _top(self) -> None:
        self.mode, self.insert_at, self.cur = "top", 0, 0
        self._advance(1)

    def _take(self, page: int, codes: list[str]) -> None:
        start = (page - 1) * self._page_size()
        mode = self.mode
        if mode in ("top", "new"):
            if not codes:
                self._listing_ends_above(page)
                return
            end = start + max(len(codes), self._page_size()) - 1  # as in _append
            region = Region(codes[:ANCHOR], codes[-ANCHOR:], start, end)
            self.regions.insert(self.insert_at, region)
            self.cur = self.insert_at
            self.from_top = mode == "top" and page == 1
            self.mode = "seq"
            self._append(page, start, codes, len(codes), joined_from=0)
        elif mode == "seq":
            if codes:
                self._append(page, start, codes, 0)
            else:
                self._reached_end(page)
        elif mode == "land":
            self._landed(page, start, codes)
        elif mode == "back":
            self._looked_back(page, start, codes)
        elif mode == "verify":
            self._checked_seam(page, codes)

    def _listing_ends_above(self, page: int) -> None:
        """An empty page where a region was to start."""
        if self.mode == "top" and page == 1:
            # An empty listing: read, to its end.
            self.regions.insert(0, Region([], [], 0, -1, end=True))
            self.cur, self.from_top = 0, True
            self._reached_end(page)
        elif self.regions:
            self.cur = max(self.insert_at - 1, 0)
            self._advance(None)  # the region above ends at the page that failed
        else:
            self._advance(None)

    def _append(
        self, page: int, start: int, codes: list[str], frm: int, joined_from: int | None = None
    ) -> None:
        """``codes[frm:]`` follow the grown region's tail; join a region below met in them."""
        region = self.regions[self.cur]
        if joined_from is None and self._seam_landed_high(page, start, codes, frm):
            return
        hit = self._head_below(codes, frm if joined_from is None else joined_from)
        if hit is None:
            new = codes[frm:]
            if new:
                region.tail = (region.tail + new)[-self._tail_kept() :]
            if codes:
                # A short page ends the listing or the page size shrank: either way the
                # next page to read is the one after it.
                region.tail_at = start + max(len(codes), self._page_size()) - 1
            if codes and self.paged:
                self.mode = "seq"
                self._advance(page + 1)
            elif not self.paged:
                self._reached_end(page)
            return
        below, offset, index = hit
        other = self.regions[below]
        if offset > frm:
            region.tail = (region.tail + codes[frm:offset])[-self._tail_kept() :]
        # other.head[0] sits ``index`` entries above the code met here.
        shift = start + offset - index - other.head_at
        self._shift(below, shift)
        region.tail, region.tail_at, region.end = other.tail, other.tail_at, other.end
        del self.regions[self.cur + 1 : below + 1]
        if region.end:
            self._reached_end(page)
            return
        end_of_page = start + len(codes) - 1
        if region.tail_at <= end_of_page:
            # The joined region ends on this page: what follows its tail here is new.
            anchor = _last_of(codes, region.tail, offset)
            if anchor is not None:
                region.tail_at = start + anchor
                self._append(page, start, codes, anchor + 1)
                return
        self._land(self.cur, overlap=True)

    def _head_below(self, codes: list[str], frm: int) -> tuple[int, int, int] | None:
        """(region index, offset in codes, index in its head) of the first head met."""
        heads: dict[str, tuple[int, int]] = {}
        for below in range(len(self.regions) - 1, self.cur, -1):
            for index, code in enumerate(self.regions[below].head):
                heads[code] = (below, index)
        for offset in range(frm, len(codes)):
            found = heads.get(codes[offset])
            if found is not None:
                return found[0], offset, found[1]
        return None

    def _shift(self, below: int, by: int) -> None:
        """Regions from ``below`` down, and seams under them, were seen ``by`` entries lower."""
        if not by:
            return
        line = self.regions[below].head_at
        for region in self.regions[below:]:
            region.head_at = max(region.head_at + by, 0)
            region.tail_at = max(region.tail_at + by, region.head_at - 1)
        for seam in self.state.seams:
            if seam.at >= line:
                seam.at = max(seam.at + by, -1)

    def _land(self, cur: int, overlap: bool) -> None:
        """Go on from region ``cur``'s tail: at the page after it, or (``overlap``) holding it."""
        region = self.regions[cur]
        self.cur, self.mode, self.steps = cur, "land", 0
        size = self._page_size()
        target = region.tail_at if overlap else region.tail_at + 1
        self.expect_overlap = overlap or (region.tail_at + 1) % size != 0
        self.landed_size = size
        self._advance(max(target, 0) // size + 1)

    def _landed(self, page: int, start: int, codes: list[str]) -> None:
        region = self.regions[self.cur]
        anchor = _last_of(codes, region.tail)
        if anchor is not None:
            # Seen again: the region ends here, and whatever follows on the page is new.
            expected = region.tail_at - (len(region.tail) - 1 - region.tail.index(codes[anchor]))
            region.tail_at = start + anchor
            if self.cur + 1 < len(self.regions):
                self._shift(self.cur + 1, start + anchor - expected)
            self._append(page, start, codes, anchor + 1)
            return
        if not codes:
            if self.expect_overlap or page == 1:
                self._look_back(page, codes)  # the listing ends above where the tail was
            else:
                self._add_seam(region, [])
                self._reached_end(page)
            return
        if len(codes) > self.landed_size and self._resized(len(codes), region):
            return  # the site's pages got longer: this one is not where the tail was
        if self._head_below(codes, 0) is not None:
            self._add_seam(region, codes)
            self._append(page, start, codes, 0)
            return
        if not self.expect_overlap:
            # Exactly where the last run stopped, with nothing in common: a seam. Had
            # more articles arrived above than the tail keeps, this page is inside the
            # region or above it: reading on shows it (_seam_landed_high).
            self.landing = (
                self._add_seam(region, codes),
                Region(list(region.head), list(region.tail), region.head_at, region.tail_at),
            )
            self.landing_head, self.landing_at = codes[:ANCHOR], start
            self._append(page, start, codes, 0)
            return
        self._look_back(page, codes)

    def _resized(self, length: int, region: Region) -> bool:
        """A page whose length shows another page size than the landing assumed: land again."""
        self.size = length
        self.landed_size = length
        target = (region.tail_at + 1) // self._page_size() + 1
        if target in self.read_pages:
            return False
        self.expect_overlap = (region.tail_at + 1) % self._page_size() != 0
        self._advance(target)
        return True

    def _look_back(self, page: int, codes: list[str]) -> None:
        self.mode = "back"
        self.back[page] = codes
        self._step_back(page)

    def _step_back(self, page: int) -> None:
        earlier = page - 1
        if earlier < 1 or earlier in self.read_pages and earlier not in self.back:
            # Nothing above it left to look at: from the lowest page looked at, contiguous.
            self._accept_back(None)
            return
        if self.steps >= CHECK_PAGES:
            # The tail is not where its position said, by far (a state edited by hand,
            # a listing cut short): reading it all again is cheaper than looking for it.
            self.state.full_due = True
            self.back = {}
            self.mode = "done"
            self._advance(None)
            return
        self.steps += 1
        self._advance(earlier)

    def _looked_back(self, page: int, start: int, codes: list[str]) -> None:
        region = self.regions[self.cur]
        anchor = _last_of(codes, region.tail)
        self.back[page] = codes
        if anchor is not None:
            region.tail_at = start + anchor
            self._accept_back((page, anchor))
        else:
            self._step_back(page)

    def _accept_back(self, anchor: tuple[int, int] | None) -> None:
        """The pages looked at are contiguous from ``anchor`` (page, offset) down."""
        pages = sorted(self.back)
        self.back = {}
        region = self.regions[self.cur]
        if anchor is None:
            self._add_seam(region, self.read_pages[pages[0]])
        self.mode = "seq"
        size = self._page_size()
        for number in pages:
            codes = self.read_pages[number]
            frm = anchor[1] + 1 if anchor and number == anchor[0] else 0
            if anchor and number < anchor[0]:
                continue
            self.next_page = None
            self._append(number, (number - 1) * size, codes, frm)
            if self.mode != "seq" or not codes:
                if not codes and self.mode == "seq":
                    self._reached_end(number)
                return
        # _append asked for the page after each; the last one stands.

    def _give_up_back(self, out_of_budget: bool = True) -> None:
        """Out of budget (or a page failed) while looking back: keep what was learnt."""
        region = self.regions[self.cur]
        pages = sorted(self.back)
        self.back = {}
        codes = [c for number in pages for c in self.read_pages.get(number, [])]
        if codes:
            size = self._page_size()
            start = (pages[0] - 1) * size
            self.regions.insert(
                self.cur + 1,
                Region(codes[:ANCHOR], codes[-ANCHOR:], start, start + len(codes) - 1),
            )
        # The next run lands where this one would have looked next.
        region.tail_at = max(region.tail_at - self.steps * self._page_size(), -1)
        self.mode = "done"
        self.out_of_budget = out_of_budget
        self.next_page = None

    def _add_seam(self, region: Region, after: list[str]) -> Seam | None:
        if not region.tail:
            return None
        seam = Seam(region.tail[-ANCHOR:], after[:ANCHOR], region.tail_at)
        self.state.seams.append(seam)
        if len(self.state.seams) > MAX_SEAMS:
            del self.state.seams[0]
            # Unchecked, and too many to keep: a full read checks them all at once (not
            # with one page a run, which would then never catch up).
            self.state.full_due = self.max_pages > 1
        return seam

    def _seam_landed_high(self, page: int, start: int, codes: list[str], frm: int) -> bool:
        """After a seam landing, a page holding the region's own codes: the landing was
        inside the region or above it (many articles arrived), so there was no gap."""
        if self.landing is None:
            return False
        seam, old = self.landing
        region = self.regions[self.cur]
        tail_hit = _last_of(codes, old.tail, frm)
        head_hit = next((o for o in range(frm, len(codes)) if codes[o] in set(old.head)), None)
        if tail_hit is None and head_hit is None:
            return False
        self.landing = None
        if seam in self.state.seams:
            self.state.seams.remove(seam)
        if tail_hit is not None and (head_hit is None or tail_hit >= head_hit):
            # Inside it: its tail is here; what follows is new.
            region.tail, region.tail_at = list(old.tail), start + tail_hit
            self._append(page, start, codes, tail_hit + 1)
            return True
        # Above it: what was read from the landing is the region's new top; go on at its tail.
        assert head_hit is not None
        index = old.head.index(codes[head_hit])
        shift = start + head_hit - index - old.head_at
        region.head, region.head_at = self.landing_head, self.landing_at
        region.tail, region.tail_at = list(old.tail), old.tail_at + shift
        if self.cur + 1 < len(self.regions):
            self._shift(self.cur + 1, shift)
        if region.tail_at <= start + len(codes) - 1:
            anchor = _last_of(codes, region.tail, head_hit)
            if anchor is not None:
                region.tail_at = start + anchor
                self._append(page, start, codes, anchor + 1)
                return True
        self._land(self.cur, overlap=True)
        return True

    def _reached_end(self, page: int) -> None:
        region = self.regions[self.cur]
        region.end = True
        del self.regions[self.cur + 1 :]  # nothing lies below the end
        if self.cur != 0:
            self._advance(None)  # a gap above stays for the next run (a page failed)
            return
        if self.from_top:
            self.caught_up = True
            self.state.seam_turn = bool(self.state.seams) and self.max_pages > 1
            self._verify_next()
        else:
            self._top()

    # -- seams --------------------------------------------------------------

    def _verify_next(self) -> None:
        """With pages left in the budget, check the next seam."""
        seams = self.state.seams
        if not seams or self.pages_read >= self.max_pages or self.max_pages == 1:
            # One page a run cannot see two pages of one state of the listing.
            self.seam = None
            self._advance(None)
            return
        self.seam, self.seam_pages, self.mode = seams[0], [], "verify"
        self.seam.tries += 1
        if self.seam.tries > MAX_TRIES:
            # Positions it no longer matches (the site changed a lot): read it all again.
            self.state.full_due = True
            self.state.seams.clear()
            self._advance(None)
            return
        size = self._page_size()
        self.seam_start = max(self.seam.at, 0) // size + 1
        self._advance(self.seam_start)

    def _checked_seam(self, page: int, codes: list[str]) -> None:
        """A page read for the seam: done once both sides are seen with all between read."""
        seam = self.seam
        assert seam is not None
        self.seam_pages.append((page, codes))
        self.seam_pages.sort()
        first, last = self.seam_pages[0][0], self.seam_pages[-1][0]
        joined = [code for _, page_codes in self.seam_pages for code in page_codes]
        last_codes = self.seam_pages[-1][1]
        before = _last_of(joined, seam.before)
        after_set = set(seam.after)
        after = next((i for i, code in enumerate(joined) if code in after_set), None)
        # A side below seen above the other: the two runs overlapped there, no gap.
        ends_here = not last_codes  # the page after the listing's end
        following: int | None
        if before is not None:
            if (after is not None) if seam.after else ends_here:
                self._seam_done(seam)  # adjacent, or what slipped between is asked for now
                return
            following = last + 1
        elif after is not None:
            if first == 1:
                self._seam_done(seam)  # read from the top down to its lower side
                return
            following = first - 1  # the side above is on a page before
        else:
            following = last + 1 if codes else None
        if following is None or len(self.seam_pages) >= CHECK_PAGES:
            self.state.full_due = True  # cannot be checked here: the next run reads it all
            self._seam_done(seam)
            return
        self._advance(following)

    def _seam_done(self, seam: Seam) -> None:
        if seam in self.state.seams:
            self.state.seams.remove(seam)
        self._verify_next()

    # -- budget -------------------------------------------------------------

    def _advance(self, page: int | None) -> None:
        self.out_of_budget = False
        if (
            page is not None
            and page in self.read_pages
            and self.mode in ("land", "back", "verify")
            and self.reused < 10_000
        ):
            # Read already in this run (the listing is the same): no request, no budget.
            self.reused += 1
            self.next_page = None
            self._take(page, self.read_pages[page])
            return
        if page is not None and self.pages_read >= self.max_pages:
            if self.mode == "back":
                self._give_up_back()
                return
            # The top still to read (nothing known there), or seams to check,
            # is not work left undone.
            self.out_of_budget = self.mode not in ("verify", "done", "top")
            page = None
        self.next_page = page
