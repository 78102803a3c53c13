"""newsarchiver's benchmark: the pipeline's cost against bare Scrapy.

    python3 benchmarks/bench.py                          # N=3000, concurrency 32, 7 pairs
    python3 benchmarks/bench.py --wacz --same-core       # e2e and bare at once on one core
    python3 benchmarks/bench.py --memory 2000,20000,100000
    python3 benchmarks/bench.py --profile                # where the CPU goes, per stage

Serves N generated articles from nginx (see origin.py; the Python sample site
when nginx is missing, and it says so), writes output on tmpfs where there is
one, and runs, interleaved, ``--pairs`` times:

  e2e   newsarchiver end to end (share URLs in, posts on disk), a subprocess;
  bare  a bare Scrapy spider that only downloads the same data endpoint URLs.

Each pair's rate (articles/s) and CPU seconds are printed, then the medians and
the ratios e2e/bare (rate) and bare/e2e (CPU). Counts are checked, not only
times: a run that did not write every post, or asked for any article more or
less than once, is reported and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from origin import Origin, origin, scratch_folder  # noqa: E402
from profile_stages import profile  # noqa: E402

PYTHONPATH = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
# Children run as an installed tool does, from cached bytecode (not compiled anew each run).
CHILD_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": os.pathsep.join([str(ROOT), *PYTHONPATH]),
}


class Run:
    """One child process: wall seconds, CPU seconds, peak RSS in MB.

    ``cpu``: pin it to that CPU. ``wait=False`` starts it; ``finish()`` waits for it.
    """

    def __init__(
        self, args: list[str], cwd: Path | None = None, cpu: int | None = None, wait: bool = True
    ) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            args,
            env=CHILD_ENV,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu})),
        )
        if wait:
            self.finish()

    def finish(self) -> Run:
        # stderr is read after the exit: the runs print at most a few lines with -q.
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.seconds = time.perf_counter() - self.started
        self.cpu = usage.ru_utime + usage.ru_stime
        self.rss = usage.ru_maxrss / 1024
        self.code = os.waitstatus_to_exitcode(status)
        stderr = self.proc.stderr
        self.error = stderr.read().decode(errors="replace") if stderr else ""
        return self


def e2e_args(urls: Path, output: Path, concurrency: int, wacz: Path | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "newsarchiver",
        "crawl",
        "--input",
        str(urls),
        "--output",
        str(output),
        "--concurrency",
        str(concurrency),
        "--quiet",
        *(["--wacz", str(wacz)] if wacz else []),
    ]


class Bench:
    def __init__(
        self, server: Origin, work: Path, count: int, concurrency: int, bare_spider: Path
    ) -> None:
        self.server, self.work, self.count = server, work, count
        self.concurrency, self.bare_spider = concurrency, bare_spider
        self.urls = work / "urls.txt"
        self.problems: list[str] = []
        self.wacz: Path | None = None  # --wacz: the e2e runs keep a web archive

    def write_urls(self, codes: list[str]) -> None:
        self.urls.write_text("".join(self.server.share_url(c) + "\n" for c in codes))

    def check(self, what: str, run: Run, requests: int, written: int | None = None) -> None:
        if run.code != 0:
            self.problems.append(f"{what} exited {run.code}: {run.error.strip()[-400:]}")
        if requests != self.count:
            self.problems.append(f"{what}: {requests} requests for {self.count} articles")
        if written is not None and written != self.count:
            self.problems.append(f"{what}: {written} posts written of {self.count}")

    def e2e_args(self) -> list[str]:
        wacz = self.work / "run.wacz" if self.wacz else None
        return e2e_args(self.urls, self.work / "out", self.concurrency, wacz)

    def e2e_done(self, run: Run, requests: int | None) -> None:
        """Checks an e2e run's output (and its requests, when they are its own)."""
        output = self.work / "out"
        written = len(os.listdir(output / "_posts")) if (output / "_posts").is_dir() else 0
        self.check("e2e", run, self.count if requests is None else requests, written)
        if self.wacz:
            wacz = self.work / "run.wacz"
            kept = _pages_in(wacz)
            if kept != self.count:
                self.problems.append(f"e2e: {kept} articles in the WACZ of {self.count}")
            wacz.unlink(missing_ok=True)
        shutil.rmtree(output, ignore_errors=True)

    def e2e(self) -> Run:
        before = self.server.requests()
        run = Run(self.e2e_args())
        self.e2e_done(run, self.server.requests() - before)
        return run

    def bare_args(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(self.bare_spider),
            "-a",
            f"input={self.urls}",
            "-s",
            f"CONCURRENT_REQUESTS={self.concurrency}",
            "-s",
            f"CONCURRENT_REQUESTS_PER_DOMAIN={self.concurrency}",
        ]

    def bare(self) -> Run:
        before = self.server.requests()
        # Run outside the project folder, so Scrapy's defaults apply, not ours.
        run = Run(self.bare_args(), cwd=self.work)
        self.check("bare", run, self.server.requests() - before)
        return run

    def same_core(self, cpu: int) -> tuple[Run, Run]:
        """e2e and bare at once, both pinned to ``cpu``: the machine's drift hits both alike."""
        before = self.server.requests()
        e2e = Run(self.e2e_args(), cpu=cpu, wait=False)
        bare = Run(self.bare_args(), cwd=self.work, cpu=cpu, wait=False)
        e2e.finish(), bare.finish()
        asked = self.server.requests() - before
        if asked != 2 * self.count:
            self.problems.append(f"same core: {asked} requests for 2 x {self.count} articles")
        self.e2e_done(e2e, None)
        self.check("bare", bare, self.count)
        return e2e, bare


