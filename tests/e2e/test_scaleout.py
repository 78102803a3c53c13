"""Workers on one Redis queue (Debian's redis-server on 127.0.0.1): leases, kills, outages."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import free_port, run_cli, start_cli

pytestmark = pytest.mark.redis

ARTICLES = 3000


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


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


@pytest.mark.slow
def test_three_workers_archive_everything_once_like_a_single_crawl(redis_url, tmp_path):
    import json

    with SampleSite(generated(ARTICLES)) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        queued = run_cli("enqueue", "--redis-url", redis_url, "--input", str(urls))
        assert queued.code == 0, queued.stderr
        assert f"{ARTICLES} URLs queued" in queued.stderr
        out = tmp_path / "workers"
        reports = [tmp_path / f"report{n}.json" for n in range(3)]
        waczs = tmp_path / "wacz"  # --wacz FOLDER: each worker writes its own WACZ there
        waczs.mkdir()
        workers = [start_worker(redis_url, out, report, "--wacz", str(waczs)) for report in reports]
        for worker in workers:
            _, err = worker.communicate(timeout=600)
            assert worker.returncode == 0, err
            assert "eprecat" not in err and "Warning" not in err  # none of scrapy_redis's
            assert "Reading start URLs from redis" not in err  # scrapy-redis' INFO: with -v
        counts = dict(site.requests)
        assert len(counts) == ARTICLES and set(counts.values()) == {1}  # no fetch repeated
        new = [code for report in reports for code in json.loads(report.read_text())["new"]]
        assert len(new) == ARTICLES == len(set(new))  # each archived exactly once
        assert all(json.loads(r.read_text())["new"] for r in reports)  # all three worked

        single = tmp_path / "single"
        result = run_cli("crawl", "--input", str(urls), "-o", str(single))
        assert result.code == 0, result.stderr
    assert files(out) == files(single)
    assert len([name for name in files(out) if name.startswith("_posts/")]) == ARTICLES
    # The workers' web archives together rebuild the same posts, with the site gone.
    assert len(list(waczs.glob("*.wacz"))) == 3
    rebuilt = tmp_path / "rebuilt"
    result = run_cli("rebuild", "--from", str(waczs), "-o", str(rebuilt), timeout=600)
    assert result.code == 0, result.stderr
    assert files(rebuilt) == files(single)


def wait_for_posts(out: Path, count: int, procs) -> None:
    deadline = time.monotonic() + 300
    while not (out / "_posts").exists() or len(os.listdir(out / "_posts")) < count:
        assert time.monotonic() < deadline, "the workers stalled"
        assert any(p.poll() is None for p in procs), "every worker exited"
        time.sleep(0.02)


def report_of(path: Path) -> dict:
    import json

    return json.loads(path.read_text("utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_a_worker_killed_at_random_loses_nothing_and_each_post_is_written_once(
    redis_url, tmp_path, seed
):
    """3 workers over 3,000 URLs, one SIGKILLed at a random moment and replaced: no
    enqueue again, every URL archived, each post written once (its one ledger line)."""
    import random

    rng = random.Random(seed)
    with SampleSite(generated(ARTICLES)) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        assert run_cli("enqueue", "--redis-url", redis_url, "--input", str(urls)).code == 0
        out = tmp_path / "out"
        lease = ("--lease", "2", "--idle-exit", "3")
        reports = {n: tmp_path / f"r{n}.json" for n in range(4)}
        workers = {n: start_worker(redis_url, out, reports[n], *lease) for n in range(3)}
        wait_for_posts(out, rng.randrange(100, ARTICLES - 500), workers.values())
        time.sleep(rng.random() * 0.2)
        victim = rng.randrange(3)
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        workers[3] = start_worker(redis_url, out, reports[3], *lease)  # the replacement
        for n, worker in workers.items():
            if n != victim:
                _, err = worker.communicate(timeout=600)
                assert worker.returncode == 0, err
        fetched = {key: n for key, n in site.requests.items() if key.startswith("data:")}
    ledger = (out / ".newsarchiver-state" / "written-posts").read_text().splitlines()
    codes = [line.split()[0] for line in ledger]
    assert len(codes) == len(set(codes)) == ARTICLES  # each post written once
    assert len(os.listdir(out / "_posts")) == ARTICLES
    assert list(out.rglob(".newsarchiver-*.tmp")) == []
    # The survivors' reports: each URL at most once, none failed or left undone.
    seen = []
    for n in set(workers) - {victim}:
        data = report_of(reports[n])
        assert data["failed"] == [] and data["not_reached"] == []
        seen += data["new"] + data["updated"] + data["unchanged"]
    assert len(seen) == len(set(seen))
    # Fetched twice: only what the killed worker had taken and not finished.
    assert len(fetched) == ARTICLES
    assert sum(n - 1 for n in fetched.values()) <= 2 * 64 and max(fetched.values()) <= 2


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
        wait_for_posts(out, 200, [stopped, other])
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


def start_redis(port: int, folder: Path, persist: bool = True) -> subprocess.Popen:
    """Redis as the README's scale-out section asks: the queue kept in an append-only file
    (``persist=False``: kept in memory only, lost on a restart)."""
    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes" if persist else "no", "--appendfsync", "always",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    for _ in range(200):
        try:
            redis.Redis(port=port).ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("redis-server did not start")


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
    while not (out / "_posts").exists() or len(os.listdir(out / "_posts")) < 60:
        assert worker.poll() is None, worker.communicate()
        time.sleep(0.02)
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
