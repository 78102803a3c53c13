"""A finews-compatible site on 127.0.0.1, for the demo, the tests and the benchmark.

It serves what the real host serves: the data endpoint
(``/NewsData/GetNewsText.do?id=``), the share page
(``/html_News/NewsShare.html?infoCode=``), a listing
(``/NewsData/GetNewsList.do?page=&size=``) and body images (``/img/NAME``,
:data:`IMAGES`, any query string). ``faults`` makes chosen answers
misbehave, so tests can show how the archiver copes.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newsarchiver.sample_site.articles import ARTICLES, SampleArticle

PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="{charset}">
<title>{title}</title>
</head>
<body>
<div class="newsContent">
  <h1>
    {title}
  </h1>
  <div class="Info">
    <div class="time">{time}</div>
    {source}
  </div>
  <div id="ContentBody" class="Body">
    {body}
  </div>
</div>
<script src="/js/newsshare.js"></script>
</body>
</html>
"""

SHELL = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>资讯分享</title></head>
<body>
<div class="newsContent"><h1></h1><div class="Info"><div class="time"></div></div>
<div id="ContentBody" class="Body"></div></div>
<script src="/js/newsshare.js"></script>
</body>
</html>
"""

# What a fault makes the server do instead of answering normally.
FAULTS = (
    "500",
    "503",
    "404",
    "hang",
    "reset",
    "malformed",
    "empty",
    "huge",
    "notitle",
    "nodate",
    "nolist",
    "redirect-self",
    "redirect-other",
)


def png(width: int, height: int) -> bytes:
    """A real PNG of grey pixels, ``width`` x ``height``."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + bytes([128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )  # fmt: skip


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
)
# Body images the site serves at /img/NAME: (bytes, Content-Type).
IMAGES = {
    "chart.png": (png(4, 3), "image/png"),
    "kline": (png(8, 8), "image/png"),  # no extension: a chart behind a token
    "photo.jpg": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9", "image/jpeg"),
    "page.png": (b"<html>login first</html>", "text/html; charset=utf-8"),  # not an image
    # 300 KB that do not compress: over a small NEWSARCHIVER_IMAGE_MAX_SIZE.
    "big.png": (png(4, 4)[:-12] + random.Random(0).randbytes(300_000), "image/png"),
    # Scripted SVG, named and served as a PNG, and as what it is.
    "evil.png": (SVG_WITH_SCRIPT, "image/png"),
    "vector.svg": (SVG_WITH_SCRIPT, "image/svg+xml"),
}
# Images that answer with a redirect: NAME -> Location (here, or on another host).
IMAGE_REDIRECTS = {"moved.png": "/img/chart.png", "away.png": "http://example.invalid/x.png"}


def render_page(article: SampleArticle) -> tuple[bytes, str]:
    """The rendered share page and its Content-Type."""
    if article.page == "shell":
        return SHELL.encode("utf-8"), "text/html; charset=utf-8"
    source = (
        f'<div class="source">{escape(article.page_source)}</div>' if article.page_source else ""
    )
    page = PAGE.format(
        charset=article.encoding,
        title=escape(article.title, quote=False),
        time=article.page_time or article.showtime,
        source=source,
        body=article.text,
    )
    content_type = "text/html"
    if article.charset_in_header:
        content_type += f"; charset={article.encoding}"
    return page.encode(article.encoding), content_type


