"""Cost bounded by input size, and answers that are not the whole article asked for.

Hostile and broken origins, served by the sample site on 127.0.0.1, through
the real CLI.
"""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import SampleArticle, generated
from tests.conftest import posts, run_cli, wait_until
from tests.e2e.test_interrupts import start_crawl
from tests.hostile_articles import HOSTILE_MARKUP, cleaning_cost

OUTLET = '<p class="em_media">（文章来源：河北日报）</p>'
HOSTILE = HOSTILE_MARKUP


work = cleaning_cost


@pytest.mark.parametrize("kind", HOSTILE)
def test_cleaning_grows_linearly_with_the_body(kind):
    """Eight times the input costs about eight times the work, not sixty-four.

    A generous size-proportional bound, not a timed one: the ratio of two runs
    on this machine, with the small one repeated until it is measurable.
    """
    make = HOSTILE[kind]
    small, large = 25_000, 200_000
    body = f"<p>x</p>{make(small)}{OUTLET}"
    repeats = 1
    while (spent := sum(work(body) for _ in range(repeats))) < 0.05 and repeats < 512:
        repeats *= 2
    per_small = spent / repeats
    per_large = work(f"<p>x</p>{make(large)}{OUTLET}")
    assert per_large < max(per_small, 0.002) * 8 * 3, (kind, per_small, per_large)


def hostile_site(**faults) -> SampleSite:
    articles = [
        SampleArticle(
            f"HOST{n}",
            f"t{n}",
            "2022-05-20 10:00:00",
            "河北日报",
            f"<p>x</p>{make(200_000)}{OUTLET}",
        )
        for n, make in enumerate(HOSTILE.values())
    ]
    return SampleSite(articles + generated(3), **faults)


def test_hostile_bodies_cost_their_size_and_the_other_articles_are_archived(tmp_path):
    report = tmp_path / "r.json"
    with hostile_site() as site:
        result = run_cli(
            "crawl", *site.share_urls(), "-o", str(tmp_path / "o"), "--report", str(report), "-q",
            timeout=300,
        )  # fmt: skip
    data = json.loads(report.read_text("utf-8"))
    assert len(data["new"]) + len(data["failed"]) == len(site.order), result.stderr
    assert {f"GEN{n:010d}" for n in range(3)} <= set(data["new"])
    reasons = {f["url"].rsplit("=", 1)[1]: f["reason"] for f in data["failed"]}
    nested = f"HOST{list(HOSTILE).index('nested <div> (refused)')}"
    assert reasons == {nested: "markup nested deeper than 256 block elements"}
    assert result.code == 1


def test_a_body_over_the_size_cap_fails_with_the_setting_named(tmp_path):
    big = SampleArticle(
        "BIG1", "t", "2022-05-20 10:00:00", "河北日报", "<p>x</p>" * 80_000 + OUTLET
    )
    with SampleSite([big, *generated(2)]) as site:
        result = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "o"), "-q")
    assert result.code == 1
    assert (
        f"FAILED {site.share_url('BIG1')}: body of {len(big.text)} characters, over the 500000 limit (NEWSARCHIVER_MAX_BODY)"
        in result.stderr
    )
    assert len(posts(tmp_path / "o")) == 2


def test_large_bodies_are_cleaned_off_the_reactor_and_sigterm_stops_the_run(tmp_path):
    """A body of 64 KB or more is cleaned on a thread; SIGTERM mid-run is exit 130."""
    big = [
        SampleArticle(f"BIG{n}", "t", "2022-05-20 10:00:00", "河北日报", "<" * 400_000 + OUTLET)
        for n in range(3)
    ]
    urls = tmp_path / "urls.txt"
    log = tmp_path / "log.txt"
    with SampleSite([*big, *generated(60)], latency=0.05) as site:
        urls.write_text("\n".join(site.share_urls()) + "\n")
        proc = start_crawl(urls, tmp_path / "o", "--concurrency", "2", "--log-file", str(log), "-v")
        cleaning = f"Cleaning the body of {site.share_url('BIG0')}"
        # SIGTERM once BIG0 is being cleaned on its thread; 60 slow articles wait.
        wait_until(lambda: log.exists() and cleaning in log.read_text("utf-8"), cleaning, proc)
        proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 130, stderr
    text = log.read_text("utf-8")
    size = len(big[0].text)
    assert f"Cleaning the body of {site.share_url('BIG0')} ({size} characters) on a thread" in text
    # Small bodies stay on the reactor thread (a thread hop costs more than they do).
    assert not any("GEN" in line and "on a thread" in line for line in text.splitlines())


