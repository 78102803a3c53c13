"""Runs as cron and scrapyd make them: settings honoured, every URL accounted for, loud failures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from newsarchiver.archive.layout import LOCK_NAME
from newsarchiver.archive.lock import RunLock
from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import ARTICLES, generated
from tests.conftest import ROOT, posts, run_cli, wait_until

GOLDEN = ARTICLES[0].code
SECOND = ARTICLES[2].code  # has the JSON endpoint


def test_set_options_are_honoured_and_given_options_win(site, tmp_path):
    out = tmp_path / "from-set"
    result = run_cli(
        "crawl",
        site.share_url(GOLDEN),
        "-s",
        f"NEWSARCHIVER_OUTPUT={out}",
        "-s",
        "NEWSARCHIVER_SITE=//mirror.example",
        "-s",
        "NEWSARCHIVER_SHARE_BASE=https://share.example",
        "-s",
        f"NEWSARCHIVER_REPORT={tmp_path / 'r.json'}",
    )
    assert result.code == 0, result.stderr
    (text,) = posts(out).values()
    assert text.decode().endswith("[返回首页](//mirror.example/)")
    assert b"<https://share.example/html_News/" in text
    assert json.loads((tmp_path / "r.json").read_text("utf-8"))["new"] == [GOLDEN]
    given = tmp_path / "given"
    again = run_cli(
        "crawl", site.share_url(GOLDEN), "-s", f"NEWSARCHIVER_OUTPUT={out}", "-o", str(given)
    )
    assert again.code == 0 and len(posts(given)) == 1


def test_what_cannot_work_fails_before_fetching_with_one_line(site, tmp_path):
    hostname = tmp_path / "a-file"
    hostname.write_text("x")
    for args in (
        ["--output", str(hostname / "x")],
        ["-o", str(tmp_path / "o"), "-s", "DOWNLOAD_TIMEOUT=abc"],
        ["-o", str(tmp_path / "o"), "-s", "NEWSARCHIVER_FSYNC=maybe"],
        ["-o", str(tmp_path / "o"), "-s", "NEWSARCHIVER_BODY_FORMAT=pdf"],
        ["-o", str(tmp_path / "o"), "--report", str(tmp_path / "missing" / "r.json")],
    ):
        result = run_cli("crawl", site.share_url(GOLDEN), *args)
        assert result.code == 4, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sum(site.requests.values()) == 0


def test_quiet_terminal_and_full_log_file(tmp_path):
    log = tmp_path / "run.log"
    down = {f"data:{SECOND}": ["500"] * 8, f"page:{SECOND}": ["500"] * 8}  # two runs
    with SampleSite(faults=down) as s:
        s_urls = [s.share_url(GOLDEN), s.share_url(SECOND)]
        result = run_cli(
            "crawl", *s_urls, "-o", str(tmp_path / "o"), "-q", "--log-file", str(log),
            "-s", "NEWSARCHIVER_RETRY_BACKOFF=0",
        )  # fmt: skip
        # The same without a log file: still nothing but the summary and the failure.
        no_log = run_cli(
            "crawl", *s_urls, "-o", str(tmp_path / "o2"), "-q",
            "-s", "NEWSARCHIVER_RETRY_BACKOFF=0",
        )  # fmt: skip
    for run in (result, no_log):
        assert run.code == 1
        lines = run.stderr.strip().splitlines()
        assert lines[0].startswith("newsarchiver: 1 new, 0 updated, 0 unchanged, 1 failed")
        assert len(lines) == 2 and lines[1].startswith(f"  FAILED {s_urls[1]}: "), lines
    text = log.read_text("utf-8")
    assert "Summary: 1 new" in text and f"Failed {s_urls[1]}" in text
    assert "数字化就业" not in text  # no article body in the log


def test_duplicates_and_every_url_once_in_the_report(site, tmp_path):
    report = tmp_path / "r.json"
    urls = [site.share_url(GOLDEN), site.share_url(GOLDEN), "not a url", site.share_url(SECOND)]
    result = run_cli("crawl", *urls, "-o", str(tmp_path / "o"), "--report", str(report))
    assert result.code == 1
    data = json.loads(report.read_text("utf-8"))
    assert sorted(data["new"]) == sorted([GOLDEN, SECOND])
    assert data["duplicate"] == [GOLDEN]
    assert [f["url"] for f in data["failed"]] == ["not a url"]
    assert "1 duplicate" in result.stderr
    assert site.requests[f"data:{GOLDEN}"] == 1


def test_redirect_loops_and_offsite_redirects_fail_their_url(tmp_path):
    faults = {f"data:{GOLDEN}": ["redirect-self"] * 10, f"data:{SECOND}": ["redirect-other"]}
    with SampleSite(faults=faults) as site:
        urls = [site.share_url(GOLDEN), site.share_url(SECOND)]
        report = tmp_path / "r.json"
        result = run_cli("crawl", *urls, "-o", str(tmp_path / "o"), "--report", str(report))
    assert result.code == 1
    listed = json.loads(report.read_text("utf-8"))["failed"]
    assert sorted(f["url"] for f in listed) == sorted(urls)  # one outcome each
    failed = {f["url"]: f["reason"] for f in listed}
    assert "redirect" in failed[urls[0]]
    assert "redirected to another host" in failed[urls[1]]
    # The loop is not asked again past the dupefilter when the run is idle.
    assert site.requests[f"data:{GOLDEN}"] <= 2


def test_resume_tries_failed_urls_again(tmp_path):
    job = tmp_path / "job"
    out = tmp_path / "o"
    down = {f"data:{SECOND}": ["500"] * 4, f"page:{SECOND}": ["500"] * 4}
    with SampleSite(faults=down) as site:
        args = [site.share_url(SECOND), "-o", str(out), "--resume", str(job)]
        first = run_cli("crawl", *args, "-s", "NEWSARCHIVER_RETRY_BACKOFF=0")
        assert first.code == 1 and "1 failed" in first.stderr
        second = run_cli("crawl", *args, "-s", "NEWSARCHIVER_RETRY_BACKOFF=0")
    assert second.code == 0, second.stderr
    assert "1 new" in second.stderr and len(posts(out)) == 1


def test_lock_lives_in_the_output_folder_and_binds_scrapy_crawl(site, tmp_path):
    out = tmp_path / "o"
    lock = RunLock(out)
    assert lock.acquire()
    try:
        assert (out / LOCK_NAME).is_file()
        result = run_cli("crawl", site.share_url(GOLDEN), "-o", str(out))
        assert result.code == 3 and "another run" in result.stderr
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "share", "-a", f"urls={site.share_url(GOLDEN)}",
             "-s", f"NEWSARCHIVER_OUTPUT={out}"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr  # scrapy crawl's own code when the spider cannot open
        assert "another run is writing to" in proc.stderr
        assert posts(out) == {}
    finally:
        lock.release()
    assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(out)).code == 0


def test_discover_fetches_from_the_listing_host_by_default(site, tmp_path):
    out = tmp_path / "o"
    result = run_cli("discover", site.listing_url(1, 3), "-o", str(out), "--max-pages", "1")
    assert result.code == 0, result.stderr
    assert len(posts(out)) == 3


def test_maintenance_commands_refuse_a_missing_folder_and_skip_non_posts(tmp_path):
    for command in ("categories", "rotate"):
        result = run_cli(command, "-o", str(tmp_path / "nowhere"))
        assert result.code == 4 and "no archive folder" in result.stderr
    (tmp_path / "o" / "_posts" / "2020-01-01-DIR1.md").mkdir(parents=True)
    result = run_cli("rotate", "-o", str(tmp_path / "o"), "--now", "2022-01-01")
    assert result.code == 0, result.stderr
    assert "SKIPPED 2020-01-01-DIR1.md: not a regular file" in result.stderr


def test_rotate_across_file_systems(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a second file system (/dev/shm)")
    out = tmp_path / "o"
    (out / "_posts").mkdir(parents=True)
    elsewhere = Path(tempfile.mkdtemp(dir=shm))
    try:
        (out / "old_post").symlink_to(elsewhere)
        post = out / "_posts" / "2020-01-01-OLD1.md"
        post.write_bytes(b"---\nlayout: post\n---\nx")
        result = run_cli("rotate", "-o", str(out), "--now", "2022-01-01", "--keep-days", "1")
        assert result.code == 0, result.stderr
        assert not post.exists()
        assert (elsewhere / post.name).read_bytes() == b"---\nlayout: post\n---\nx"
        assert [p.name for p in elsewhere.iterdir()] == [post.name]  # no temporary file left
    finally:
        shutil.rmtree(elsewhere)


def test_full_disk_stops_the_run_with_one_reason(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True
    )
    if mount.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        with SampleSite(generated(60)) as site:
            result = run_cli("crawl", *site.share_urls(), "-o", str(disk / "o"), "-q")
            fetched = sum(site.requests.values())
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    assert result.code == 4, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("newsarchiver: stopped: cannot write")
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert fetched < 60  # it stopped, rather than fetching what it could not store


def test_refresh_works_with_a_job_folder(site, tmp_path):
    args = [site.share_url(GOLDEN), "-o", str(tmp_path / "o"), "--resume", str(tmp_path / "job")]
    assert run_cli("crawl", *args).code == 0
    again = run_cli("crawl", *args, "--refresh")
    assert again.code == 0, again.stderr
    assert "1 unchanged" in again.stderr
    assert site.requests[f"data:{GOLDEN}"] == 2  # fetched again despite the job's dupefilter


def test_worker_without_redis_fails_at_once_with_one_line(tmp_path):
    from tests.conftest import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_cli("worker", "--redis-url", url, "-o", str(tmp_path / "o"), "--idle-exit", "1")
    assert result.code == 4, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"newsarchiver: cannot use Redis at {url}")


def test_report_lists_every_url_once_and_stderr_keeps_to_the_first_thousand(tmp_path):
    report = tmp_path / "r.json"
    bad = [f"http://127.0.0.1/not-a-share-url/{n}" for n in range(1200)]
    result = run_cli("crawl", *bad, "-o", str(tmp_path / "o"), "--report", str(report), "-q")
    assert result.code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 + 1000 + 1  # summary, the first 1,000 failures, how many more
    assert lines[-1] == f"  ... and 200 more failures (all listed in {report})"
    data = json.loads(report.read_text("utf-8"))
    assert [f["url"] for f in data["failed"]] == bad
    assert data["new"] == data["updated"] == data["unchanged"] == data["duplicate"] == []


def test_a_category_page_that_cannot_be_written_is_written_by_the_next_run(site, tmp_path):
    output = tmp_path / "o"
    output.mkdir()
    (output / "category").write_text("in the way")  # a file where the folder goes
    url = site.share_url(GOLDEN)
    report = tmp_path / "r.json"
    first = run_cli("crawl", url, "-o", str(output), "-q", "--report", str(report))
    assert first.code == 1, first.stderr
    page = output / "category" / "hebeiribao.html"
    assert f"FAILED {page}: cannot write this category page (Not a directory)" in first.stderr
    data = json.loads(report.read_text("utf-8"))
    assert data["new"] == [GOLDEN]  # the post is archived; the page failed on its own
    assert [f["url"] for f in data["failed"]] == [str(page)]
    assert len(posts(output)) == 1
    (output / "category").unlink()
    site.requests.clear()
    again = run_cli("crawl", url, "-o", str(output), "-q")  # no --refresh: the article is skipped
    assert again.code == 0, again.stderr
    assert sum(site.requests.values()) == 0
    assert [p.name for p in (output / "category").iterdir()] == ["hebeiribao.html"]
    assert not (output / ".newsarchiver-state" / "category-pages.json").exists()


@pytest.mark.parametrize("kind", ["symlink", "folder", "fifo", "dangling symlink"])
def test_a_lock_file_that_is_no_regular_file_fails_closed_for_every_command(kind, site, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    lock = out / LOCK_NAME
    if kind == "symlink":
        (tmp_path / "elsewhere").write_text("")
        lock.symlink_to(tmp_path / "elsewhere")
    elif kind == "dangling symlink":
        lock.symlink_to(tmp_path / "nothing")
    elif kind == "folder":
        lock.mkdir()
    else:
        os.mkfifo(lock)
    for command in (
        ["crawl", site.share_url(GOLDEN)],
        ["discover", site.listing_url(1, 5)],
        ["categories"],
        ["rotate"],
    ):
        result = run_cli(*command, "-o", str(out), "-q")
        assert result.code == 4, (command, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert str(lock) in line and "not a regular file" in line, line
    assert posts(out) == {}


def test_a_lock_file_deleted_while_held_lets_no_second_run_in(site, tmp_path):
    out = tmp_path / "o"
    lock = RunLock(out)
    assert lock.acquire()
    try:
        (out / LOCK_NAME).unlink()
        result = run_cli("crawl", site.share_url(GOLDEN), "-o", str(out))
        assert result.code == 3, result.stderr
        assert result.stderr.count("another run is writing") == 1
        assert posts(out) == {}
    finally:
        lock.release()
    assert run_cli("crawl", site.share_url(GOLDEN), "-o", str(out)).code == 0


def test_a_report_that_cannot_be_written_is_exit_4_with_one_line(tmp_path):
    from newsarchiver.sample_site.articles import generated

    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "r.json"
    with SampleSite(generated(20), latency=0.05) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()))
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsarchiver", "crawl", "-i", str(urls), "-o", str(tmp_path / "o"),
             "--report", str(report), "-q", "--concurrency", "1"],
            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        wait_until(lambda: site.requests, "the run's first request", proc)
        shutil.rmtree(folder)  # gone before the run writes its report
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 4, stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"newsarchiver: cannot write the report {report}")


def test_scrapy_crawl_sees_the_same_tallies_in_its_stats(site, tmp_path):
    out = tmp_path / "o"
    urls = f"urls={site.share_url(GOLDEN)},{site.share_url('NOSUCH1')}"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "share", "-a", urls, "-s", f"NEWSARCHIVER_OUTPUT={out}",
         "-s", "NEWSARCHIVER_PROGRESS_INTERVAL=0.2"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "'newsarchiver/new': 1," in proc.stderr and "'newsarchiver/failed': 1," in proc.stderr
    assert "'newsarchiver/articles_per_second':" in proc.stderr  # the final rate, as LogStats
    assert len(posts(out)) == 1


def test_the_cli_loads_settings_as_scrapy_crawl_does(site, tmp_path):
    """SCRAPY_SETTINGS_MODULE, when set, names the project settings the CLI starts from."""
    (tmp_path / "mysettings.py").write_text(
        "from newsarchiver.settings import *  # noqa: F403\n"
        'NEWSARCHIVER_SITE = "https://custom.example"\n'
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}:{ROOT}", "SCRAPY_SETTINGS_MODULE": "mysettings"}
    out = tmp_path / "o"
    proc = subprocess.run(
        [sys.executable, "-m", "newsarchiver", "crawl", site.share_url(GOLDEN), "-o", str(out), "-q"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (post,) = posts(out).values()
    assert post.endswith("[返回首页](https://custom.example/)".encode())
