"""Discovery from listing endpoints, and incremental runs, end to end."""

from __future__ import annotations

import json

import pytest

from newsarchiver.archive import ArchiveIndex
from newsarchiver.extract import ExtractError, codes_from_listing
from newsarchiver.sample_site import ARTICLES, SampleSite
from tests.conftest import posts, run_cli


@pytest.mark.parametrize(
    "data, codes",
    [
        ({"nodeList": [{"infocode": "A1"}, {"infoCode": "B2"}]}, ["A1", "B2"]),
        ({"record": [{"infoCode": "A1", "title": "t"}]}, ["A1"]),
        ({"records": [{"infocode": "A1"}, {"title": "no code"}, "junk"]}, ["A1"]),
        ({"data": [{"infocode": "A1"}]}, ["A1"]),
        ({"data": {"records": [{"infoCode": "A1"}]}}, ["A1"]),
        ({"nodeList": []}, []),
    ],
)
def test_codes_from_every_listing_shape(data, codes):
    assert codes_from_listing(json.dumps(data).encode()) == codes


@pytest.mark.parametrize("body", [b"{not json", b'{"result": null}', b'"text"', b"[]x"])
def test_malformed_listings_raise(body):
    with pytest.raises(ExtractError, match="malformed listing"):
        codes_from_listing(body)


def discover(site, out, *listings, extra=()):
    report = out.parent / "report.json"
    result = run_cli(
        "discover",
        *listings,
        "--source-base",
        site.base_url,
        "-o",
        str(out),
        "--report",
        str(report),
        *extra,
    )
    return result, json.loads(report.read_text("utf-8"))


def test_discover_archives_listed_articles_and_reports_bad_listings(tmp_path):
    with SampleSite(faults={"list:3": ["malformed"], "list:4": ["nolist"]}) as site:
        good = [
            site.listing_url(1, 5) + "&key=records&codekey=infoCode",
            site.listing_url(2, 5) + "&key=data.records",
        ]
        bad = [
            site.listing_url(3, 5),
            site.listing_url(4, 5),
            f"{site.base_url}/missing",
            "ftp://127.0.0.1/list",
        ]
        # One page of each: these listings are about shapes and failures, not paging.
        result, report = discover(site, tmp_path / "out", *good, *bad, extra=["--max-pages", "1"])
    assert result.code == 1, result.stderr
    assert sorted(report["new"]) == sorted(site.order[:10])
    reasons = {f["url"]: f["reason"] for f in report["failed"]}
    assert set(reasons) == set(bad)
    assert "malformed listing JSON" in reasons[bad[0]]
    assert "malformed listing: no entries" in reasons[bad[1]]
    assert reasons[bad[2]] == "listing: HTTP 404"
    assert "not an http or https listing URL" in reasons[bad[3]]
    assert len(posts(tmp_path / "out")) == 10
    assert "10 new, 0 updated, 0 unchanged, 4 failed" in result.stderr


def test_discover_is_incremental_and_refresh_refetches(tmp_path):
    out = tmp_path / "out"
    with SampleSite() as site:
        first, _ = discover(site, out, site.listing_url(1, 6), extra=["--max-pages", "1"])
        assert first.code == 0
        before = sum(site.requests.values())
        result, report = discover(site, out, site.listing_url(1, 50))
        assert result.code == 0
        assert sorted(report["unchanged"]) == sorted(site.order[:6])
        assert sorted(report["new"]) == sorted(site.order[6:])
        # Another listing URL, so no state of its own: read to its end (the empty page 2),
        # then only the articles not archived yet (page fallbacks counted).
        assert all(site.requests[f"data:{code}"] == 1 for code in site.order)
        assert sum(site.requests.values()) - before == 2 + sum(
            1 + (site.articles[c].data_keys is None) for c in site.order[6:]
        )
        again = sum(site.requests.values())
        result, report = discover(site, out, site.listing_url(1, 50), extra=["--refresh"])
        assert result.code == 0
        assert sorted(report["unchanged"]) == sorted(site.order)
        assert site.requests[f"data:{ARTICLES[0].code}"] == 2
        assert sum(site.requests.values()) > again


def test_index_is_built_by_one_scan(tmp_path, monkeypatch):
    import os

    for sub in ("_posts", "old_post"):
        (tmp_path / sub).mkdir()
    for number in range(2000):
        sub = "_posts" if number % 2 else "old_post"
        (tmp_path / sub / f"2022-05-20-C{number}.md").write_text("x")
    (tmp_path / "_posts" / "notes.txt").write_text("x")
    index = ArchiveIndex(tmp_path).load()
    assert len(index) == 2000

    def no_scan(*args, **kwargs):
        raise AssertionError("a lookup touched the disk")

    monkeypatch.setattr(os, "scandir", no_scan)
    monkeypatch.setattr(os, "listdir", no_scan)
    assert all(f"C{n}" in index for n in range(2000))
    assert "C2000" not in index
    assert index.path("C1").parent.name == "_posts"
    monkeypatch.undo()
    (tmp_path / "old_post" / "2022-05-19-C1.md").write_text("x")  # a code in both folders
    both = ArchiveIndex(tmp_path).load()
    assert both.path("C1") == tmp_path / "_posts" / "2022-05-20-C1.md"  # _posts/ wins
    both.record("C1", tmp_path / "old_post" / "2022-05-21-C1.md")
    assert both.path("C1") == tmp_path / "old_post" / "2022-05-21-C1.md"  # the last recorded
    assert len(both) == 2000 and not both.added