@pytest.mark.parametrize(
    "fault, reason",
    [
        ("cut", "share page: the page is cut short: #ContentBody is never closed"),
        ("short", "share page: connection lost"),
        ("gzip-cut", "share page: the page is cut short: #ContentBody is never closed"),
        ("redirect-other-id", "share page: redirected to another article ('OTHER1')"),
    ],
)
def test_an_incomplete_or_foreign_page_fails_and_the_next_run_archives_it(fault, reason, tmp_path):
    article, other = generated(2)
    code = article.code
    retried = 4 if fault == "short" else 1  # a lost connection is retried 3 times
    faults = {f"data:{code}": ["404"] * 2, f"page:{code}": [fault] * retried}
    reason = reason.replace("OTHER1", other.code)
    with SampleSite([article, other], faults=faults) as site:
        out = tmp_path / "o"
        args = (
            "crawl",
            site.share_url(code),
            "-o",
            str(out),
            "-q",
            "-s",
            "NEWSARCHIVER_RETRY_BACKOFF=0",
        )
        first = run_cli(*args)
        assert first.code == 1
        assert f"FAILED {site.share_url(code)}: data endpoint: HTTP 404; {reason}" in first.stderr
        assert posts(out) == {}
        again = run_cli(*args)
        assert again.code == 0, again.stderr
        assert list(posts(out)) == [f"{article.showtime[:10]}-{code}.md"]


@pytest.mark.parametrize(
    "fault, reason",
    [
        ("other-code", "data endpoint: the answer is another article ('OTHER1')"),
        ("redirect-other-id", "data endpoint: redirected to another article ('OTHER1')"),
    ],
)
def test_a_data_answer_for_another_article_is_not_archived_under_this_code(fault, reason, tmp_path):
    article, other = generated(2)
    faults = {f"data:{article.code}": [fault], f"page:{article.code}": ["404"]}
    reason = reason.replace("OTHER1", other.code) if "redirect" in fault else reason
    with SampleSite([article, other], faults=faults) as site:
        result = run_cli("crawl", site.share_url(article.code), "-o", str(tmp_path / "o"), "-q")
    assert result.code == 1
    assert f"{reason}; share page: HTTP 404" in result.stderr
    assert posts(tmp_path / "o") == {}


def test_dates_are_converted_to_beijing_time_or_refused_never_guessed(tmp_path):
    from tests.conftest import front_matter

    def dated(code: str, showtime: str) -> SampleArticle:
        return SampleArticle(code, "t", showtime, "河北日报", f"<p>x</p>{OUTLET}")

    articles = [
        dated("OFFSET1", "2022-05-20T20:56:47-07:00"),
        dated("ZULU1", "2022-05-20T02:56:47Z"),
        dated("FAR1", "99999-05-20 02:56:47"),
        dated("DIGIT1", "12022-05-01 10:00:00"),
        dated("EARLY1", "0001-01-01 00:00:00"),
    ]
    with SampleSite(articles) as site:
        result = run_cli("crawl", *site.share_urls(), "-o", str(tmp_path / "o"), "-q")
    assert result.code == 1
    written = posts(tmp_path / "o")
    assert set(written) == {"2022-05-21-OFFSET1.md", "2022-05-20-ZULU1.md"}
    assert str(front_matter(written["2022-05-21-OFFSET1.md"])["date"]).startswith(
        "2022-05-21 11:56:47"
    )
    assert b"date: 2022-05-20 10:56:47 +0800\n" in written["2022-05-20-ZULU1.md"]
    assert "FAR1: date '9999" not in result.stderr
    for code in ("FAR1", "DIGIT1", "EARLY1"):
        (line,) = [line for line in result.stderr.splitlines() if f"={code}:" in line]
        assert "date" in line, line
