"""Random-kill seeds, each a minute or so of CPU: a bare ``pytest`` leaves them out
(``-m slow``; .ci/run runs them). The quick cases of the same features, with a seed or
two, are in tests/e2e/.

- discover stopped at a random point (seeds 2 to 11; seeds 0 and 1 in
  e2e/test_discover_state.py);
- a ``--wacz FILE`` grow SIGKILLed at a random instant in a forked child (10 seeds);
- one of three Redis workers SIGKILLed at a random moment over 3,000 URLs (10 seeds).
"""

from __future__ import annotations

import os
import random
import signal
import time
import zipfile
from datetime import UTC, datetime

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from newsarchiver.webarchive import check_target, package_problems
from newsarchiver.webarchive.pack import growable, tail_path
from tests.conftest import run_cli, wait_for_posts
from tests.e2e.test_discover_state import stop_at_a_random_point
from tests.e2e.test_preservation import pages
from tests.e2e.test_scaleout import ARTICLES, report_of, start_worker
from tests.e2e.test_wacz_growth import spool_of


@pytest.mark.parametrize("seed", range(2, 12))
def test_a_discover_run_stopped_at_a_random_point_loses_nothing_for_the_next(seed, tmp_path):
    stop_at_a_random_point(seed, tmp_path)


@pytest.mark.parametrize("seed", range(10))
def test_a_run_killed_while_growing_the_wacz_leaves_the_old_file_or_the_new(tmp_path, seed):
    target = tmp_path / "a.wacz"
    spool_of(target, 0, 200).pack(fsync=False)
    old = target.read_bytes()
    assert growable(target) is not None
    # How long a grow takes here, to kill the next one somewhere inside it.
    probe = tmp_path / "probe.wacz"
    probe.write_bytes(old)
    started = datetime.now(UTC)
    spool_of(probe, 200, 200).pack(fsync=True)
    took = (datetime.now(UTC) - started).total_seconds()
    delay = random.Random(seed).uniform(0, took * 1.2)
    spool = spool_of(target, 200, 200)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child is killed or exits
        signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGKILL))
        signal.setitimer(signal.ITIMER_REAL, max(delay, 1e-6))
        spool.pack(fsync=True)
        os._exit(0)
    os.waitpid(child, 0)
    assert check_target(target) is None  # recovers first, then checks the hashes
    assert not tail_path(target).exists()
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert package_problems(archive, target) == []
    codes = [p["newsarchiver"]["code"] for p in pages(target)]
    if target.read_bytes() != old:
        assert len(codes) == 400  # the new file, whole
    else:
        assert len(codes) == 200



@pytest.mark.redis
@pytest.mark.parametrize("seed", range(10))
def test_a_worker_killed_at_random_loses_nothing_and_each_post_is_written_once(
    redis_url, tmp_path, seed
):
    """3 workers over 3,000 URLs, one SIGKILLed at a random moment and replaced: no
    enqueue again, every URL archived, each post written once (its one ledger line)."""
    rng = random.Random(seed)
    with SampleSite(generated(ARTICLES)) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(site.share_urls()), encoding="utf-8")
        assert run_cli("enqueue", "--redis-url", redis_url, "--input", str(urls)).code == 0
        out = tmp_path / "out"
        lease = ("--lease", "2", "--idle-exit", "3")
        reports = {n: tmp_path / f"r{n}.json" for n in range(4)}
        workers = {n: start_worker(redis_url, out, reports[n], *lease) for n in range(3)}
        wait_for_posts(out, rng.randrange(100, ARTICLES - 500), *workers.values(), limit=300)
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