class SampleSite:
    """Serves ``articles`` on ``host:port`` (port 0: any free port) in a thread."""

    def __init__(
        self,
        articles: Iterable[SampleArticle] = ARTICLES,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        faults: dict[str, list[str]] | None = None,
    ) -> None:
        self.articles = {article.code: article for article in articles}
        self.order = list(self.articles)
        self.latency = latency
        # "data:CODE" / "page:CODE" / "list:PAGE" -> faults to answer with, in turn
        self.faults = {key: list(value) for key, value in (faults or {}).items()}
        self.requests: Counter[str] = Counter()  # asked for, by key ("data:CODE", "list:2")
        self.answered: Counter[str] = Counter()  # answered whole, by the same keys
        self._handling = threading.local()  # the key of the request this thread answers
        self.begun = 0  # requests begun, answered or not (each one sleeps ``latency`` first)
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests served at once
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def share_url(self, code: str) -> str:
        return f"{self.base_url}/html_News/NewsShare.html?infoCode={code}"

    def share_urls(self) -> list[str]:
        return [self.share_url(code) for code in self.order]

    def listing_url(self, page: int = 1, size: int = 20) -> str:
        return f"{self.base_url}/NewsData/GetNewsList.do?page={page}&size={size}"

    def start(self) -> SampleSite:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def next_fault(self, key: str) -> str | None:
        self._handling.key = key
        with self.lock:
            self.requests[key] += 1
            queue = self.faults.get(key)
            return queue.pop(0) if queue else None

    def listing(self, page: int, size: int, key: str = "nodeList", code_key: str = "infocode"):
        """A page of the listing; ``key`` and ``code_key`` pick among the real site's shapes."""
        codes = self.order[(page - 1) * size : page * size]
        entries = [
            {
                code_key: code,
                "title": self.articles[code].title,
                "showtime": self.articles[code].showtime,
                "medianame": self.articles[code].medianame,
            }
            for code in codes
        ]
        if key == "data.records":
            return {"data": {"records": entries, "total": len(self.order)}}
        return {key: entries, "total": len(self.order), "page": page}

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "finews-sample/1.0"

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as separate writes; without this,
                # Nagle's algorithm and delayed ACKs stall every keep-alive answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:  # noqa: N802
                with site.lock:
                    site.begun += 1
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                site._handling.key = None
                try:
                    self.answer()
                    if site._handling.key is not None:
                        with site.lock:
                            site.answered[site._handling.key] += 1
                finally:
                    with site.lock:
                        site.in_flight -= 1

            def answer(self) -> None:
                if site.latency:
                    time.sleep(site.latency)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/NewsData/GetNewsText.do":
                    self.data(query.get("id", ""))
                elif parts.path == "/html_News/NewsShare.html":
                    self.page(query.get("infoCode", ""))
                elif parts.path == "/NewsData/GetNewsList.do":
                    self.list(query)
                elif parts.path.startswith("/img/"):
                    self.image(parts.path[len("/img/") :])
                else:
                    self.send(404, b"not found", "text/plain")

            def send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def fault(self, fault: str | None) -> bool:
                if fault is None:
                    return False
                if fault in ("500", "503", "404"):
                    self.send(int(fault), b"error", "text/plain")
                elif fault == "hang":
                    time.sleep(30)
                    self.close_connection = True
                elif fault == "endless":
                    # A chunked answer that never ends (until the client gives up).
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        while True:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    except OSError:
                        self.close_connection = True
                elif fault == "reset":
                    self.close_connection = True
                    self.connection.shutdown(2)
                elif fault == "malformed":
                    self.send(200, b'{"title": "broken", "text": "<p>', "application/json")
                elif fault == "empty":
                    self.send(200, b'{"infoCode": "", "text": ""}', "application/json")
                elif fault == "redirect-self":
                    self.redirect(self.path)
                elif fault == "redirect-other":
                    self.redirect(f"http://127.0.0.2:{site.server.server_address[1]}{self.path}")
                elif fault == "redirect-other-id":
                    # The same host, another article's address (the site's last one).
                    self.redirect(re.sub(r"(id|infoCode)=\w+", rf"\1={site.order[-1]}", self.path))
                elif fault == "cut":
                    # A page that ends inside #ContentBody, with a Content-Length to match.
                    code = parse_qs(urlsplit(self.path).query).get("infoCode", [""])[0]
                    body, content_type = render_page(site.articles[code])
                    self.send(200, body[: body.index(b"ContentBody") + 200], content_type)
                elif fault == "short":
                    # Content-Length promises more than is sent: the connection closes early.
                    code = parse_qs(urlsplit(self.path).query).get("infoCode", [""])[0]
                    body, content_type = render_page(site.articles[code])
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                elif fault == "gzip-cut":
                    # gzip without its trailer (and the end of the stream).
                    code = parse_qs(urlsplit(self.path).query).get("infoCode", [""])[0]
                    body, content_type = render_page(site.articles[code])
                    packed = gzip.compress(body)
                    packed = packed[: len(packed) * 2 // 3]
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(packed)))
                    self.end_headers()
                    self.wfile.write(packed)
                elif fault == "other-code":
                    code = parse_qs(urlsplit(self.path).query).get("id", [""])[0]
                    data = site.articles[code].json() or {}
                    self.send_json({**data, "infoCode": "OTHER1"})
                elif fault == "huge":
                    self.send(200, b" " * (6 * 1024 * 1024), "application/json")
                else:
                    return False
                return True

            def data(self, code: str) -> None:
                fault = site.next_fault(f"data:{code}")
                article = site.articles.get(code)
                if fault in ("notitle", "nodate") and article:
                    data = article.json() or {}
                    field = {"notitle": "title", "nodate": "showtime"}[fault]
                    data[(article.data_keys or {}).get(field, field)] = ""
                    self.send_json(data)
                    return
                if self.fault(fault):
                    return
                data = article.json() if article else None
                if data is None:
                    self.send(404, b'{"error": "not found"}', "application/json")
                else:
                    self.send_json(data)

            def image(self, name: str) -> None:
                if self.fault(site.next_fault(f"img:{name}")):
                    return
                if name in IMAGE_REDIRECTS:
                    self.redirect(IMAGE_REDIRECTS[name])
                    return
                if name not in IMAGES:
                    self.send(404, b"not found", "text/plain")
                    return
                self.send(200, *IMAGES[name])

            def send_json(self, data: dict) -> None:
                body = json.dumps(data, ensure_ascii=False).encode("utf-8")
                self.send(200, body, "application/json; charset=utf-8")

            def page(self, code: str) -> None:
                if self.fault(site.next_fault(f"page:{code}")):
                    return
                article = site.articles.get(code)
                if article is None:
                    self.send(200, SHELL.encode("utf-8"), "text/html; charset=utf-8")
                    return
                body, content_type = render_page(article)
                self.send(200, body, content_type)

            def list(self, query: dict[str, str]) -> None:
                try:
                    page = max(int(query.get("page", "1")), 1)
                    size = min(max(int(query.get("size", "20")), 1), 1000)
                except ValueError:
                    self.send(400, b"bad page or size", "text/plain")
                    return
                fault = site.next_fault(f"list:{page}")
                if fault == "nolist":
                    self.send_json({"message": "ok", "result": None})
                    return
                if self.fault(fault):
                    return
                listing = site.listing(
                    page, size, query.get("key", "nodeList"), query.get("codekey", "infocode")
                )
                body = json.dumps(listing, ensure_ascii=False).encode("utf-8")
                self.send(200, body, "application/json; charset=utf-8")

        return Handler


