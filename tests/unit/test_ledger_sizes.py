"""State stays bounded in history (issue 28 item 6): after 10,000 runs the discovery
state and the owed-images ledger are under a fixed size, whatever the archive holds.

On the pure state: the walk of ``tests/unit/test_discovery.py`` over a listing that
grows every run, with kills, failing pages, removals and articles that never
succeed (given up after 10 runs).
"""

from __future__ import annotations

import random
import zlib

from newsarchiver.archive.discovery import GIVEN_UP_KEPT, MAX_SEAMS, ListingState
from newsarchiver.archive.index import OWED_KEPT, OwedImages
from tests.unit.test_discovery import Listing

STATE_BOUND = 2 * 1024 * 1024  # bytes: 10,000 given-up codes and 512 seams at most


def test_the_discovery_state_stays_bounded_over_10000_runs(tmp_path):
    rng = random.Random(28)
    listing, state = Listing(200, 20), ListingState("listing")
    path = tmp_path / "state.json"
    sizes = []
    for run in range(10_000):
        listing.arrive(rng.choice([0, 1, 2, 3, 5, 30]))
        if rng.random() < 0.02:
            listing.remove([rng.randrange(1000) for _ in range(2)])
        asked = len(listing.asked)
        killed = 1 if rng.random() < 0.1 else None
        failing = {rng.randrange(1, 5)} if rng.random() < 0.05 else ()
        listing.run(state, rng.choice([1, 2, 3, 20]), killed=killed, failing=failing)
        state.asked(listing.asked[asked:])
        for code in state.to_retry():  # one article in 50 never succeeds
            never = zlib.crc32(code.encode()) % 50 == 0
            state.settled(code, "answer refused" if never else None, 10)
        if run % 1000 == 999:
            state.save(path, fsync=False)
            sizes.append(path.stat().st_size)
    assert max(sizes) < STATE_BOUND, sizes
    assert len(state.given_up) <= GIVEN_UP_KEPT and len(state.seams) <= MAX_SEAMS
    assert len(state.given_up) > 100  # the runs did give articles up
    again = ListingState.load(path, "listing")  # reading it back stays cheap and whole
    assert again.given_up == state.given_up and again.regions == state.regions


def test_the_owed_images_ledger_keeps_the_latest_failures_and_drops_the_given_up(
    tmp_path, monkeypatch
):
    import newsarchiver.archive.index as index

    assert OWED_KEPT == 10_000
    monkeypatch.setattr(index, "OWED_KEPT", 500)  # the same rule, a smaller file to rewrite
    owed = OwedImages(tmp_path, give_up_after=3)
    for run in range(10_000):  # each run: one new article whose images fail
        owed.failed(f"NW{run:06d}")
    assert len(owed.runs) == 500
    assert owed.path.stat().st_size < 40 * 500
    last = "NW009999"
    assert last in owed and "NW000000" not in owed  # the oldest given up
    assert owed.failed(last) is False and owed.failed(last) is True  # third failure
    assert last not in owed and last not in OwedImages(tmp_path, 3).runs
