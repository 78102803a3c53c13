"""newsarchiver's benchmark: end to end against the framework's ceiling and the old script.

    python benchmarks/bench.py --articles 5000
    python benchmarks/bench.py --articles 5000 --latency 0.05 --concurrency 32

Starts a finews-compatible server on 127.0.0.1 with N generated articles the
size of the golden one (optional latency per response), then runs, one after
the other, and prints side by side:

  a. newsarchiver end to end (share URLs in, posts on disk), as a subprocess;
  b. a bare Scrapy spider that only downloads the same data endpoint URLs;
  c. a loop in the style of the old archive's script: sequential requests.get,
     json.loads, string formatting, a file write per article (on the first
     --baseline-articles articles: its rate does not depend on N);

with articles/s and each run's peak RSS, and the ratios a/b and a/c.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from newsarchiver.sample_site import SampleSite  # noqa: E402
from newsarchiver.sample_site.articles import generated  # noqa: E402


def run_child(args: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Run a command; return (seconds, peak RSS in MB, CPU seconds)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"  ! {args[2:4]} exited {code}: {err[-500:]}", file=sys.stderr)
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def old_script(base: str, codes: list[str], folder: Path) -> None:
    """What the old archive's script did, per article, one after the other."""
    import requests

    folder.mkdir(parents=True, exist_ok=True)
    for code in codes:
        data = json.loads(requests.get(f"{base}/NewsData/GetNewsText.do?id={code}").text)
        text = data["text"].replace("\u3000\u3000", "")
        outlet = data["medianame"]
        post = (
            '---\nlayout: post\ntitle: "'
            + data["title"]
            + '"\ndate: '
            + data["showtime"]
            + " +0800\ncategories: hebeiribao\ntags: "
            + outlet
            + "新闻\n---\n"
            + text
            + "\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode="
            + code
            + ">\n\n"
            "[返回" + outlet + "新闻](//finews.withounder.com/category/hebeiribao.html)｜"
            "[返回首页](//finews.withounder.com/)"
        )
        with open(folder / f"{data['showtime'][:10]}-{code}.md", "w", encoding="utf-8") as f:
            f.write(post)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", "-n", type=int, default=5000, help="N (default 5000)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per response")
    parser.add_argument("--concurrency", type=int, default=16, help="for a and b (default 16)")
    parser.add_argument(
        "--baseline-articles",
        type=int,
        default=1000,
        help="articles for c, the sequential loop (default 1000)",
    )
    parser.add_argument("--skip", default="", help="runs to skip, e.g. 'c' or 'bc'")
    opts = parser.parse_args()

    articles = generated(opts.articles)
    results: dict[str, tuple[float, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="newsarchiver-bench-") as tmp,
        SampleSite(articles, latency=opts.latency) as site,
    ):
        work = Path(tmp)
        urls = work / "urls.txt"
        urls.write_text("\n".join(site.share_urls()) + "\n", encoding="utf-8")
        size = len(json.dumps(articles[0].json(), ensure_ascii=False).encode())
        print(
            f"server {site.base_url}: {opts.articles} articles of {size} bytes, "
            f"latency {opts.latency * 1000:.0f} ms, concurrency {opts.concurrency}"
        )

        if "a" not in opts.skip:
            site.requests.clear()
            seconds, rss, cpu = run_child(
                [
                    sys.executable,
                    "-m",
                    "newsarchiver",
                    "crawl",
                    "--input",
                    str(urls),
                    "--output",
                    str(work / "a"),
                    "--concurrency",
                    str(opts.concurrency),
                    "--quiet",
                ]
            )
            written = len(os.listdir(work / "a" / "_posts"))
            requests = sum(site.requests.values())
            results["a"] = (written / seconds, rss)
            print(
                f"a. newsarchiver end to end   {written / seconds:8.1f} articles/s  "
                f"peak RSS {rss:6.1f} MB  ({written} posts, {requests} requests, "
                f"{seconds:.1f} s, CPU {cpu / max(written, 1) * 1000:.2f} ms/article)"
            )
        if "b" not in opts.skip:
            site.requests.clear()
            # Run outside the project folder, so Scrapy's defaults apply, not ours.
            seconds, rss, cpu = run_child(
                [
                    sys.executable,
                    "-m",
                    "scrapy",
                    "runspider",
                    str(HERE / "bare_spider.py"),
                    "-a",
                    f"input={urls}",
                    "-a",
                    f"base={site.base_url}",
                    "-s",
                    f"CONCURRENT_REQUESTS={opts.concurrency}",
                    "-s",
                    f"CONCURRENT_REQUESTS_PER_DOMAIN={opts.concurrency}",
                ],
                cwd=work,
            )
            fetched = sum(site.requests.values())
            results["b"] = (fetched / seconds, rss)
            print(
                f"b. bare Scrapy, download only {fetched / seconds:8.1f} articles/s  "
                f"peak RSS {rss:6.1f} MB  ({fetched} requests, {seconds:.1f} s, "
                f"CPU {cpu / max(fetched, 1) * 1000:.2f} ms/article)"
            )
        if "c" not in opts.skip:
            codes = [a.code for a in articles[: opts.baseline_articles]]
            started = time.perf_counter()
            old_script(site.base_url, codes, work / "c")
            seconds = time.perf_counter() - started
            results["c"] = (len(codes) / seconds, 0.0)
            print(
                f"c. old script, sequential     {len(codes) / seconds:8.1f} articles/s  "
                f"({len(codes)} articles, {seconds:.1f} s)"
            )

    if "a" in results and "b" in results:
        print(f"a/b = {results['a'][0] / results['b'][0]:.2f}")
    if "a" in results and "c" in results:
        print(f"a/c = {results['a'][0] / results['c'][0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
