"""Three Redis workers over 3,000 URLs archive what one crawl does (a minute or more:
``-m slow``; the workers' leases, outages and signals are in e2e/test_scaleout.py)."""

from __future__ import annotations

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import generated
from tests.conftest import run_cli
from tests.e2e.test_scaleout import ARTICLES, files, start_worker

pytestmark = pytest.mark.redis


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

