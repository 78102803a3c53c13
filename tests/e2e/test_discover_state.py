"""Scheduled discovery across runs: whatever happened to the run before, nothing is lost.

Each case is a sequence of real ``discover`` processes against a listing of
300 articles, 10 a page, newest first, as cron would run them.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from newsarchiver.archive.layout import discovery_state as state_path
from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import free_port, posts, run_cli, start_cli
from tests.e2e.test_interrupts import assert_only_complete_files

ARTICLES = list(reversed(generated(300)))  # newest first, as the real listing


def listing_of(site: SampleSite) -> str:
    return site.listing_url(1, 10)


def archived_codes(output: Path) -> list[str]:
    return [name[11:-3] for name in posts(output)]


def assert_whole_listing(output: Path, site: SampleSite) -> None:
    """Every listed article archived once, and no temporary file anywhere."""
    codes = archived_codes(output)
    assert sorted(codes) == sorted(site.order)
    assert_only_complete_files(output)
    leftovers = [
        p for p in output.rglob("*") if p.name.startswith(".newsarchiver-") and p.is_file()
    ]
    assert leftovers == [] and not (output / ".newsarchiver-tmp").exists()


def discover(site: SampleSite, output: Path, *extra: str, report: Path | None = None):
    args = ["discover", listing_of(site), "-o", str(output), "-q", *extra]
    args += ["-s", "NEWSARCHIVER_RETRY_BACKOFF=0"]
    if report is not None:
        args += ["--report", str(report)]
    return run_cli(*args)


def until_caught_up(site: SampleSite, output: Path, *extra: str, runs: int = 10) -> int:
    """Run the same command until a run is caught up (reads one page); how many ran."""
    for number in range(1, runs + 1):
        site.requests.clear()
        result = discover(site, output, *extra)
        assert result.code == 0, result.stderr
        if dict(site.requests) == {"list:1": 1}:
            return number
    raise AssertionError(f"not caught up after {runs} runs")


def start_discover(site: SampleSite, output: Path) -> subprocess.Popen:
    return start_cli("discover", listing_of(site), "-o", str(output))


@pytest.mark.parametrize("seed", range(2))  # seeds 2 to 11: tests/slow/test_random_kills.py
def test_a_run_stopped_at_a_random_point_loses_nothing_for_the_next(seed, tmp_path):
    stop_at_a_random_point(seed, tmp_path)


def stop_at_a_random_point(seed: int, tmp_path: Path) -> None:
    """A discover run stopped (SIGTERM, SIGINT twice or SIGKILL, chosen by ``seed``)
    while paging: only whole files left, and the next runs catch up on every article."""
    rng = random.Random(seed)
    how = rng.choice(["SIGTERM", "SIGINT twice", "SIGKILL"])
    out = tmp_path / "o"
    with SampleSite(ARTICLES, latency=0.01) as site:
        proc = start_discover(site, out)
        # Somewhere while paging: from before the first page to well into the articles.
        deadline = time.monotonic() + 60
        wanted = rng.randint(0, 120)
        while time.monotonic() < deadline and proc.poll() is None:
            if len(site.requests) > wanted:
                break
            time.sleep(0.005)
        if how == "SIGKILL":
            proc.kill()
        elif how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        else:
            proc.send_signal(signal.SIGINT)
            time.sleep(rng.random() * 0.3)
            proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
        assert_only_complete_files(out) if (out / "_posts").exists() else None
        until_caught_up(site, out)
    assert_whole_listing(out, site)


def test_articles_that_failed_are_retried_by_the_next_runs_without_a_flag(tmp_path):
    out = tmp_path / "o"
    report = tmp_path / "r.json"
    later = [ARTICLES[137].code, ARTICLES[254].code]  # pages 14 and 26
    faults = {f"data:{code}": ["500"] * 4 for code in later}
    faults |= {f"page:{code}": ["500"] * 4 for code in later}
    with SampleSite(ARTICLES, faults=faults) as site:
        first = discover(site, out, "--max-pages", "40", report=report)
        assert first.code == 1
        failed = {f["url"] for f in json.loads(report.read_text("utf-8"))["failed"]}
        assert failed == {site.share_url(code) for code in later}
        assert len(posts(out)) == 298
        site.requests.clear()
        second = discover(site, out, report=report)
        assert second.code == 0, second.stderr
        # The listing's first page, then the two articles again; no other listing page.
        assert {k for k in site.requests if k.startswith("list:")} == {"list:1"}
        assert sorted(json.loads(report.read_text("utf-8"))["new"]) == sorted(later)
    assert_whole_listing(out, site)


def test_an_article_that_keeps_failing_is_given_up_once_and_loudly(tmp_path):
    out = tmp_path / "o"
    report = tmp_path / "r.json"
    bad = ARTICLES[3].code
    faults = {f"data:{bad}": ["500"] * 100, f"page:{bad}": ["500"] * 100}
    with SampleSite(ARTICLES[:30], faults=faults) as site:
        give_up = ("-s", "NEWSARCHIVER_GIVE_UP_AFTER=3", "-s", "RETRY_TIMES=0")
        for _ in range(2):
            result = discover(site, out, *give_up, report=report)
            assert result.code == 1 and "warning" not in result.stderr
        site.requests.clear()
        third = discover(site, out, *give_up, report=report)
        assert third.code == 1
        data = json.loads(report.read_text("utf-8"))
        assert data["given_up"] == [
            {"url": site.share_url(bad), "reason": "data endpoint: HTTP 500; share page: HTTP 500"}
        ]
        (warning,) = [line for line in third.stderr.splitlines() if "warning" in line]
        assert f"gave up on {site.share_url(bad)} after failing in 3 runs" in warning
        site.requests.clear()
        fourth = discover(site, out, *give_up, report=report)
        assert fourth.code == 0 and fourth.stderr == ""
        assert f"data:{bad}" not in site.requests  # given up: not asked for again
    assert len(posts(out)) == 29


def test_max_pages_is_a_budget_per_run_that_repeated_runs_catch_up_with(tmp_path):
    out = tmp_path / "o"
    with SampleSite(ARTICLES) as site:
        for number in range(7):  # 30 pages, 5 a run: ceil(30 / 5) + 1 runs
            result = discover(site, out, "--max-pages", "5")
            assert result.code == 0
            assert ("--max-pages limit" in result.stderr) == (number < 6), result.stderr
        data = [v for k, v in site.requests.items() if k.startswith("data:")]
        assert len(data) == 300 and set(data) == {1}  # each article fetched once
        assert_whole_listing(out, site)
        # Then the pages left in each run's budget check where runs met; silent, no fetch.
        assert until_caught_up(site, out, "--max-pages", "5") <= 4
        assert not [k for k in site.requests if k.startswith("data:")]
    assert_whole_listing(out, site)


def test_an_article_archived_by_crawl_does_not_stop_paging(tmp_path):
    out = tmp_path / "o"
    with SampleSite(ARTICLES) as site:
        assert run_cli("crawl", site.share_url(ARTICLES[14].code), "-o", str(out)).code == 0
        result = discover(site, out, "--max-pages", "40")
        assert result.code == 0, result.stderr
        assert_whole_listing(out, site)
        # Caught up now: the next run reads one page and fetches nothing.
        assert until_caught_up(site, out) == 1


def test_a_stopped_run_is_continued_first_and_new_articles_at_the_top_then(tmp_path):
    out = tmp_path / "o"
    with SampleSite(ARTICLES[25:]) as site:
        assert discover(site, out, "--max-pages", "3").code == 0
        # 25 newer articles arrive at the top, shifting everything read by 2.5 pages.
        site.articles = {a.code: a for a in ARTICLES}
        site.order = [a.code for a in ARTICLES]
        site.requests.clear()
        assert discover(site, out, "--max-pages", "7").code == 0
        # On from where the first run stopped (found by its codes, 2.5 pages lower),
        # not from the top: no article of the first 3 pages is asked for.
        pages = sorted(int(k[5:]) for k in site.requests if k.startswith("list:"))
        assert 1 not in pages and pages[-1] >= 9
        assert not {f"data:{a.code}" for a in ARTICLES[:25]} & set(site.requests)
        until_caught_up(site, out, "--max-pages", "40")
    assert_whole_listing(out, site)


def test_a_listing_host_that_does_not_answer_ends_the_run_with_one_line(tmp_path):
    listing = f"http://127.0.0.1:{free_port()}/NewsData/GetNewsList.do?page=1&size=10"
    result = run_cli("discover", listing, "-o", str(tmp_path / "o"), "-q")
    assert result.code == 1
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if "FAILED" in line] == [
        f"  FAILED {listing}: listing: connection refused after 3 retries"
    ]
    assert len(lines) == 2  # and the summary above it


def test_a_listing_that_repeats_itself_stops_with_one_warning(tmp_path):
    class Repeating(SampleSite):
        def listing(self, page, size, key="nodeList", code_key="infocode"):
            return super().listing(1, size, key, code_key)  # ignores the page number

    out = tmp_path / "o"
    with Repeating(ARTICLES) as site:
        result = discover(site, out)
        assert result.code == 0
        assert {k for k in site.requests if k.startswith("list:")} == {"list:1", "list:2"}
        (line,) = result.stderr.strip().splitlines()
        assert "page 2 repeats page 1" in line
        assert len(posts(out)) == 10
        site.requests.clear()
        again = discover(site, out)
        assert again.code == 0 and again.stderr == ""
        assert dict(site.requests) == {"list:1": 1}


def test_a_stopped_crawl_reports_the_urls_it_never_reached(tmp_path):
    from tests.conftest import wait_for_posts
    from tests.e2e.test_interrupts import start_crawl

    out = tmp_path / "o"
    report = tmp_path / "r.json"
    with SampleSite(ARTICLES, latency=0.02) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()) + "\n")
        proc = start_crawl(urls, out, "--report", str(report), "--concurrency", "2")
        wait_for_posts(out, 5, proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    data = json.loads(report.read_text("utf-8"))
    assert data["not_reached"], stderr
    accounted = [u for key in ("new", "unchanged", "updated") for u in data[key]]
    assert len(data["new"]) == len(posts(out))
    outcomes = len(accounted) + len(data["failed"]) + len(data["not_reached"])
    assert outcomes == 300
    assert set(data["not_reached"]) <= set(site.share_urls())
    assert f"{len(data['not_reached'])} not reached" in stderr


def test_a_state_that_cannot_be_read_counts_as_none_with_one_warning(tmp_path):
    out = tmp_path / "o"
    with SampleSite(ARTICLES[:30]) as site:
        path = state_path(out, listing_of(site))
        path.parent.mkdir(parents=True)
        data = {"version": 2, "listing": listing_of(site), "page_size": "abc"}
        path.write_text(json.dumps(data))
        result = discover(site, out)
        assert result.code == 0
        (line,) = result.stderr.strip().splitlines()
        assert f"discovery state {path} unusable (malformed" in line
        assert "reading the listing as if it were new" in line
        assert len(posts(out)) == 30
        again = discover(site, out)  # the state was saved anew: silent
        assert again.code == 0 and again.stderr == ""
