"""Every command against a big archive: what a tick costs at N posts, and at 10 N.

    python3 benchmarks/scale.py                      # N = 10,000 and 100,000
    python3 benchmarks/scale.py --sizes 1000 10000   # quicker
    python3 benchmarks/scale.py --skip rebuild       # leave a command out

For each N it builds, cheaply and with the project's own writers (no crawl),
an archive of N posts (``render_post``, ``layout.post_name``) and a WACZ of
the N articles' data answers (``WarcSpool``, as ``--wacz`` writes it), on
tmpfs where there is one. Then it times, as cron runs them (``-q``):

  crawl tick     ``crawl`` of 60 share URLs, 50 of them archived (10 new);
  discover tick  ``discover`` of a listing whose first page is all archived,
                 its state caught up (a second run);
  categories     ``categories`` over the N posts;
  rotate         ``rotate`` with nothing to move (a caught-up tick);
  wacz tick      ``crawl --wacz FILE`` of 10 new articles into the N-article
                 WACZ, with the bytes the process read and wrote (/proc/self/io)
                 beyond the same tick into a fresh target;
  rebuild        ``rebuild --from`` the N-article WACZ, CPU per article.

It prints each cost at every N and the ratio of the largest N to the smallest
(target: per-tick costs within 1.1 x, per-article costs flat). The origin is
the sample site (the ticks fetch at most 10 articles).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from maintenance import build_archive  # noqa: E402
from origin import articles, scratch_folder  # noqa: E402

from newsarchiver.extract import data_url, share_url  # noqa: E402
from newsarchiver.sample_site import SampleSite  # noqa: E402
from newsarchiver.sample_site.articles import generated  # noqa: E402
from newsarchiver.webarchive import WarcSpool  # noqa: E402

BASE = "http://finews.scale.test"  # the archived articles' host (rebuild fetches nothing)
TICK_URLS, TICK_ARCHIVED = 60, 50
CHILD_ENV = {**os.environ, "PYTHONHASHSEED": "0"}
# The CLI in a child that writes its /proc/self/io at exit (bytes read and written).
IO_WRAPPER = (
    "import atexit, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(out, 'w').write(open('/proc/self/io').read()))\n"
    "sys.argv[0] = 'newsarchiver'\n"
    "runpy.run_module('newsarchiver', run_name='__main__')\n"
)


class Child:
    """One CLI run: wall and CPU seconds, peak RSS (MB), bytes read and written."""

    def __init__(self, args: list[str], work: Path) -> None:
        io_file = work / "io.txt"
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", IO_WRAPPER, str(io_file), *args],
            env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        self.seconds = time.perf_counter() - started
        self.cpu = usage.ru_utime + usage.ru_stime
        self.rss = usage.ru_maxrss / 1024
        self.code = os.waitstatus_to_exitcode(status)
        self.error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        io = dict(line.split(": ") for line in io_file.read_text().splitlines())
        self.read, self.written = int(io["rchar"]), int(io["wchar"])
        if self.code not in (0,):
            sys.exit(f"{' '.join(args[:1])} exited {self.code}: {self.error.strip()[-600:]}")


def build_wacz(target: Path, count: int, start: int = 0) -> None:
    """A WACZ of ``count`` articles' data answers, as ``--wacz`` keeps them."""
    spool = WarcSpool(target, datetime.now(UTC))
    headers = [(b"Content-Type", b"application/json; charset=utf-8")]
    for article in articles(count, start):
        body = json.dumps(article.json(), ensure_ascii=False).encode("utf-8")
        url = data_url(BASE, article.code)
        spool.add_response(url, 200, headers, body)
        spool.add_page(url, article.title, share_url(BASE, article.code), article.code)
    spool.pack(fsync=False)