def test_paging_until_caught_up_then_one_page(tmp_path):
    from newsarchiver.sample_site.articles import generated

    newest_first = list(reversed(generated(230)))
    out = tmp_path / "o"
    with SampleSite(newest_first) as site:
        oldest = [site.share_url(a.code) for a in newest_first[200:]]
        assert run_cli("crawl", *oldest, "-o", str(out)).code == 0
        site.requests.clear()
        listing = site.listing_url(1, 50)
        first = run_cli("discover", listing, "-o", str(out))
        assert first.code == 0, first.stderr
        assert len(posts(out)) == 230
        pages = {k: v for k, v in site.requests.items() if k.startswith("list:")}
        # What crawl archived (page 5) does not stop paging: the listing's end (page 6) does.
        assert pages == {f"list:{n}": 1 for n in range(1, 7)}
        assert sum(v for k, v in site.requests.items() if k.startswith("data:")) == 200
        site.requests.clear()
        again = run_cli("discover", listing, "-o", str(out))
        assert again.code == 0, again.stderr
        assert dict(site.requests) == {"list:1": 1}


def test_paging_stops_at_max_pages_with_a_warning_cron_sees(tmp_path):
    from newsarchiver.sample_site.articles import generated

    report = tmp_path / "r.json"
    with SampleSite(generated(230)) as site:
        listing = site.listing_url(1, 50).replace("page=1", "page={page}")
        result = run_cli(
            "discover", listing, "-o", str(tmp_path / "o"), "--max-pages", "3", "-q",
            "--report", str(report),
        )  # fmt: skip
        assert result.code == 0, result.stderr
        assert {k for k in site.requests if k.startswith("list:")} == {"list:1", "list:2", "list:3"}
    assert len(posts(tmp_path / "o")) == 150
    # Quiet, as from cron: the warning is the only line.
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"newsarchiver: warning: listing {listing}: read 3 pages")
    assert "the next run reads on from where this one stopped" in line
    assert len(json.loads(report.read_text("utf-8"))["warnings"]) == 1


class ShiftingSite(SampleSite):
    """A listing that moves while it is read: each page starts with the last code of the one before."""

    def listing(self, page: int, size: int, key: str = "nodeList", code_key: str = "infocode"):
        start = max((page - 1) * size - 1, 0)
        codes = self.order[start : page * size]
        return {key: [{code_key: code} for code in codes], "page": page}


def test_moving_listing_fetches_each_code_once_and_a_failed_page_costs_only_itself(tmp_path):
    from newsarchiver.sample_site.articles import generated

    report = tmp_path / "r.json"
    with ShiftingSite(generated(40), faults={"list:2": ["500"] * 4}) as site:
        result = run_cli(
            "discover", site.listing_url(1, 10), "-o", str(tmp_path / "o"),
            "--report", str(report), "-s", "NEWSARCHIVER_RETRY_BACKOFF=0",
        )  # fmt: skip
        data_requests = {k: v for k, v in site.requests.items() if k.startswith("data:")}
    assert result.code == 1
    data = json.loads(report.read_text("utf-8"))
    (failed,) = data["failed"]
    assert failed["url"] == site.listing_url(2, 10) and "HTTP 500" in failed["reason"]
    # Page 2 failed: its articles but the one page 3 repeats are missing; the rest archived once.
    assert set(data_requests.values()) == {1}
    assert len(posts(tmp_path / "o")) == 40 - 9
    assert len(data["duplicate"]) == 2  # the repeats at the top of pages 4 and 5 (page 3's is new)


def test_sample_site_command_prints_a_paged_newest_first_listing_discover_reads(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, free_port

    proc = subprocess.Popen(
        [sys.executable, "-m", "newsarchiver", "sample-site", "--port", str(free_port())],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        lines = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = proc.stdout.readline()
            assert line, f"sample-site exited ({proc.wait(10)}) before serving: {lines}"
            lines.append(line.strip())
        listing = next(line.split()[0] for line in lines if "GetNewsList.do?page=1" in line)
        from urllib.request import urlopen

        from newsarchiver.extract import parse_time

        with urlopen(listing.replace("size=5", "size=50"), timeout=10) as answer:
            shown = [parse_time(e["showtime"]) for e in json.load(answer)["nodeList"]]
        assert len(shown) == len(ARTICLES) and shown == sorted(shown, reverse=True)
        report = tmp_path / "r.json"
        out = tmp_path / "o"
        first = run_cli("discover", listing, "-o", str(out), "--report", str(report))
        assert first.code == 0, first.stderr
        assert len(posts(out)) == len(ARTICLES)
        again = run_cli("discover", listing, "-o", str(out), "--report", str(report))
        assert again.code == 0 and "0 new" in again.stderr
        # Newest first: the second run stops on page 1, whose 5 articles are archived.
        assert len(json.loads(report.read_text("utf-8"))["unchanged"]) == 5
    finally:
        proc.terminate()
        proc.wait(timeout=10)
