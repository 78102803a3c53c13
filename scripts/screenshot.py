"""Render the built sample blog with headless Chromium: seen, not assumed.

    python3 scripts/screenshot.py [--out docs/blog.png] [--page /]

Makes the demo blog (``newsarchiver demo --blog``) in a temporary folder,
builds it with Debian's jekyll, serves ``_site`` on 127.0.0.1 and has Debian's
``chromium`` take a screenshot of a page (``apt-get install chromium
fonts-wqy-microhei``: without a CJK font the Chinese text shows as boxes).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Chromium's background traffic goes nowhere on a closed network: leave it off.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "blog.png"), help="the PNG to write")
    parser.add_argument("--page", default="/", help="the page of the blog to render")
    parser.add_argument("--size", default="1000,900", help="window width,height")
    opts = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    jekyll = shutil.which("jekyll")
    if not chromium or not jekyll:
        print(
            "needs Debian's chromium and jekyll: apt-get install chromium jekyll", file=sys.stderr
        )
        return 4
    with tempfile.TemporaryDirectory() as folder:
        blog = Path(folder) / "blog"
        subprocess.run([sys.executable, "-m", "newsarchiver", "demo", "--blog", str(blog)],
                       check=True, cwd=ROOT, capture_output=True)  # fmt: skip
        subprocess.run([jekyll, "build", "-s", str(blog), "-d", str(blog / "_site")],
                       check=True, capture_output=True)  # fmt: skip
        handler = functools.partial(
            http.server.SimpleHTTPRequestHandler, directory=str(blog / "_site")
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}{opts.page}"
        try:
            subprocess.run(
                [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={folder}/profile",
                 f"--window-size={opts.size}", f"--screenshot={opts.out}", url],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
        finally:
            server.shutdown()
    print(f"{url} rendered to {opts.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