def measure(size: int, work: Path, skip: set[str]) -> dict[str, tuple[float, str]]:
    """The costs at ``size`` posts: name -> (figure, unit)."""
    out, figures = work / "blog", {}
    started = time.perf_counter()
    build_archive(out, size)
    wacz = work / "archive.wacz"
    build_wacz(wacz, size)
    print(
        f"  N={size}: {size} posts and a WACZ of {size} articles "
        f"({wacz.stat().st_size / 1e6:.0f} MB) built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    cli = ["-q", "--output", str(out)]
    # Ticks ask the sample site: the first 50 of its 60 articles are among the N posts.
    tick = [a for a in generated(TICK_URLS)]
    with SampleSite(tick) as site:
        urls = work / "tick.txt"
        urls.write_text("".join(site.share_url(a.code) + "\n" for a in tick), encoding="utf-8")
        new = [a.code for a in tick[TICK_ARCHIVED:]]

        def forget_new() -> None:
            for code in new:
                for post in (out / "_posts").glob(f"*-{code}.md"):
                    post.unlink()

        if "crawl" not in skip:
            runs = []
            for _ in range(3):
                forget_new()
                runs.append(Child(["crawl", "--input", str(urls), *cli], work))
            figures["crawl tick"] = (min(r.seconds for r in runs), "s")
        if "discover" not in skip:
            listing = site.listing_url(1, 20)
            Child(["discover", listing, *cli], work)  # catches up; the next is a tick
            runs = [Child(["discover", listing, *cli], work) for _ in range(3)]
            figures["discover tick"] = (min(r.seconds for r in runs), "s")
        if "wacz" not in skip:
            new_urls = work / "new.txt"
            new_urls.write_text("".join(site.share_url(c) + "\n" for c in new), encoding="utf-8")
            fresh, grown = [], []
            copy = work / "tick.wacz"
            shutil.copyfile(wacz, copy)
            forget_new()
            # One tick first, as cron's last one: the target's hashes are then noted.
            Child(["crawl", "--input", str(new_urls), "--wacz", str(copy), *cli], work)
            for _ in range(2):
                forget_new()
                target = work / "fresh.wacz"
                target.unlink(missing_ok=True)
                fresh.append(Child(["crawl", "--input", str(new_urls), "--wacz", str(target),
                                    *cli], work))  # fmt: skip
                forget_new()
                grown.append(Child(["crawl", "--input", str(new_urls), "--wacz", str(copy),
                                    *cli], work))  # fmt: skip
            base, big = min(fresh, key=lambda r: r.seconds), min(grown, key=lambda r: r.seconds)
            extra = (big.read + big.written) - (base.read + base.written)
            figures["wacz tick"] = (big.seconds, "s")
            figures["wacz tick extra I/O"] = (extra / 1e6, "MB")
            figures["wacz tick extra / WACZ"] = (100 * extra / wacz.stat().st_size, "%")
    if "categories" not in skip:
        runs = [Child(["categories", *cli], work) for _ in range(2)]
        figures["categories"] = (min(r.seconds for r in runs), "s")
    if "rotate" not in skip:
        Child(["rotate", "--keep-days", "36500", *cli], work)
        runs = [Child(["rotate", "--keep-days", "36500", *cli], work) for _ in range(2)]
        figures["rotate tick"] = (min(r.seconds for r in runs), "s")
    if "rebuild" not in skip:
        again = work / "again"
        run = Child(["rebuild", "--from", str(wacz), "-q", "--output", str(again),
                     "--share-base", BASE], work)  # fmt: skip
        posts = len(os.listdir(again / "_posts"))
        if posts != size:
            sys.exit(f"rebuild wrote {posts} posts of {size}")
        figures["rebuild CPU an article"] = (1000 * run.cpu / size, "ms")
        figures["rebuild peak RSS"] = (run.rss, "MB")
    return figures


def folder_figures(files: int, each: int, work: Path) -> None:
    """``rebuild --from`` a folder of ``files`` WACZ of ``each`` articles: start-up
    (the page lists and indexes read, in this process), CPU an article, peak RSS."""
    from newsarchiver.webarchive import WebArchive, archived_articles

    folder = work / "folder"
    folder.mkdir()
    for number in range(files):
        build_wacz(folder / f"run-{number:06d}.wacz", each, number * each)
    paths = sorted(folder.glob("*.wacz"))
    started = time.perf_counter()
    found = archived_articles(paths)
    archive = WebArchive(paths).open()
    startup = time.perf_counter() - started
    archive.close()
    again = work / "again"
    run = Child(["rebuild", "--from", str(folder), "-q", "--output", str(again),
                 "--share-base", BASE], work)  # fmt: skip
    posts = len(os.listdir(again / "_posts"))
    if posts != files * each or len(found) != posts:
        sys.exit(f"rebuild of the folder wrote {posts} posts of {files * each}")
    print(
        f"  folder of {files} WACZ ({each} article(s) each): start-up {startup:.2f} s "
        f"({1e3 * startup / files:.2f} ms a file), rebuild CPU {1e3 * run.cpu / posts:.2f} ms "
        f"an article, peak RSS {run.rss:.0f} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--skip", action="append", default=[],
        choices=["crawl", "discover", "wacz", "categories", "rotate", "rebuild"],
    )  # fmt: skip
    parser.add_argument(
        "--folders", type=int, nargs="*", default=[],
        help="also rebuild folders of this many one-article WACZ files (e.g. 2000 10000)",
    )  # fmt: skip
    opts = parser.parse_args()
    for files in opts.folders:
        with tempfile.TemporaryDirectory(prefix="newsarchiver-scale-", dir=scratch_folder()) as tmp:
            folder_figures(files, 1, Path(tmp))
    if not opts.sizes:
        return 0
    results: dict[int, dict[str, tuple[float, str]]] = {}
    for size in opts.sizes:
        with tempfile.TemporaryDirectory(prefix="newsarchiver-scale-", dir=scratch_folder()) as tmp:
            results[size] = measure(size, Path(tmp), set(opts.skip))
    small, large = min(results), max(results)
    print(f"\n{'':26}" + "".join(f"{f'N={n}':>14}" for n in results) + f"{'ratio':>9}")
    for name, (_, unit) in results[small].items():
        values = [results[n][name][0] for n in results]
        ratio = results[large][name][0] / results[small][name][0] if results[small][name][0] else 0
        print(f"{name + f' ({unit})':26}" + "".join(f"{v:14.3f}" for v in values) + f"{ratio:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
