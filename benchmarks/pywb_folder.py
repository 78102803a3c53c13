"""pywb over a folder of many WACZ files (cron's ``--wacz DIR``: one file a run).

    python3 benchmarks/pywb_folder.py                  # 1,000 and 10,000 files
    python3 benchmarks/pywb_folder.py --files 2000

For each count it writes that many one-article WACZ files with the project's
own writer (as ``--wacz DIR`` leaves them), adds them all to a pywb collection
the way the README says (``wb-manager add --unpack-wacz``, which merges each
file's CDXJ index into the collection's one sorted index), starts ``wayback``
and prints: the time to add the files, the start-up (until the first replayed
answer), the mean time of 200 lookups of random archived URLs, and the server's
peak RSS. Every lookup must answer the archived body (counts are checked).
pywb is the one .ci/run installs in its own venv (.ci/pywb).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from origin import scratch_folder  # noqa: E402
from scale import BASE, build_wacz  # noqa: E402

from newsarchiver.extract import data_url  # noqa: E402
from newsarchiver.sample_site.articles import generated  # noqa: E402

PYWB = ROOT / ".ci" / "pywb" / "bin"
LOOKUPS = 200


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read()


def measure(files: int, work: Path) -> None:
    folder = work / "wacz"
    folder.mkdir()
    for number in range(files):
        build_wacz(folder / f"newsarchiver-{number:06d}.wacz", 1, number)
    root = work / "pywb"
    root.mkdir()
    run = {"cwd": root, "check": True, "capture_output": True}
    subprocess.run([str(PYWB / "wb-manager"), "init", "news"], **run)
    paths = sorted(str(p) for p in folder.glob("*.wacz"))
    started = time.perf_counter()
    for first in range(0, len(paths), 1000):  # argv stays short
        batch = paths[first : first + 1000]
        subprocess.run([str(PYWB / "wb-manager"), "add", "--unpack-wacz", "news", *batch], **run)
    added = time.perf_counter() - started
    index = root / "collections" / "news" / "indexes" / "index.cdxj"
    lines = sum(1 for _ in index.open("rb"))

    articles = generated(files)
    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        replay = f"http://127.0.0.1:{port}/news/id_/"
        first_url = data_url(BASE, articles[0].code)
        deadline = time.monotonic() + 120
        while True:
            try:
                fetch(replay + first_url)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("wayback did not start")
                time.sleep(0.05)
        startup = time.perf_counter() - started
        rng = random.Random(files)
        chosen = [rng.choice(articles) for _ in range(LOOKUPS)]
        started = time.perf_counter()
        for article in chosen:
            body = json.loads(fetch(replay + data_url(BASE, article.code)))
            if body.get("title") != article.title:
                sys.exit(f"pywb answered another body for {article.code}")
        lookup = (time.perf_counter() - started) / LOOKUPS
        rss = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"  {files} WACZ files: added in {added:.1f} s ({1e3 * added / files:.1f} ms a file; "
        f"one index of {lines} lines), wayback start-up {startup:.2f} s, "
        f"lookup {1e3 * lookup:.1f} ms ({LOOKUPS} random URLs, every body right), "
        f"peak RSS {rss:.0f} MB",
        flush=True,
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="*", default=[1000, 10_000])
    opts = parser.parse_args()
    if not (PYWB / "wayback").exists():
        sys.exit("pywb is not installed: bash .ci/run installs it in .ci/pywb")
    for files in opts.files:
        with tempfile.TemporaryDirectory(prefix="newsarchiver-pywb-", dir=scratch_folder()) as tmp:
            measure(files, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
