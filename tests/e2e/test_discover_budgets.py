"""discover as cron runs it, against the sample site: any budget catches up, the
listing may change under it, and a state it cannot keep fails the run.

Each case is a sequence of real ``discover -q`` processes (issue 26's table and holes).
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import pytest

from newsarchiver.archive.layout import discovery_state
from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import posts, run_cli


def newest_first(count: int):
    return list(reversed(generated(count)))


def discover(listing: str, out: Path, *extra: str):
    return run_cli(
        "discover", listing, "-o", str(out), "-q", "-s", "NEWSARCHIVER_RETRY_BACKOFF=0", *extra
    )


def archived(out: Path) -> set[str]:
    return {name[11:-3] for name in posts(out)}


def fetched(site: SampleSite) -> dict[str, int]:
    return {k[5:]: v for k, v in site.requests.items() if k.startswith("data:")}


class Resizing(SampleSite):
    """A site whose page size is its own (``page_size``), whatever the URL asks."""

    page_size = 10

    def listing(self, page, size, key="nodeList", code_key="infocode"):
        return super().listing(page, self.page_size, key, code_key)


@pytest.mark.parametrize(
    ("total", "size", "budget"), [(12, 2, 1), (20, 3, 1), (30, 4, 2), (12, 5, 2)]
)
def test_every_budget_catches_up_in_ceil_p_over_b_plus_one_runs(tmp_path, total, size, budget):
    out = tmp_path / "o"
    articles = newest_first(total)
    runs = math.ceil(math.ceil(total / size) / budget) + 1
    with SampleSite(articles) as site:
        listing = site.listing_url(1, size)
        warned = []
        for _ in range(runs):
            result = discover(listing, out, "--max-pages", str(budget))
            assert result.code == 0, result.stderr
            warned.append("--max-pages limit" in result.stderr)
        # True while pages were left to read, then never again.
        assert warned[0] and not warned[-1] and warned == sorted(warned, reverse=True)
        assert archived(out) == {a.code for a in articles}
        assert set(fetched(site).values()) == {1}  # each article fetched once
        # Caught up: later ticks print nothing, fetch nothing, exit 0.
        site.requests.clear()
        for _ in range(6):
            result = discover(listing, out, "--max-pages", str(budget))
            assert result.code == 0 and result.stderr == ""
        assert fetched(site) == {}


def test_the_budget_warning_names_the_pages_and_is_said_once_a_run(tmp_path):
    out = tmp_path / "o"
    with SampleSite(newest_first(12)) as site:
        result = discover(site.listing_url(1, 2), out, "--max-pages", "1")
        (line,) = result.stderr.strip().splitlines()
        assert line.endswith(
            "read 1 page (the --max-pages limit) before catching up; "
            "the next run reads on from where this one stopped"
        )


def test_articles_withdrawn_above_where_runs_stopped_hide_nothing(tmp_path):
    out = tmp_path / "o"
    articles = newest_first(37)
    with SampleSite(articles) as site:
        listing = site.listing_url(1, 5)
        assert discover(listing, out, "--max-pages", "2").code == 0
        for code in (articles[3].code, articles[4].code, articles[12].code):
            site.order.remove(code)  # withdrawn by the site between runs
        for _ in range(12):
            assert discover(listing, out, "--max-pages", "2").code == 0
        assert archived(out) >= set(site.order)
        assert set(fetched(site).values()) == {1}


def test_a_page_that_failed_once_then_withdrawals_above_it(tmp_path):
    out = tmp_path / "o"
    articles = newest_first(40)
    with SampleSite(articles, faults={"list:2": ["500"] * 4}) as site:
        listing = site.listing_url(1, 10)
        first = discover(listing, out)
        assert first.code == 1  # the page is named as failed
        for code in [a.code for a in articles[:3]]:
            site.order.remove(code)
        for _ in range(3):
            result = discover(listing, out)
            assert result.code == 0, result.stderr
        assert archived(out) >= set(site.order)


def test_a_site_that_shrinks_its_pages_is_followed(tmp_path):
    out = tmp_path / "o"
    articles = newest_first(100)
    with Resizing(articles) as site:
        listing = site.listing_url(1, 10)
        assert discover(listing, out, "--max-pages", "2").code == 0
        site.page_size = 5
        for _ in range(12):
            assert discover(listing, out, "--max-pages", "2").code == 0
        assert archived(out) == {a.code for a in articles}
        assert set(fetched(site).values()) == {1}


def test_full_every_reads_the_listing_again_and_finds_a_late_insertion(tmp_path):
    out = tmp_path / "o"
    articles = newest_first(41)
    late, listed = articles[0], articles[1:]
    with SampleSite(listed) as site:
        listing = site.listing_url(1, 5)
        assert discover(listing, out, "--full-every", "3").code == 0
        site.articles[late.code] = late
        site.order.insert(7, late.code)  # published late: page 2
        found = None
        for number in range(1, 5):
            assert discover(listing, out, "--full-every", "3").code == 0
            if late.code in archived(out):
                found = number
                break
        assert found == 3  # the third run after is a full read
        assert set(fetched(site).values()) == {1}


class WithBadEntry(SampleSite):
    bad = "NW-BAD/../1"

    def listing(self, page, size, key="nodeList", code_key="infocode"):
        data = super().listing(page, size, key, code_key)
        if page == 1 and self.bad:
            data["nodeList"].insert(1, {"infocode": self.bad, "title": "x"})
        return data


def test_an_invalid_listing_entry_fails_once_and_is_given_up(tmp_path):
    out = tmp_path / "o"
    report = tmp_path / "r.json"
    with WithBadEntry(newest_first(6)) as site:
        listing = site.listing_url(1, 10)
        first = discover(listing, out, "--report", str(report))
        assert first.code == 1
        data = json.loads(report.read_text("utf-8"))
        (failure,) = data["failed"]
        assert "invalid code 'NW-BAD/../1'" in failure["reason"]
        assert data["given_up"] == [failure]
        assert len(posts(out)) == 6
        second = discover(listing, out)
        assert second.code == 0 and second.stderr == ""
        site.bad = ""  # the listing drops it: nothing is pending either
        third = discover(listing, out)
        assert third.code == 0 and third.stderr == ""
        state = json.loads(discovery_state(out, listing).read_text("utf-8"))
        assert state["pending"] == [] and state["failed"] == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_state_folder_that_is_read_only_fails_the_run(tmp_path):
    out = tmp_path / "o"
    with SampleSite(newest_first(12)) as site:
        listing = site.listing_url(1, 5)
        folder = discovery_state(out, listing).parent
        folder.mkdir(parents=True)
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            result = discover(listing, out)
        finally:
            folder.chmod(0o755)
    assert result.code == 4
    assert f"cannot save the discovery state {discovery_state(out, listing)}" in result.stderr


def test_a_state_file_that_is_a_folder_fails_the_run_with_one_line(tmp_path):
    out = tmp_path / "o"
    with SampleSite(newest_first(12)) as site:
        listing = site.listing_url(1, 5)
        path = discovery_state(out, listing)
        path.mkdir(parents=True)
        result = discover(listing, out)
    assert result.code == 4
    lines = result.stderr.strip().splitlines()
    assert len([line for line in lines if "not a regular file" in line]) == 1  # one warning
    assert [line for line in lines if "stopped:" in line] == [
        f"newsarchiver: stopped: cannot save the discovery state {path}: Is a directory"
    ]
    assert "Traceback" not in result.stderr


def test_a_state_file_that_is_a_fifo_does_not_hang_the_run(tmp_path):
    out = tmp_path / "o"
    with SampleSite(newest_first(12)) as site:
        listing = site.listing_url(1, 5)
        path = discovery_state(out, listing)
        path.parent.mkdir(parents=True)
        os.mkfifo(path)
        result = discover(listing, out)  # run_cli's time-out fails a hang
        assert result.code == 0, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert f"discovery state {path} unusable (not a regular file)" in line
        assert len(posts(out)) == 12
        assert path.is_file()  # saved anew over it
        again = discover(listing, out)
        assert again.code == 0 and again.stderr == ""