SHOWN_URLS = 20  # share URLs printed; --urls-to FILE has all


def serve(
    port: int = 8800,
    host: str = "127.0.0.1",
    articles: int = len(ARTICLES),
    delay: float = 0.0,
    urls_to: str | None = None,
) -> None:
    """Serve the sample site until interrupted (``newsarchiver sample-site``): the bundled
    articles, then generated ones up to ``articles``, each answer ``delay`` seconds late.

    Its listing is newest first, as the real one: ``discover`` pages it until caught up.
    """
    from newsarchiver.extract import parse_time
    from newsarchiver.sample_site.articles import generated

    served = [*ARTICLES, *generated(max(articles - len(ARTICLES), 0))][:articles]
    newest_first = sorted(served, key=lambda a: parse_time(a.showtime), reverse=True)
    site = SampleSite(newest_first, host=host, port=port, latency=delay)
    if urls_to:
        with open(urls_to, "w", encoding="utf-8") as handle:
            handle.writelines(f"{url}\n" for url in site.share_urls())
    print(f"Sample finews site on {site.base_url} ({len(site.articles)} articles). Share URLs:")
    for url in site.share_urls()[:SHOWN_URLS]:
        print(f"  {url}")
    if len(site.articles) > SHOWN_URLS:
        where = f"all of them in {urls_to}" if urls_to else "--urls-to FILE writes all of them"
        print(f"  ... and {len(site.articles) - SHOWN_URLS} more ({where})")
    print("Listing (paged, newest first; newsarchiver discover reads page after page):")
    print(f"  {site.listing_url(1, 5)}  (5 a page: {len(site.articles) // 5 + 1} pages)")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        site.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        site.server.server_close()
