"""Maintenance at scale: ``categories`` and a cron tick against a large archive.

    python3 benchmarks/maintenance.py                  # 20,000 posts
    python3 benchmarks/maintenance.py --posts 100000

Builds an archive of N posts in the archive's own format on tmpfs (where there
is one), then prints:

  floor       opening each post and reading its first KB, in this process;
  categories  Archive.rebuild_categories() over the archive, in this process, and the
              ``newsarchiver categories`` command (a subprocess, start-up included),
              each with its ratio to the floor (target <= 4);
  cron tick   ``newsarchiver crawl`` of 60 share URLs of which 50 are archived,
              into the N-post archive and into one holding just those 50
              (target: within 1.3 x), the median of --ticks runs each, served
              by the benchmark's origin (nginx when installed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench import Run  # noqa: E402
from origin import articles, origin, scratch_folder  # noqa: E402

from newsarchiver.archive import Archive, layout  # noqa: E402
from newsarchiver.post_format import category_slug, render_post  # noqa: E402
from newsarchiver.sanitize import clean_body  # noqa: E402

OUTLETS = ["河北日报", "中国银行保险报", "证券时报", "经济参考报", "人民日报"]
TICK_URLS, TICK_ARCHIVED = 60, 50


def build_archive(output: Path, count: int, start: int = 0) -> None:
    """``count`` posts as the crawler writes them, spread over a few outlets."""
    posts = output / layout.POSTS
    posts.mkdir(parents=True, exist_ok=True)
    body = None
    for number, article in enumerate(articles(count, start), start):
        body = body or clean_body(article.text)[0]  # one body: the posts differ in their heads
        outlet = OUTLETS[number % len(OUTLETS)]
        post = {
            "code": article.code,
            "title": article.title,
            "published": article.showtime,
            "body": body,
            "outlet": outlet,
            "slug": category_slug(outlet),
        }
        name = layout.post_name(article.showtime, article.code)
        (posts / name).write_bytes(render_post(post).encode("utf-8"))


def floor(output: Path) -> float:
    started = time.perf_counter()
    for entry in os.scandir(output / layout.POSTS):
        with open(entry.path, "rb") as handle:
            handle.read(1024)
    return time.perf_counter() - started


def timed(args: list[str]) -> float:
    """Wall seconds of a child run as bench.py runs them; a failed run ends the benchmark."""
    run = Run(args)
    if run.code != 0:
        sys.exit(f"{' '.join(args[2:4])} exited {run.code}: {run.error.strip()[-400:]}")
    return run.seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", "-n", type=int, default=20000, help="N (default 20000)")
    parser.add_argument("--ticks", type=int, default=5, help="cron ticks of each kind (default 5)")
    opts = parser.parse_args()
    cli = [sys.executable, "-m", "newsarchiver"]

    with tempfile.TemporaryDirectory(prefix="newsarchiver-maint-", dir=scratch_folder()) as tmp:
        work = Path(tmp)
        big = work / "big"
        started = time.perf_counter()
        build_archive(big, opts.posts)
        print(f"archive of {opts.posts} posts built in {time.perf_counter() - started:.1f} s")

        floors = [floor(big) for _ in range(3)]
        base = min(floors)
        print(f"floor (open + read 1 KB each)     {base:6.2f} s")
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            result = Archive(big).rebuild_categories()
            runs.append(time.perf_counter() - started)
        best = min(runs)
        print(
            f"categories, in process            {best:6.2f} s  {best / base:5.1f} x floor  "
            f"({len(result.written) + len(result.unchanged)} categories, {len(result.errors)} errors)"
        )
        command = min(timed([*cli, "categories", "--output", str(big)]) for _ in range(3))
        print(f"categories, the command           {command:6.2f} s  {command / base:5.1f} x floor")

        # A cron tick: 60 URLs, the first 50 already archived (in both archives).
        small = work / "small"
        build_archive(small, TICK_ARCHIVED)
        build_archive(big, TICK_ARCHIVED)  # the same 50 posts (codes 0..49) in the big one
        with origin(TICK_URLS, work) as server:
            urls = work / "tick.txt"
            urls.write_text("".join(server.share_url(c) + "\n" for c in server.codes(TICK_URLS)))
            times: dict[str, list[float]] = {"big": [], "small": []}
            for _ in range(opts.ticks):
                for name, folder in (("small", small), ("big", big)):
                    fresh = layout.POSTS
                    for code in server.codes(TICK_URLS)[TICK_ARCHIVED:]:
                        for post in (folder / fresh).glob(f"*-{code}.md"):
                            post.unlink()  # the 10 new ones are new again
                    times[name].append(
                        timed([*cli, "crawl", "--input", str(urls), "--output", str(folder), "-q"])
                    )
            small_t, big_t = statistics.median(times["small"]), statistics.median(times["big"])
            print(
                f"cron tick ({TICK_URLS} URLs, {TICK_ARCHIVED} archived): into {TICK_ARCHIVED} posts "
                f"{small_t:.2f} s, into {opts.posts} posts {big_t:.2f} s: "
                f"{big_t / small_t:.2f} x (target <= 1.3); origin {server.name}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
