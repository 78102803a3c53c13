"""Runs stopped by SIGINT or killed by SIGKILL, and the runs that follow them."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import front_matter, start_cli, wait_for_posts, wait_until

FOOTER = "[返回首页](//finews.withounder.com/)".encode()


def start_crawl(urls_file: Path, output: Path, *extra: str) -> subprocess.Popen:
    return start_cli("crawl", "-i", str(urls_file), "-o", str(output), *extra)


def assert_only_complete_files(output: Path) -> int:
    names = os.listdir(output / "_posts") if (output / "_posts").exists() else []
    for name in names:
        assert name.endswith(".md") and not name.startswith("."), name
        data = (output / "_posts" / name).read_bytes()
        assert data.endswith(FOOTER), name
        assert front_matter(data)["layout"] == "post"
    for page in (output / "category").glob("*") if (output / "category").exists() else []:
        assert not page.name.startswith("."), page
        assert page.read_bytes().endswith(b"\n---"), page
    return len(names)


def test_sigkill_leaves_only_complete_posts_and_the_next_run_finishes(tmp_path):
    articles = generated(300)
    with SampleSite(articles, latency=0.005) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        output = tmp_path / "out"
        for target in (1, 40, 120, 200):
            proc = start_crawl(urls, output, "--concurrency", "8")
            wait_for_posts(output, target, proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert_only_complete_files(output)
        proc = start_crawl(urls, output)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert assert_only_complete_files(output) == 300
    leftovers = [
        p for p in output.rglob("*")
        if p.name.startswith(".newsarchiver-") and p.name != ".newsarchiver-state"
    ]  # fmt: skip
    assert leftovers == []


def test_ctrl_c_stops_cleanly_and_resume_does_not_refetch(tmp_path):
    with SampleSite(generated(80), latency=0.05) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        output, job = tmp_path / "out", tmp_path / "job"
        proc = start_crawl(urls, output, "--resume", str(job), "--concurrency", "2")
        wait_for_posts(output, 10, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "interrupted" in err and str(job) in err
        first = assert_only_complete_files(output)
        assert 10 <= first < 80
        proc = start_crawl(urls, output, "--resume", str(job), "--concurrency", "2")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert assert_only_complete_files(output) == 80
        assert max(site.requests.values()) == 1  # nothing fetched twice
        assert sum(site.requests.values()) == 80


def test_second_ctrl_c_stops_at_once_with_130_and_complete_posts(tmp_path):
    with SampleSite(generated(60), latency=0.3) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        output, log = tmp_path / "out", tmp_path / "log.txt"
        proc = start_crawl(urls, output, "--concurrency", "8", "--log-file", str(log), "-v")
        wait_for_posts(output, 5, proc)
        site.latency, begun = 30, site.begun
        # A request begun now keeps a clean stop waiting 30 s.
        wait_until(lambda: site.begun > begun, "a request at 30 s latency", proc)
        proc.send_signal(signal.SIGINT)
        # The second one only once Scrapy took the first (two at once may arrive as one).
        graceful = "Received SIGINT, shutting down gracefully"
        wait_until(lambda: log.exists() and graceful in log.read_text("utf-8"), "the first Ctrl-C taken", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)  # far less than the 30 s a clean stop needs
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert 5 <= assert_only_complete_files(output) < 60


# From 0.15 s: before that Python itself is still starting (its site module), and
# prints its own "Fatal Python error" for a Ctrl-C, before any of our code runs.
@pytest.mark.parametrize("delay", [0.15, 0.3, 0.5, 0.7, 1.0])
def test_ctrl_c_in_the_first_second_is_an_interrupted_run(delay, tmp_path):
    with SampleSite(generated(60), latency=0.05) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()))
        proc = start_crawl(urls, tmp_path / "o", "--concurrency", "2")  # 1.5 s at least
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert "run the same command" in stderr
