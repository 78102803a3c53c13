"""The benchmark itself: it serves from nginx, fetches every article once and says so.

Speed is never asserted here; this checks that the figures the benchmark
prints are about a run that did the work (a spider that fetched nothing looks
very fast).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

pytestmark = pytest.mark.slow  # the benchmark, small: a run of it against nginx each


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.nginx
def test_pairs_against_nginx_count_every_article_once():
    run = bench("--articles", "40", "--pairs", "1", "--concurrency", "8")
    assert run.returncode == 0, run.stderr
    assert "origin: nginx" in run.stdout
    assert "median" in run.stdout and "e2e/bare rate" in run.stdout
    assert "one request per article in every run" in run.stdout


@pytest.mark.nginx
def test_same_core_rounds_check_both_runs_counts():
    run = bench("--articles", "40", "--pairs", "1", "--concurrency", "8", "--same-core", "--wacz")
    assert run.returncode == 0, run.stderr
    assert "rounds on one shared core; e2e with --wacz" in run.stdout
    assert "median bare/e2e CPU on one shared core" in run.stdout


def test_python_origin_fallback_and_memory_mode():
    run = bench("--python-origin", "--memory", "20,30", "--concurrency", "4")
    assert run.returncode == 0, run.stderr
    assert "origin: python sample site" in run.stdout
    assert [line.split()[0] for line in run.stdout.splitlines()[-2:]] == ["20", "30"]


ORIGINS = [
    pytest.param([], id="nginx", marks=pytest.mark.nginx),
    pytest.param(["--python-origin"], id="python"),
]


@pytest.mark.parametrize("origin", ORIGINS)
def test_a_run_that_fetched_less_fails_the_benchmark(tmp_path, origin):
    # A bare spider that asks for nothing: its figure must not be printed as valid.
    empty = tmp_path / "bare_spider.py"
    empty.write_text(
        "import scrapy\n"
        "class BareSpider(scrapy.Spider):\n"
        "    name = 'bare'\n"
        "    def __init__(self, input='', **kw):\n"
        "        super().__init__(**kw)\n"
        "    def start_requests(self):\n"  # not called by Scrapy 2.13+: fetches nothing
        "        yield scrapy.Request('http://127.0.0.1:9/')\n"
    )
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), *origin,
         "--articles", "10", "--pairs", "1", "--bare-spider", str(empty)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1
    assert "bare: 0 requests for 10 articles" in run.stderr
    if not origin:  # and run at once with e2e on one core: the total is short
        run = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--same-core",
             "--articles", "10", "--pairs", "1", "--bare-spider", str(empty)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 1
        assert "same core: 10 requests for 2 x 10 articles" in run.stderr
