"""``--images``: a post's body images kept with the blog, at ``assets/img/<hash>.<ext>``.

:class:`ImageKeeper` is Scrapy's FilesPipeline with our rules: http(s) images
only, a size cap (``NEWSARCHIVER_IMAGE_MAX_SIZE``), raster images only (PNG,
JPEG, GIF, WebP, AVIF), told by their bytes, not by the URL or the header
(an SVG can carry a script the blog would then serve), each fetched once per
run, from public addresses only (:class:`ImageAddressGuard`). A kept image's ``src`` becomes the
site-relative ``/assets/img/...``; one that fails keeps its remote URL and is
reported (``image_failed``); the article never fails for an image.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline

from newsarchiver import signals
from newsarchiver.context import RunContext
from newsarchiver.failures import describe_failure
from newsarchiver.image_sources import image_sources, with_sources
from newsarchiver.items import IMAGE_META

IMAGES = "assets/img"  # under the output folder; Jekyll copies it to _site as is
# One pass over the tags: quoted values are consumed whole, so '>' in them is no end.
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"}


def raster_kind(data: bytes) -> str | None:
    """The extension of a PNG, JPEG, GIF, WebP or AVIF image by its first bytes; else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return ".avif"
    return None


def what_it_is(data: bytes, content_type: str) -> str:
    """A name for bytes that are no raster image, for the reason line."""
    head = data[:512].lstrip().lower()
    if b"<svg" in head or head.startswith(b"<?xml") and b"svg" in data[:4096].lower():
        return "SVG"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "HTML"
    return content_type or "unknown bytes"


def image_file(url: str, data: bytes | None = None) -> str:
    """``<sha1 of the URL>.<ext>``: the extension the image's bytes show (before they are
    known: a raster extension of the URL's, or none)."""
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()  # noqa: S324 (a name, not a secret)
    ext = raster_kind(data) if data is not None else Path(urlsplit(url).path).suffix.lower()
    return f"{digest}{ext if ext in IMAGE_EXTENSIONS else ''}"


class ImageKeeper(FilesPipeline):
    """Fetches each post's body images into ``OUTPUT/assets/img`` (``NEWSARCHIVER_IMAGES``)."""

    LOG_FAILED_RESULTS = False  # reported as image_failed, with the article's URL

    @classmethod
    def from_crawler(cls, crawler):
        context = RunContext.of(crawler)
        if not context.images:
            raise NotConfigured
        store = Path(context.output).resolve() / IMAGES
        pipeline = cls(str(store), crawler=crawler)
        pipeline.sources = {}  # id(item) -> its body's image sources, read once
        pipeline.max_size = context.image_max_size
        return pipeline

    @cached_property
    def owed(self):
        """The archive's articles still owed images: a failure is noted for later runs."""
        from newsarchiver.extensions import ArchiveFolder

        return ArchiveFolder.of(self.crawler).archive.owed_images

    def get_media_requests(self, item, info) -> list[Request]:
        sources = self.sources[id(item)] = image_sources(item.body, item.url)
        urls = dict.fromkeys(url for _, _, url in sources)
        return [
            Request(
                url,
                callback=NO_CALLBACK,
                meta={IMAGE_META: item.url, "download_maxsize": self.max_size},
            )
            for url in urls
        ]

    def file_path(self, request, response=None, info=None, *, item=None) -> str:
        return image_file(request.url, response.body if response is not None else None)

    async def media_downloaded(self, response, request, info, *, item=None):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        kind = content_type.split(";")[0].strip().lower()
        if response.status != 200:
            return {"url": request.url, "refused": f"HTTP {response.status}"}
        if not response.body:
            return {"url": request.url, "refused": "empty answer"}
        if raster_kind(response.body) is None:
            what = what_it_is(response.body, kind)
            return {
                "url": request.url,
                "refused": f"not a PNG, JPEG, GIF, WebP or AVIF image ({what})",
            }
        return await super().media_downloaded(response, request, info, item=item)

    def media_failed(self, failure, request, info):
        raise ImageRefused(describe_failure(failure))

    def item_completed(self, results, item, info):
        sources = self.sources.pop(id(item))
        urls = list(dict.fromkeys(url for _, _, url in sources))
        kept: dict[str, str] = {}
        failed: list[tuple[str, str]] = []
        for url, (ok, value) in zip(urls, results, strict=True):
            if ok and "path" in value:
                kept[url] = f"/{IMAGES}/{value['path']}"
            else:
                failed.append((url, value.get("refused") if ok else _reason(value)))
        # Later runs given the article fetch it again, until its images are kept
        # or it has failed NEWSARCHIVER_GIVE_UP_AFTER runs (this one says so).
        last_try = self.owed.failed(item.code) if failed else False
        if not failed:
            self.owed.kept(item.code)
        for url, reason in failed:
            self.crawler.signals.send_catch_log(
                signals.image_failed,
                url=item.url,
                image=url,
                reason=f"{reason}; not tried again" if last_try else reason,
            )
        if kept:
            self.crawler.stats.inc_value("newsarchiver/images_kept", len(kept))
            item.body = with_sources(item.body, sources, kept)
        return item


class ImageRefused(Exception):
    """Why an image was not kept."""


def _reason(failure) -> str:
    if isinstance(failure.value, ImageRefused):
        return str(failure.value)
    return describe_failure(failure)


class ImageAddressGuard:
    """Refuses an image whose host is a loopback, private, link-local or reserved
    address, checked for every request of it (each redirect is one): a post must
    not publish what only this machine's network can reach.

    Allowed all the same: the article's own host (where the operator fetches
    articles from, a local mirror too) and the hosts of ``NEWSARCHIVER_IMAGE_HOSTS``
    (``host`` or ``host:port``). The name is resolved here, once per host and run;
    a resolver that answers differently at the connection (DNS rebinding) is not
    guarded against.
    """

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = {host.strip().lower() for host in allowed if host.strip()}
        self.verdicts: dict[str, str | None] = {}  # host -> why refused, or None

    @classmethod
    def from_crawler(cls, crawler):
        context = RunContext.of(crawler)
        if not context.images:
            raise NotConfigured
        return cls(list(context.image_hosts))

    def process_request(self, request: Request):
        article = request.meta.get(IMAGE_META)
        if not article:
            return None
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if parts.netloc.lower() == urlsplit(article).netloc.lower():
            return None
        if host in self.allowed or parts.netloc.lower() in self.allowed:
            return None
        if host not in self.verdicts:
            self.verdicts[host] = _not_public(host, parts.port)
        if self.verdicts[host]:
            raise IgnoreRequest(f"refused: {self.verdicts[host]}")
        return None


def _not_public(host: str, port: int | None) -> str | None:
    """Why ``host`` is no public address (None if it is)."""
    try:
        infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None  # the download itself says it cannot be found
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return f"{host} is a private or reserved address ({address})"
    return None
