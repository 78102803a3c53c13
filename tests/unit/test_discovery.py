"""The discovery walk itself (``archive/discovery.py``), against a simulated listing.

A listing is a list of codes, newest first, served ``size`` a page. Between
runs articles arrive at the top, are withdrawn from anywhere, the page size
changes; runs are killed, pages fail. Whatever went before, healthy runs then
reach every article, each asked for once, and settle to reading one page.
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchiver.archive.discovery import ListingState, Walk


class Listing:
    """A listing as the site serves it, and what the archive holds of it."""

    def __init__(self, total: int, size: int) -> None:
        self.codes = [f"C{n}" for n in reversed(range(total))]
        self.size = size
        self.archived: set[str] = set()
        self.asked: list[str] = []  # every code asked for, in order, repeats included
        self.born = total

    def arrive(self, count: int) -> None:
        self.codes[:0] = [f"N{self.born + n}" for n in range(count)]
        self.born += count

    def remove(self, positions: list[int]) -> None:
        for position in positions:
            if self.codes:
                del self.codes[position % len(self.codes)]

    def page(self, number: int) -> list[str]:
        return self.codes[(number - 1) * self.size : number * self.size]

    def run(self, state, budget, killed=None, failing=(), refresh=False, full_every=0):
        """One discover run: the pages it read (a failed one as -page)."""
        walk = Walk(state, budget, refresh, full_every=full_every)
        pages: list[int] = []
        while walk.next_page is not None and (killed is None or walk.pages_read < killed):
            number = walk.next_page
            assert len(pages) < 10_000, "the walk does not end"
            if number in failing:
                pages.append(-number)
                walk.missed(number)
                continue
            codes = self.page(number)
            pages.append(number)
            walk.read(number, codes)
            # As the spider: what a page lists and is not archived is asked for.
            fresh = [c for c in codes if c not in self.archived]
            self.asked += fresh
            self.archived.update(fresh)
        return walk, pages


def settle(listing: Listing, state: ListingState, budget: int, runs: int = 400) -> int:
    """Healthy runs until one reads one page and leaves nothing to check; how many it took.

    With one page a run, the places where runs met are not checked (a check needs
    two pages of one state of the listing): they may stay."""
    for number in range(1, runs + 1):
        walk, pages = listing.run(state, budget)
        unchecked = state.seams and budget > 1
        settled = state.complete and not unchecked and not state.full_due
        if pages == [1] and not walk.out_of_budget and settled:
            return number
    raise AssertionError(f"not settled after {runs} runs: {state}")


def assert_each_listed_archived_once(listing: Listing) -> None:
    missing = [c for c in listing.codes if c not in listing.archived]
    assert missing == [], f"never archived: {missing}"
    assert len(listing.asked) == len(set(listing.asked)), "an article was asked for twice"


@pytest.mark.parametrize(
    ("total", "size", "budget"),
    [(12, 2, 1), (20, 3, 1), (30, 4, 2), (12, 5, 2), (300, 10, 5), (1, 1, 1), (0, 10, 1)],
)
def test_any_budget_catches_up_in_ceil_p_over_b_plus_one_runs(total, size, budget):
    listing = Listing(total, size)
    state = ListingState("L")
    pages = max(math.ceil(total / size), 1)
    for _ in range(math.ceil(pages / budget) + 1):
        walk, _ = listing.run(state, budget)
    assert_each_listed_archived_once(listing)
    assert state.complete and not walk.out_of_budget
    settle(listing, state, budget)


def test_the_budget_warning_is_only_for_runs_that_left_something_unread():
    listing = Listing(12, 2)  # 6 pages
    state = ListingState("L")
    warned = [listing.run(state, 1)[0].out_of_budget for _ in range(7)]
    assert warned == [True] * 6 + [False]
    asked = len(listing.asked)
    for _ in range(30):
        walk, pages = listing.run(state, 1)
        assert pages == [1] and not walk.out_of_budget
    assert len(listing.asked) == asked == 12


def test_a_partial_last_page_ends_the_catch_up_without_a_warning_every_run():
    listing = Listing(12, 5)
    state = ListingState("L")
    for _ in range(3):
        listing.run(state, 2)
    assert_each_listed_archived_once(listing)
    for _ in range(4):
        walk, _ = listing.run(state, 2)
        assert not walk.out_of_budget
    assert settle(listing, state, 2) == 1


def test_a_page_size_that_shrinks_between_runs_is_followed():
    listing = Listing(100, 10)
    state = ListingState("L")
    listing.run(state, 2)
    listing.size = 5
    for _ in range(25):
        listing.run(state, 2)
    assert_each_listed_archived_once(listing)
    settle(listing, state, 2)


def test_an_article_withdrawn_above_where_a_run_stopped_does_not_hide_the_next():
    listing = Listing(37, 5)
    state = ListingState("L")
    listing.run(state, 2)  # pages 1 and 2: C36 .. C27
    listing.remove([3, 4, 5])  # three of them withdrawn
    for _ in range(12):
        listing.run(state, 2)
    assert_each_listed_archived_once(listing)
    settle(listing, state, 2)


def test_a_page_that_failed_once_then_articles_withdrawn_above_it():
    listing = Listing(40, 10)
    state = ListingState("L")
    listing.run(state, 20, failing={2})
    listing.remove([0, 1, 2])
    for _ in range(5):
        listing.run(state, 20)
    assert_each_listed_archived_once(listing)
    settle(listing, state, 20)


def test_a_full_re_read_every_n_runs_finds_an_article_inserted_below_the_top():
    listing = Listing(40, 10)
    state = ListingState("L")
    listing.run(state, 20)
    listing.codes.insert(15, "LATE")  # on page 2
    runs = 0
    while "LATE" not in listing.archived:
        runs += 1
        assert runs <= 4
        listing.run(state, 20, full_every=3)
    assert runs == 3


# 1,000 in CI (the bar); fewer for a quick local run.
EXAMPLES = int(os.environ.get("NEWSARCHIVER_WALK_EXAMPLES", "1000"))
healthy_budgets = st.sampled_from([1, 2, 3, 4, 5, 1000])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    total=st.integers(1, 200),
    size=st.integers(1, 50),
    runs=st.lists(
        st.fixed_dictionaries(
            {
                "arrivals": st.integers(0, 12),
                "removed": st.lists(st.integers(0, 10_000), max_size=3),
                "budget": healthy_budgets,
                "killed": st.none() | st.integers(0, 6),
                "failing": st.sets(st.integers(1, 12), max_size=2),
                "size": st.none() | st.integers(1, 50),
            }
        ),
        max_size=8,
    ),
    # One page a run cannot see two pages of one state of the listing: its seam
    # checks span runs, which articles withdrawn meanwhile can fool (tested below).
    final_budget=st.sampled_from([2, 3, 4, 5, 1000]),
)
def test_whatever_went_before_healthy_runs_archive_every_article_once(
    total, size, runs, final_budget
):
    listing = Listing(total, size)
    state = ListingState("L")
    for run in runs:
        listing.arrive(run["arrivals"])
        listing.remove(run["removed"])
        if run["size"] is not None:
            listing.size = run["size"]
        listing.run(state, run["budget"], run["killed"], run["failing"])
    settle(listing, state, final_budget, runs=2000)
    assert_each_listed_archived_once(listing)


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(0, 120),
    size=st.integers(1, 20),
    budget=st.integers(2, 5),
    arrivals=st.lists(st.integers(0, 100), min_size=30, max_size=30),
)
def test_with_articles_arriving_a_budget_still_catches_up_and_stays_so(
    total, size, budget, arrivals
):
    listing = Listing(total, size)
    state = ListingState("L")
    for count in arrivals:
        # Fewer than the budget's pages' worth a run, and then nothing.
        listing.arrive(count % max(budget * size // 2, 1))
        listing.run(state, budget)
    settle(listing, state, budget, runs=2000)
    assert_each_listed_archived_once(listing)
    for _ in range(3):
        listing.arrive(min(size - 1, 3))
        walk, pages = listing.run(state, budget)
        assert not walk.out_of_budget
    assert_each_listed_archived_once(listing)


@settings(max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    total=st.integers(1, 120),
    size=st.integers(1, 20),
    runs=st.lists(
        st.tuples(st.integers(0, 12), st.none() | st.integers(0, 3), st.sets(st.integers(1, 9))),
        max_size=8,
    ),
)
def test_one_page_a_run_archives_every_article_once_too(total, size, runs):
    listing = Listing(total, size)
    state = ListingState("L")
    for arrivals, killed, failing in runs:
        listing.arrive(arrivals)
        listing.run(state, 1, killed, failing)
    settle(listing, state, 1, runs=3000)
    assert_each_listed_archived_once(listing)