def _pages_in(wacz: Path) -> int:
    import zipfile

    if not wacz.exists():
        return 0
    from newsarchiver.webarchive.records import is_pages, members_in_order

    with zipfile.ZipFile(wacz) as archive:
        return sum(
            1
            for info in members_in_order(archive, is_pages)
            for line in archive.open(info)
            if b'"format"' not in line
        )


def pairs(bench: Bench, count: int) -> None:
    rows: list[tuple[Run, Run]] = []
    print(
        f"{'pair':>4}  {'e2e/s':>7} {'bare/s':>7} {'rate':>5}  {'e2e CPU':>8} {'bare CPU':>8} {'CPU':>5}"
    )
    for number in range(1, count + 1):
        # Alternate which goes first, so neither always has the warmer caches.
        if number % 2:
            e2e, bare = bench.e2e(), bench.bare()
        else:
            bare, e2e = bench.bare(), bench.e2e()
        rows.append((e2e, bare))
        n = bench.count
        print(
            f"{number:>4}  {n / e2e.seconds:7.0f} {n / bare.seconds:7.0f} "
            f"{bare.seconds / e2e.seconds:5.2f}  {e2e.cpu:7.2f}s {bare.cpu:7.2f}s "
            f"{bare.cpu / e2e.cpu:5.2f}",
            flush=True,
        )
    n = bench.count
    e2e_rate = statistics.median(n / e.seconds for e, _ in rows)
    bare_rate = statistics.median(n / b.seconds for _, b in rows)
    e2e_cpu = statistics.median(e.cpu for e, _ in rows)
    bare_cpu = statistics.median(b.cpu for _, b in rows)
    print(
        f"median {e2e_rate:5.0f} {bare_rate:7.0f} {e2e_rate / bare_rate:5.2f}  "
        f"{e2e_cpu:7.2f}s {bare_cpu:7.2f}s {bare_cpu / e2e_cpu:5.2f}"
    )
    # On a shared machine the speed of both runs drifts together: the ratio
    # within each pair is steadier than the ratio of the medians.
    rate_ratio = statistics.median(b.seconds / e.seconds for e, b in rows)
    cpu_ratio = statistics.median(b.cpu / e.cpu for e, b in rows)
    print(
        f"median of the pairs' ratios: e2e/bare rate {rate_ratio:.2f} "
        f"(target >= {0.85 if bench.wacz else 0.9}), "
        f"bare/e2e CPU {cpu_ratio:.2f} (target >= 0.8)"
    )
    print(
        f"CPU per article: e2e {e2e_cpu / n * 1000:.2f} ms, bare {bare_cpu / n * 1000:.2f} ms; "
        f"peak RSS e2e {max(e.rss for e, _ in rows):.0f} MB, "
        f"bare {max(b.rss for _, b in rows):.0f} MB; one request per article in every run"
        + ("" if not bench.problems else " EXCEPT as listed below")
    )


