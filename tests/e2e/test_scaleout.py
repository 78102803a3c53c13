"""Workers on one Redis queue (Debian's redis-server on 127.0.0.1): leases, kills, outages."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import free_port, run_cli, start_cli, start_redis, wait_for_posts

pytestmark = pytest.mark.redis

ARTICLES = 3000


def start_worker(redis_url: str, output: Path, report: Path, *extra: str) -> subprocess.Popen:
    return start_cli(
        "worker", "--redis-url", redis_url, "-o", str(output), "--idle-exit", "2",
        "--concurrency", "8", "--report", str(report), "-s", "NEWSARCHIVER_REDIS_OUTAGE=5", *extra,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def report_of(path: Path) -> dict:
    import json

    return json.loads(path.read_text("utf-8"))


def test_a_worker_stopped_with_sigterm_puts_back_what_it_took(redis_url, tmp_path):
    with SampleSite(generated(1000), latency=0.05) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        assert run_cli("enqueue", "--redis-url", redis_url, "--input", str(urls)).code == 0
        out = tmp_path / "out"
        # Two at a time, a batch of 64 taken: it always holds URLs it has not fetched.
        stopped = start_worker(
            redis_url, out, tmp_path / "stopped.json", "--idle-exit", "3", "--concurrency", "2"
        )
        other = start_worker(redis_url, out, tmp_path / "other.json", "--idle-exit", "3")
        wait_for_posts(out, 200, stopped, other, limit=300)
        stopped.send_signal(signal.SIGTERM)
        _, err = stopped.communicate(timeout=120)
        assert stopped.returncode == 130, err
        _, err = other.communicate(timeout=600)
        assert other.returncode == 0, err
    assert len(os.listdir(out / "_posts")) == 1000
    left = report_of(tmp_path / "stopped.json")["not_reached"]
    assert left  # it was stopped with URLs in flight
    done = report_of(tmp_path / "other.json")
    finished = set(done["new"]) | set(done["unchanged"])
    codes = {url.rsplit("=", 1)[1] for url in left}
    assert codes <= finished  # what it put back, the other archived (with no enqueue)


def test_a_failed_url_enqueued_again_is_fetched_again_by_a_running_worker(redis_url, tmp_path):
    with SampleSite(generated(3)) as site:
        missing = site.share_url("NOSUCH1")  # 404, then a shell page: it fails
        assert run_cli("enqueue", "--redis-url", redis_url, missing).code == 0
        out, report = tmp_path / "out", tmp_path / "r.json"
        worker = start_worker(redis_url, out, report, "--idle-exit", "8")
        import redis

        from newsarchiver.redisqueue import bucket

        server, deadline = redis.Redis.from_url(redis_url), time.monotonic() + 60
        # Fetched, failed and acknowledged: no longer a member of the queue.
        while site.requests["data:NOSUCH1"] < 1 or server.hexists(bucket("NOSUCH1"), "NOSUCH1"):
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.05)
        again = run_cli("enqueue", "--redis-url", redis_url, missing)
        assert again.code == 0 and "1 URL queued" in again.stderr, again.stderr
        _, err = worker.communicate(timeout=120)
        asked = site.requests["data:NOSUCH1"]
    assert worker.returncode == 1, err  # the URL failed (twice): named, not exit 0
    assert asked == 2  # the worker that failed it fetched it again
    assert len(report_of(report)["failed"]) == 2


def test_enqueue_again_adds_nothing(redis_url, tmp_path):
    import redis

    from newsarchiver.redisqueue import QUEUE

    server = redis.Redis.from_url(redis_url)
    base = "http://127.0.0.1:9"
    urls = [f"{base}/html_News/NewsShare.html?infoCode=C{n}" for n in range(3)]
    out = tmp_path / "out"
    (out / "_posts").mkdir(parents=True)
    (out / "_posts" / "2022-05-20-C0.md").write_text("archived", encoding="utf-8")
    result = run_cli("enqueue", "--redis-url", redis_url, *urls, "-o", str(out))
    assert result.code == 0, result.stderr
    assert "2 URLs queued, 1 already archived, 0 already queued" in result.stderr
    assert server.llen(QUEUE) == 2
    # Again, and with another spelling of one of them (infocode=): nothing added.
    again = run_cli(
        "enqueue", "--redis-url", redis_url, *urls, urls[1].replace("infoCode", "infocode"),
        "-o", str(out),
    )  # fmt: skip
    assert again.code == 0, again.stderr
    assert "0 URLs queued, 1 already archived, 3 already queued" in again.stderr
    assert server.llen(QUEUE) == 2


def test_enqueue_reports_bad_input_and_unreachable_redis(tmp_path):
    port = free_port()
    result = run_cli("enqueue", "--redis-url", f"redis://127.0.0.1:{port}/0", "http://x/")
    assert result.code == 4  # the run cannot start: exit 4, as for crawl and worker
    assert f"cannot use Redis at redis://127.0.0.1:{port}/0" in result.stderr
    assert run_cli("enqueue", "http://x/").code == 2  # --redis-url is required


def worker_until_half(tmp_path: Path, *extra: str):
    port = free_port()
    redis_proc = start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    site = SampleSite(generated(300), latency=0.02).start()
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
    assert run_cli("enqueue", "--redis-url", url, "--input", str(urls)).code == 0
    out = tmp_path / "out"
    report = tmp_path / "r.json"
    worker = start_worker(url, out, report)
    wait_for_posts(out, 60, worker, limit=300)
    redis_proc.kill()
    redis_proc.wait()
    return port, site, worker, out, report


def test_a_worker_rides_out_a_redis_restart_and_finishes(tmp_path):
    port, site, worker, out, report = worker_until_half(tmp_path)
    try:
        time.sleep(3)
        restarted = start_redis(port, tmp_path)
        _, err = worker.communicate(timeout=300)
        restarted.terminate()
        restarted.wait()
    finally:
        site.stop()
    assert worker.returncode == 0, err
    assert len(os.listdir(out / "_posts")) == 300


def test_a_worker_whose_redis_comes_back_empty_never_exits_0(tmp_path):
    """Issue 27 item 7: Redis restarted without persistence mid-run."""
    port, site, worker, out, report = worker_until_half(tmp_path)
    try:
        empty = tmp_path / "empty"
        empty.mkdir()
        restarted = start_redis(port, empty, persist=False)
        _, err = worker.communicate(timeout=300)
        restarted.terminate()
        restarted.wait()
    finally:
        site.stop()
    assert worker.returncode == 4, err
    assert f"stopped: Redis at redis://127.0.0.1:{port}/0 lost its data" in err
    assert "run enqueue again" in err and "Traceback" not in err
    assert len(os.listdir(out / "_posts")) < 300


def test_a_worker_that_loses_redis_for_good_exits_4_and_lists_what_it_did_not_finish(tmp_path):
    import json

    port, site, worker, out, report = worker_until_half(tmp_path)
    try:
        _, err = worker.communicate(timeout=300)
    finally:
        site.stop()
    assert worker.returncode == 4, err
    assert f"newsarchiver: stopped: lost Redis at redis://127.0.0.1:{port}/0 for 5 s" in err
    assert "Traceback" not in err
    data = json.loads(report.read_text("utf-8"))
    done = len(data["new"]) + len(data["failed"])
    assert done == len(os.listdir(out / "_posts")) and done < 300
