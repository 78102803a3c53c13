"""Where an end-to-end run's CPU goes, per stage, from py-spy samples.

py-spy samples every thread of the crawl at a fixed rate without slowing it
much (unlike cProfile, which costs more than some stages it measures). Each
sample's stack is put in the first stage (in the order below) whose marker it
contains; what is left is the reactor, engine and scheduler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# (stage, markers in a py-spy frame "function (file:line)"), most specific first.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("web archive (--wacz)", ("newsarchiver/webarchive", "newsarchiver/recording.py")),
    ("write (post files)", ("store (newsarchiver/pipelines.py", "atomic_write", "read_bytes")),
    ("thread hop", ("threadpool", "_worker (threading.py", "deferToThread", "callFromThread")),
    ("JSON", ("article_from_json",)),
    ("validation", ("ArticleValidator",)),
    ("sanitising", ("clean_body",)),
    ("attribution, slug", ("OutletAttributor",)),
    ("render", ("render (newsarchiver/exporters.py",)),
    (
        "archive index, signals, report",
        (
            "newsarchiver/report.py",
            "newsarchiver/archive/__init__.py",
            "newsarchiver/archive/index.py",
        ),
    ),
    ("item machinery (scraper, pipelines)", ("scrapy/core/scraper.py", "scrapy/pipelines")),
    ("spider: start, requests", ("newsarchiver/spiders",)),
    (
        "download (HTTP, middlewares)",
        ("scrapy/core/downloader", "twisted/web", "scrapy/core/http2", "twisted/internet/tcp.py"),
    ),
    ("startup (imports, settings)", ("_find_and_load", "newsarchiver/runner/")),
]
OTHER = "engine, scheduler, reactor"


def stage_of(stack: str) -> str:
    for stage, markers in STAGES:
        if any(marker in stack for marker in markers):
            return stage
    return OTHER


def profile(args: list[str], root: Path, work: Path, articles: int, rate: int = 250) -> int:
    """Run ``args`` under py-spy and print the share of samples in each stage."""
    spy = shutil.which("py-spy")
    if spy is None:
        print("py-spy not found: pip install py-spy (or pip install -e '.[bench]')")
        return 1
    raw = work / "profile.txt"
    subprocess.run(
        [spy, "record", "--format", "raw", "--rate", str(rate), "--nonblocking", "-o", str(raw)]
        + ["--threads", "--", *args],
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    samples: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            samples[stage_of(stack)] += int(count)
    total = sum(samples.values()) or 1
    print(f"{'stage':<40} {'share of samples':>16} {'ms per article':>15}")
    for stage, count in samples.most_common():
        per_article = count / rate / max(articles, 1) * 1000
        print(f"{stage:<40} {count / total:16.1%} {per_article:15.3f}")
    print(f"{total} samples at {rate}/s over {articles} articles")
    return 0


if __name__ == "__main__":
    sys.exit(profile(sys.argv[1:], Path.cwd(), Path.cwd(), articles=1))
