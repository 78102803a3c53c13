"""Bad input, misbehaving servers and limits, end to end against 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from newsarchiver.sample_site import ARTICLES, SampleSite
from tests.conftest import free_port, front_matter, posts, run_cli

GOLDEN = ARTICLES[0].code
SHELL_ONLY = "NW202205202385500001"  # data endpoint only; its share page is a shell
FAST = ["-s", "NEWSARCHIVER_RETRY_BACKOFF=0.05", "-s", "DOWNLOAD_TIMEOUT=2"]


def crawl_report(site_urls, tmp_path, *extra):
    report = tmp_path / "report.json"
    result = run_cli(
        "crawl", *site_urls, "-o", str(tmp_path / "out"), "--report", str(report), *FAST, *extra
    )
    return result, json.loads(report.read_text("utf-8"))


@pytest.mark.parametrize(
    "fault, reason",
    [
        (["malformed"], "malformed JSON"),
        (["empty"], "no text"),
        (["404"], "HTTP 404"),
        (["500"] * 4, "HTTP 500 after 3 retries"),
        (["notitle"], "missing title"),
        (["nodate"], "no date"),
        (["huge"], "larger than the 5242880-byte limit"),
    ],
)
def test_bad_answers_fail_alone(tmp_path, fault, reason):
    faults = {f"data:{SHELL_ONLY}": fault}
    if "500" in fault:
        faults[f"page:{SHELL_ONLY}"] = ["500"] * 4
    with SampleSite(faults=faults) as site:
        urls = [site.share_url(SHELL_ONLY), site.share_url(GOLDEN)]
        result, report = crawl_report(urls, tmp_path)
    assert result.code == 1, result.stderr
    assert report["new"] == [GOLDEN]
    [failure] = report["failed"]
    assert failure["url"] == urls[0]
    assert reason in failure["reason"]
    assert f"FAILED {urls[0]}: " in result.stderr
    assert list(posts(tmp_path / "out")) == [f"2022-05-20-{GOLDEN}.md"]


def test_page_without_title_or_date_fails(tmp_path):
    import dataclasses

    no_title = dataclasses.replace(ARTICLES[3], code="NOTITLE1", title="")
    no_date = dataclasses.replace(ARTICLES[3], code="NODATE1", page_time="某日")
    with SampleSite([no_title, no_date, ARTICLES[0]]) as site:
        result, report = crawl_report(site.share_urls(), tmp_path)
    assert result.code == 1
    reasons = {f["url"].rsplit("=", 1)[1]: f["reason"] for f in report["failed"]}
    assert "missing title" in reasons["NOTITLE1"]
    assert "no parseable date" in reasons["NODATE1"]
    assert report["new"] == [GOLDEN]


def test_connection_refused_and_timeout(tmp_path):
    refused = f"http://127.0.0.1:{free_port()}/html_News/NewsShare.html?infoCode=ABC123"
    with SampleSite(faults={f"data:{SHELL_ONLY}": ["hang"] * 5}) as site:
        urls = [refused, site.share_url(SHELL_ONLY), site.share_url(GOLDEN)]
        result, report = crawl_report(urls, tmp_path, "-s", "RETRY_TIMES=1")
    assert result.code == 1
    reasons = {f["url"]: f["reason"] for f in report["failed"]}
    assert reasons[refused] == "connection refused after 1 retries"
    assert reasons[urls[1]] == "timed out after 1 retries"
    assert report["new"] == [GOLDEN]


@pytest.mark.parametrize("fault", [["500", "503"], ["hang", "500"], ["reset", "reset"]])
def test_transient_failures_are_retried(tmp_path, fault, golden_post):
    with SampleSite(faults={f"data:{GOLDEN}": fault}) as site:
        result, report = crawl_report([site.share_url(GOLDEN)], tmp_path)
        assert site.requests[f"data:{GOLDEN}"] == 3  # succeeded on its third try
        assert site.requests[f"page:{GOLDEN}"] == 0
    assert result.code == 0, result.stderr
    assert report["new"] == [GOLDEN]
    assert posts(tmp_path / "out")[f"2022-05-20-{GOLDEN}.md"] == golden_post


def test_nothing_written_outside_output(tmp_path):
    with SampleSite() as site:
        sneaky = [
            f"{site.base_url}/html_News/NewsShare.html?infoCode=../../escape",
            f"{site.base_url}/html_News/NewsShare.html?infoCode=..%2F..%2Fescape",
            f"{site.base_url}/html_News/NewsShare.html?infoCode=%2Fetc%2Fescape",
        ]
        result, report = crawl_report(sneaky, tmp_path)
    assert result.code == 1
    assert len(report["failed"]) == 3
    assert all("invalid infoCode" in f["reason"] for f in report["failed"])
    assert not [p for p in tmp_path.rglob("*escape*")]


def test_hostile_body_is_sanitised_end_to_end(site, tmp_path):
    code = "NW202205232385500009"
    result, _ = crawl_report([site.share_url(code)], tmp_path)
    assert result.code == 0
    [data] = posts(tmp_path / "out").values()
    assert front_matter(data)["categories"] == "zhongguoyinxingbaoxianbao"
    body = data.decode()
    for gone in (
        "<script",
        "cookie",
        "ad_context",
        "开户就送",
        "onclick",
        "javascript:",
        "<iframe",
        "tracking",
    ):
        assert gone not in body
    assert "<p>通知明确了过渡期安排。<a>点击查看</a></p>" in body
