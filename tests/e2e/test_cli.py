from __future__ import annotations

import json

import pytest

from tests.conftest import free_port, posts, run_cli

GOLDEN = "NW202205202385404088"


@pytest.mark.parametrize(
    "args, message",
    [
        (["crawl", "--no-such-option", "http://x/"],
         "newsarchiver crawl: error: unrecognized arguments: --no-such-option"),
        (["crawl", "--output"], "newsarchiver crawl: error: argument --output/-o: expected one argument"),
        (["crawl"], "newsarchiver crawl: give share URLs or --input FILE"),
        (["crawl", "--concurrency", "0", "http://x/"],
         "newsarchiver crawl: error: argument --concurrency: must be at least 1: '0'"),
        (["crawl", "--input", "/no/such/file"], "newsarchiver crawl: no such input file: /no/such/file"),
        (["no-such-command"],
         "newsarchiver: error: argument COMMAND: invalid choice: 'no-such-command' (choose from"),
        ([], "newsarchiver: error: the following arguments are required: COMMAND"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(args, message, tmp_path):
    result = run_cli(*args, cwd=tmp_path)
    assert result.code == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(message), result.stderr
    assert not (tmp_path / "output" / "_posts").exists()


def test_help_lists_commands_and_options():
    result = run_cli("crawl", "--help")
    assert result.code == 0
    for option in ("--input", "--output", "--report", "--share-base", "--site", "--refresh"):
        assert option in result.stdout


def test_bad_urls_fail_alone_and_are_reported(site, tmp_path):
    good = site.share_url(GOLDEN)
    bad = [
        "not a url",
        "ftp://127.0.0.1/html_News/NewsShare.html?infoCode=X1",
        f"{site.base_url}/html_News/NewsShare.html",
        f"{site.base_url}/html_News/NewsShare.html?infoCode=..%2F..%2Fetc",
        site.share_url("NOSUCHARTICLE1"),
    ]
    report = tmp_path / "report.json"
    result = run_cli(
        "crawl", *bad, good, "--output", str(tmp_path / "out"), "--report", str(report)
    )
    assert result.code == 1, result.stderr
    assert list(posts(tmp_path / "out")) == [f"2022-05-20-{GOLDEN}.md"]
    data = json.loads(report.read_text("utf-8"))
    assert data["new"] == [GOLDEN]
    assert data["updated"] == [] and data["unchanged"] == []
    failed = {f["url"]: f["reason"] for f in data["failed"]}
    assert set(failed) == set(bad)
    assert "not a URL" in failed["not a url"]
    assert "scheme" in failed[bad[1]]
    assert "without infoCode" in failed[bad[2]]
    assert "invalid infoCode" in failed[bad[3]]
    assert "404" in failed[bad[4]] and "#ContentBody" in failed[bad[4]]
    summary = [line for line in result.stderr.splitlines() if line.startswith("newsarchiver:")]
    assert "1 new, 0 updated, 0 unchanged, 5 failed" in summary[-1]
    for url in bad:
        assert f"FAILED {url}: " in result.stderr
    assert not list((tmp_path).rglob("etc*"))


def test_input_file_and_stdin(site, tmp_path):
    codes = list(site.articles)[:3]
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# share URLs\n\n" + "\n".join(site.share_url(c) for c in codes[:2]) + "\n   \n",
        encoding="utf-8",
    )
    result = run_cli("crawl", "--input", str(listing), "-o", str(tmp_path / "a"))
    assert result.code == 0, result.stderr
    assert len(posts(tmp_path / "a")) == 2
    result = run_cli(
        "crawl", "--input", "-", "-o", str(tmp_path / "b"), stdin=site.share_url(codes[2]) + "\n"
    )
    assert result.code == 0, result.stderr
    assert [name.endswith(f"{codes[2]}.md") for name in posts(tmp_path / "b")] == [True]


def test_quiet_prints_nothing_on_success(site, tmp_path):
    result = run_cli("crawl", site.share_url(GOLDEN), "-o", str(tmp_path), "--quiet")
    assert result.code == 0
    assert result.stderr == "" and result.stdout == ""


def test_sample_site_command_serves(tmp_path):
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsarchiver", "sample-site", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Sample finews site" in proc.stdout.readline()
        url = f"http://127.0.0.1:{port}/NewsData/GetNewsText.do?id={GOLDEN}"
        for _ in range(50):
            try:
                data = json.loads(urllib.request.urlopen(url, timeout=5).read())
                break
            except OSError:
                time.sleep(0.1)
        assert data["title"] == "数字化就业赋能欠发达县域发展"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("concurrency, expected", [("1", 1), ("6", 6)])
def test_concurrency_option_sets_requests_in_flight(tmp_path, concurrency, expected):
    from newsarchiver.sample_site import SampleSite
    from newsarchiver.sample_site.articles import generated

    with SampleSite(generated(24), latency=0.2) as site:
        result = run_cli(
            "crawl", *site.share_urls(), "-o", str(tmp_path), "--concurrency", concurrency
        )
        assert result.code == 0, result.stderr
        assert site.max_in_flight == expected