def same_core(bench: Bench, count: int) -> None:
    """CPU of e2e against bare, run at once on one core, ``count`` times."""
    cpu = max(os.sched_getaffinity(0))
    print(f"{'round':>5}  {'e2e CPU':>8} {'bare CPU':>8} {'CPU':>5}")
    ratios = []
    for number in range(1, count + 1):
        e2e, bare = bench.same_core(cpu)
        ratios.append(bare.cpu / e2e.cpu)
        print(f"{number:>5}  {e2e.cpu:7.2f}s {bare.cpu:7.2f}s {ratios[-1]:5.2f}", flush=True)
    print(
        f"median bare/e2e CPU on one shared core: {statistics.median(ratios):.2f} "
        f"(both runs slowed alike by sharing it; a cross-check of the pairs' CPU ratio)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", "-n", type=int, default=3000, help="N (default 3000)")
    parser.add_argument("--concurrency", type=int, default=32, help="for both runs (default 32)")
    parser.add_argument("--pairs", type=int, default=7, help="interleaved pairs (default 7)")
    parser.add_argument(
        "--memory",
        metavar="N,N,...",
        help="instead of pairs: the e2e run's peak RSS at each N (e.g. 2000,20000,100000)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="instead of pairs: one e2e run under py-spy"
    )
    parser.add_argument(
        "--wacz", action="store_true", help="the e2e runs keep a web archive (crawl --wacz)"
    )
    parser.add_argument(
        "--same-core",
        action="store_true",
        help="instead of pairs: e2e and bare at once on one core, --pairs times (CPU ratio)",
    )
    parser.add_argument(
        "--python-origin", action="store_true", help="serve from the Python sample site"
    )
    parser.add_argument(
        "--bare-spider",
        type=Path,
        default=HERE / "bare_spider.py",
        help="the download-only spider (default: benchmarks/bare_spider.py)",
    )
    opts = parser.parse_args()

    sizes = [int(n) for n in opts.memory.split(",")] if opts.memory else [opts.articles]
    with tempfile.TemporaryDirectory(prefix="newsarchiver-bench-", dir=scratch_folder()) as tmp:
        work = Path(tmp)
        with origin(max(sizes), work, python=opts.python_origin) as server:
            print(
                f"origin: {server.name} at {server.base_url}; output in {work} "
                f"({'tmpfs' if str(work).startswith('/dev/shm') else 'disk'}); "
                f"concurrency {opts.concurrency}; origin CPU is not the client's"
            )
            bench = Bench(server, work, opts.articles, opts.concurrency, opts.bare_spider)
            bench.wacz = work / "run.wacz" if opts.wacz else None
            started_cpu = server.cpu()
            if opts.memory:
                print(f"{'N':>7}  {'articles/s':>10}  {'peak RSS':>9}")
                for size in sizes:
                    bench.count = size
                    bench.write_urls(server.codes(size))
                    run = bench.e2e()
                    print(f"{size:>7}  {size / run.seconds:10.0f}  {run.rss:7.1f} MB", flush=True)
            elif opts.profile:
                bench.write_urls(server.codes(opts.articles))
                profile(
                    e2e_args(bench.urls, work / "out", opts.concurrency, bench.wacz),
                    ROOT,
                    work,
                    opts.articles,
                )
            else:
                wacz = "; e2e with --wacz" if opts.wacz else ""
                how = "rounds on one shared core" if opts.same_core else "interleaved pairs"
                print(f"N = {opts.articles}, {opts.pairs} {how}{wacz}")
                bench.write_urls(server.codes(opts.articles))
                (same_core if opts.same_core else pairs)(bench, opts.pairs)
            if server.cpu():
                print(f"origin CPU: {server.cpu() - started_cpu:.2f} s in all")
    for problem in bench.problems:
        print(f"! {problem}", file=sys.stderr)
    return 1 if bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
