"""What the command line says to a newcomer and to cron: typos, help, words, overlaps."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchiver.archive.lock import RunLock
from newsarchiver.cli import COMMAND_MODULES
from tests.conftest import ROOT, cli_env, free_port, posts, run_cli

GOLDEN = "NW202205202385404088"


def test_a_single_dash_long_option_is_refused_and_nothing_is_written(site, tmp_path):
    result = run_cli("crawl", "-output", "x1", site.share_url(GOLDEN), cwd=tmp_path)
    assert result.code == 2
    assert "-output has one dash: did you mean --output?" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no ./utput, no ./output
    result = run_cli("rotate", "-keep-days", "3", "-o", str(tmp_path))
    assert result.code == 2 and "did you mean --keep-days?" in result.stderr


def test_a_mistyped_option_gets_a_did_you_mean(site, tmp_path):
    result = run_cli("crawl", "--ouput", str(tmp_path / "x"), site.share_url(GOLDEN))
    assert result.code == 2
    assert "unknown option --ouput: did you mean --output?" in result.stderr
    assert not (tmp_path / "x").exists()
    # An abbreviation argparse takes is no typo.
    result = run_cli("crawl", "--out", str(tmp_path / "x"), site.share_url(GOLDEN), "-q")
    assert result.code == 0 and len(posts(tmp_path / "x")) == 1


def test_a_mistyped_scrapy_setting_gets_the_same_did_you_mean(site, tmp_path):
    out = tmp_path / "o"
    result = run_cli("crawl", "-s", "CONCURENT_REQUESTS=4", "-o", str(out), site.share_url(GOLDEN))
    assert result.code == 4
    assert "unknown setting CONCURENT_REQUESTS; did you mean CONCURRENT_REQUESTS?" in result.stderr
    assert posts(out) == {}
    result = run_cli(
        "crawl", "-s", "NEWSARCHIVER_CONCURENCY=4", "-o", str(out), site.share_url(GOLDEN)
    )
    assert result.code == 4 and "did you mean NEWSARCHIVER_CONCURRENCY?" in result.stderr
    # A setting another component reads (scrapy-redis') is no typo.
    result = run_cli("crawl", "-s", "SCHEDULER_PERSIST=1", "-o", str(out), site.share_url(GOLDEN))
    assert result.code == 0, result.stderr


def test_a_listing_url_given_to_crawl_is_told_to_use_discover(site, tmp_path):
    result = run_cli("crawl", site.listing_url(1, 5), "-o", str(tmp_path / "o"))
    assert result.code == 1
    reason = "a listing URL, not a share URL: newsarchiver discover reads listings"
    assert f"FAILED {site.listing_url(1, 5)}: {reason}" in result.stderr
    assert reason in (ROOT / "README.md").read_text("utf-8")


def test_options_that_would_be_ignored_are_refused(tmp_path):
    result = run_cli("demo", "--blog", str(tmp_path / "b"), "-o", str(tmp_path / "x"))
    assert result.code == 2 and "not both" in result.stderr
    assert not (tmp_path / "b").exists() and not (tmp_path / "x").exists()
    result = run_cli("init-site", str(tmp_path / "s"), "--listing", "http://example.org/l")
    assert result.code == 2 and "--listing is the workflow's: add --github-actions" in result.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("command", [name.replace("_", "-") for name in COMMAND_MODULES])
def test_every_help_ends_with_the_exit_codes(command):
    result = run_cli(command, "--help")
    assert result.code == 0
    tail = result.stdout.rstrip().split("exit codes:")[-1]
    assert "exit codes:" in result.stdout
    assert re.search(r"^\s+0\s+\S", tail, re.M) and re.search(r"^\s+3\s+another run", tail, re.M)
    assert tail.rstrip().endswith("what was finished is kept")


def test_report_help_lists_every_key():
    from newsarchiver.report import REPORT_LISTS

    text = " ".join(run_cli("crawl", "--help").stdout.split())
    for key in (*REPORT_LISTS, "warnings", "notes"):
        assert key in text, key


def test_counts_have_their_noun_in_the_right_number(site, tmp_path):
    out = tmp_path / "o"
    assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(out)).code == 0
    result = run_cli("rotate", "-o", str(out), "--keep-days", "1", "--now", "2030-01-01")
    assert "1 post moved" in result.stderr and "0 new conflicts" in result.stderr
    (out / "category" / "hebeiribao.html").unlink()
    result = run_cli("categories", "-o", str(out))
    assert "1 category page written" in result.stderr


def test_an_overlapping_tick_under_quiet_exits_3_in_silence(site, tmp_path):
    out = tmp_path / "o"
    lock = RunLock(out)
    assert lock.acquire()
    try:
        for args in (("crawl", site.share_url(GOLDEN)), ("discover", site.listing_url(1, 5)),
                     ("rotate",), ("categories",)):  # fmt: skip
            quiet = run_cli(*args, "-o", str(out), "-q")
            assert (quiet.code, quiet.stdout, quiet.stderr) == (3, "", ""), args
            loud = run_cli(*args, "-o", str(out))
            assert loud.code == 3 and "another run" in loud.stderr
        result = run_cli("init-site", str(out))  # init-site takes the lock too
        assert result.code == 3 and "another run" in result.stderr
    finally:
        lock.release()
    assert posts(out) == {}


def test_failures_are_warnings_in_the_log_file(site, tmp_path):
    log = tmp_path / "run.log"
    result = run_cli("crawl", "nonsense", site.share_url(GOLDEN), "-o", str(tmp_path / "o"),
                     "-q", "--log-file", str(log))  # fmt: skip
    assert result.code == 1
    text = log.read_text("utf-8")
    assert re.search(r"WARNING: Failed nonsense: not a URL", text)
    assert re.search(r"WARNING: Summary: 1 new", text)


def test_init_site_names_the_folder_it_cannot_write(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "_layouts").write_text("a file where a folder goes")
    result = run_cli("init-site", str(folder))
    assert result.code == 4
    assert f"cannot write to {folder}:" in result.stderr
    assert ".newsarchiver-" not in result.stderr and "Traceback" not in result.stderr


def test_wacz_folder_with_a_slash_is_made_and_keeps_no_lock_files(site, tmp_path):
    runs = tmp_path / "missing" / "runs"
    out = tmp_path / "o"
    first = run_cli("crawl", *site.share_urls()[:3], "-o", str(out), "--wacz", f"{runs}/", "-q")
    assert first.code == 0, first.stderr
    assert runs.is_dir()
    second = run_cli("crawl", *site.share_urls()[3:5], "-o", str(out), "--wacz", f"{runs}/", "-q")
    assert second.code == 0, second.stderr
    names = sorted(p.name for p in runs.iterdir())
    assert len(names) == 2 and all(n.endswith(".wacz") and not n.startswith(".") for n in names)


def test_sample_site_serves_n_articles_with_a_delay_and_their_images(tmp_path):
    port, urls = free_port(), tmp_path / "urls.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsarchiver", "sample-site", "--port", str(port),
         "--articles", "40", "--delay", "20", "--urls-to", str(urls)],
        stdout=subprocess.PIPE, text=True, env=cli_env(),
    )  # fmt: skip
    try:
        assert "(40 articles)" in proc.stdout.readline()
        deadline = time.monotonic() + 30
        while not urls.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(urls.read_text("utf-8").split()) == 40
        out = tmp_path / "o"
        result = run_cli("crawl", "--input", str(urls), "-o", str(out), "--images",
                         "--report", str(tmp_path / "r.json"))  # fmt: skip
        assert result.code == 0, result.stderr
        report = json.loads((tmp_path / "r.json").read_text("utf-8"))
        assert len(report["new"]) == 40 and report["images_failed"] == []
        assert "IMAGE NOT KEPT" not in result.stderr
        [post] = [d for n, d in posts(out).items() if "NW202205222385500006" in n]
        assert b'src="/assets/img/' in post  # the sample site's own image, kept
    finally:
        proc.terminate()
        proc.wait(10)


def test_demo_blog_keeps_the_sample_site_images(tmp_path):
    blog = tmp_path / "blog"
    result = run_cli("demo", "--blog", str(blog))
    assert result.code == 0, result.stderr
    assert "IMAGE NOT KEPT" not in result.stderr
    images = list((blog / "assets" / "img").iterdir())
    assert len(images) == 1
    assert any(f"/assets/img/{images[0].name}".encode() in data for data in posts(blog).values())
    assert not any(b'src="/img/' in data for data in posts(blog).values())


def test_help_and_readme_say_how_to_view_the_blog():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "apt-get install jekyll" in readme
    assert "python3 -m http.server -d blog/_site" in readme and "jekyll serve" in readme
    assert Path(ROOT / "README.md").exists()


def test_the_readme_settings_table_is_the_setting_table():
    """Every NEWSARCHIVER_* setting is declared once (setting_table.py): settings.py takes
    its default from there, and the README's Settings table has its row, word for word."""
    from newsarchiver import settings
    from newsarchiver.setting_table import TABLE, readme_rows

    readme = (ROOT / "README.md").read_text("utf-8").splitlines()
    documented = [line for line in readme if line.startswith("| `NEWSARCHIVER_")]
    assert sorted(documented) == sorted(readme_rows())
    declared = {name for name in dir(settings) if name.startswith("NEWSARCHIVER_")}
    assert declared == {setting.name for setting in TABLE}
    for setting in TABLE:
        assert getattr(settings, setting.name) == setting.default
