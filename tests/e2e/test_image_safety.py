"""--images keeps only what is safe to publish (issue 27, items 1 to 3): raster
images told by their bytes, from public addresses, redirects on their own host.

Real crawls against the sample site, and a real ``jekyll build`` of the result.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import SampleArticle
from newsarchiver.sample_site.server import IMAGES
from tests.conftest import posts, run_cli

CODE = "NW202205242385500012"


def article(*sources: str) -> SampleArticle:
    images = "".join(f'<img src="{src}">' for src in sources)
    return SampleArticle(
        code=CODE,
        title="图片",
        showtime="2022-05-24 09:00:00",
        medianame="证券时报",
        text=f'<p>看图。</p><p>{images}</p><p class="em_media">（文章来源：证券时报）</p>',
    )


def crawl(site: SampleSite, out: Path, report: Path, *extra: str):
    return run_cli(
        "crawl", site.share_url(CODE), "-o", str(out), "--images", "-q",
        "--report", str(report), *extra,
    )  # fmt: skip


def not_kept(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text("utf-8"))
    return {f["image"].rsplit("/", 1)[-1]: f["reason"] for f in data["images_failed"]}


def kept_files(out: Path) -> dict[str, bytes]:
    folder = out / "assets" / "img"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


class Internal:
    """A second server on 127.0.0.1 (an admin page, an image host), counting what it
    is asked and how many requests it answers at once (each held ``hold`` seconds)."""

    def __init__(self, hold: float = 0) -> None:
        outer = self
        self.asked = 0
        self.in_flight = self.most_at_once = 0
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with lock:
                    outer.asked += 1
                    outer.in_flight += 1
                    outer.most_at_once = max(outer.most_at_once, outer.in_flight)
                try:
                    self.answer()
                finally:
                    with lock:
                        outer.in_flight -= 1

            def answer(self):
                if hold:
                    time.sleep(hold)  # overlap for the count, not ordering
                body = IMAGES["chart.png"][0]
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 1024  # a burst is counted, not dropped by the backlog

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_svg_is_never_kept_whatever_its_name_or_type(tmp_path):
    out, report = tmp_path / "o", tmp_path / "r.json"
    with SampleSite([article("/img/evil.png", "/img/vector.svg", "/img/chart.png")]) as site:
        result = crawl(site, out, report)
    assert result.code == 0, result.stderr
    reasons = not_kept(report)
    assert reasons == {
        "evil.png": "not a PNG, JPEG, GIF, WebP or AVIF image (SVG)",
        "vector.svg": "not a PNG, JPEG, GIF, WebP or AVIF image (SVG)",
    }
    files = kept_files(out)
    assert list(files.values()) == [IMAGES["chart.png"][0]]
    assert all(name.endswith(".png") for name in files)
    post = next(iter(posts(out).values())).decode("utf-8")
    base = site.base_url  # not kept: the remote URL, made absolute
    assert f'src="{base}/img/evil.png"' in post and f'src="{base}/img/vector.svg"' in post


def test_html_served_as_an_image_is_refused_by_its_bytes(tmp_path):
    out, report = tmp_path / "o", tmp_path / "r.json"
    with SampleSite([article("/img/page.png")]) as site:
        assert crawl(site, out, report).code == 0
    assert not_kept(report) == {"page.png": "not a PNG, JPEG, GIF, WebP or AVIF image (HTML)"}
    assert kept_files(out) == {}


def test_an_image_on_a_private_address_is_refused_unless_its_host_is_allowed(tmp_path):
    report = tmp_path / "r.json"
    with Internal() as internal:
        src = f"http://127.0.0.1:{internal.port}/admin"
        with SampleSite([article(src)]) as site:
            refused = crawl(site, tmp_path / "a", report)
            assert refused.code == 0, refused.stderr
            assert not_kept(report) == {
                "admin": "refused: 127.0.0.1 is a private or reserved address (127.0.0.1)"
            }
            assert internal.asked == 0  # never fetched
            assert kept_files(tmp_path / "a") == {}
            allowed = crawl(
                site,
                tmp_path / "b",
                report,
                "-s",
                f"NEWSARCHIVER_IMAGE_HOSTS=127.0.0.1:{internal.port}",
            )
            assert allowed.code == 0
            assert internal.asked == 1
            assert list(kept_files(tmp_path / "b").values()) == [IMAGES["chart.png"][0]]


def test_a_redirect_on_the_image_host_is_followed_and_one_to_another_host_is_not(tmp_path):
    out, report = tmp_path / "o", tmp_path / "r.json"
    with SampleSite([article("/img/moved.png", "/img/away.png")]) as site:
        assert crawl(site, out, report).code == 0
        assert site.requests["img:chart.png"] == 1  # where moved.png led
    assert list(kept_files(out).values()) == [IMAGES["chart.png"][0]]
    reasons = not_kept(report)
    assert list(reasons) == ["away.png"]
    assert "redirected to another host (http://example.invalid)" in reasons["away.png"]


@pytest.mark.jekyll
def test_the_built_blog_holds_no_script_from_an_image(tmp_path):
    from tests.e2e.test_jekyll import jekyll_build

    blog = tmp_path / "blog"
    assert run_cli("init-site", str(blog)).code == 0
    with SampleSite([article("/img/evil.png", "/img/vector.svg", "/img/chart.png")]) as site:
        assert crawl(site, blog, tmp_path / "r.json").code == 0
    built = jekyll_build(blog)
    for path in built.rglob("*"):
        if path.is_file():
            assert b"<script>alert" not in path.read_bytes(), path
    assert [p.suffix for p in (built / "assets" / "img").iterdir()] == [".png"]


@pytest.mark.parametrize(("limit", "args"), [(8, ()), (2, ("--concurrency", "2"))])
def test_images_keep_the_per_host_concurrency_limit(tmp_path, limit, args):
    """Item 4: the media pipeline hands all of an article's images to the downloader
    at once; they still go out at most CONCURRENT_REQUESTS_PER_DOMAIN at a time."""
    out, report = tmp_path / "o", tmp_path / "r.json"
    with Internal(hold=0.02) as images:
        sources = [f"http://127.0.0.1:{images.port}/i{n}.png" for n in range(60)]
        with SampleSite([article(*sources)]) as site:
            allow = f"NEWSARCHIVER_IMAGE_HOSTS=127.0.0.1:{images.port}"
            result = crawl(site, out, report, "-s", allow, *args)
        assert result.code == 0, result.stderr
        assert images.asked == 60
        assert 1 < images.most_at_once <= limit
    assert json.loads(report.read_text("utf-8"))["images_failed"] == []
    post = next(iter(posts(out).values())).decode("utf-8")
    assert post.count('src="/assets/img/') == 60
