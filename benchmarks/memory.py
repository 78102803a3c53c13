"""Peak memory of long inputs against a slow origin: bounded by concurrency, not by input.

    python3 benchmarks/memory.py                 # 2,000 and 200,000, crawl and discover
    python3 benchmarks/memory.py --sizes 2000,50000 --seconds 15

For each size N: ``crawl -i`` of N share URLs, and ``discover`` of one listing
page of N codes, against the sample site answering each request after 0.5 s,
for ``--seconds``; then SIGTERM. Prints each run's peak RSS (VmRSS sampled
every 0.2 s) and its exit code (130: stopped, as meant).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsarchiver.sample_site import SampleSite  # noqa: E402
from newsarchiver.sample_site.articles import generated  # noqa: E402


class OnePageListing(SampleSite):
    """A listing whose first page holds every code (the sample site caps a page at 1,000)."""

    def listing(self, page, size, key="nodeList", code_key="infocode"):
        return {key: [{code_key: code} for code in (self.order if page == 1 else [])]}


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def peak(args: list[str], seconds: float) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsarchiver", *args, "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    highest, started = 0.0, time.monotonic()
    while proc.poll() is None and time.monotonic() - started < seconds:
        highest = max(highest, rss_mb(proc.pid))
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    while proc.poll() is None:
        highest = max(highest, rss_mb(proc.pid))
        time.sleep(0.2)
    return highest, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,200000")
    parser.add_argument("--seconds", type=float, default=25)
    opts = parser.parse_args()
    print(f"{'run':10s} {'N':>8s} {'peak RSS':>10s} {'exit':>5s}")
    for size in (int(n) for n in opts.sizes.split(",")):
        with (
            tempfile.TemporaryDirectory() as folder,
            OnePageListing(generated(size), latency=0.5) as site,
        ):
            urls = Path(folder) / "urls.txt"
            urls.write_text("\n".join(site.share_urls()))
            runs = {
                "crawl -i": ["crawl", "-i", str(urls), "-o", f"{folder}/c"],
                "discover": ["discover", site.listing_url(1, size), "-o", f"{folder}/d",
                             "-s", "DOWNLOAD_MAXSIZE=0"],
            }  # fmt: skip
            for name, args in runs.items():
                mb, code = peak(args, opts.seconds)
                print(f"{name:10s} {size:8d} {mb:7.0f} MB {code:5d}", flush=True)


if __name__ == "__main__":
    main()
