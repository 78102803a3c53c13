"""``--images``: a post's body images kept with the blog, at ``assets/img/<hash>.<ext>``.

:class:`ImageKeeper` is Scrapy's FilesPipeline with our rules: http(s) images
only, a size cap (``NEWSARCHIVER_IMAGE_MAX_SIZE``), an ``image/*`` content
type, each fetched once per run. A kept image's ``src`` becomes the
site-relative ``/assets/img/...``; one that fails keeps its remote URL and is
reported (``image_failed``); the article never fails for an image.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
import re
from functools import cached_property
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline

from newsarchiver import settings as defaults
from newsarchiver import signals
from newsarchiver.failures import describe_failure
from newsarchiver.recording import IMAGE_META

IMAGES = "assets/img"  # under the output folder; Jekyll copies it to _site as is
# One pass over the tags: quoted values are consumed whole, so '>' in them is no end.
_IMG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".bmp", ".avif", ".ico"}


def image_sources(body: str, base: str) -> list[tuple[int, int, str]]:
    """``(start, end, absolute URL)`` of each http(s) ``<img src>`` value in ``body``.

    Relative sources are resolved against ``base`` (the page the body came from).
    """
    found = []
    for tag in _IMG.finditer(body):
        src = _SRC.search(tag.group(0))
        if not src:
            continue
        group = next(g for g in (1, 2, 3) if src.group(g) is not None)
        value = html.unescape(src.group(group)).strip()
        url = urljoin(base, value)
        if urlsplit(url).scheme in ("http", "https"):
            start = tag.start() + src.start(group)
            found.append((start, tag.start() + src.end(group), url))
    return found


def with_sources(body: str, sources: list[tuple[int, int, str]], kept: dict[str, str]) -> str:
    """``body`` with the sources whose URL is in ``kept`` replaced by its local path."""
    pieces, at = [], 0
    for start, end, url in sources:
        if url in kept:
            pieces += [body[at:start], html.escape(kept[url])]
            at = end
    return "".join(pieces) + body[at:]


def image_file(url: str, content_type: str = "") -> str:
    """``<sha1 of the URL>.<ext>``: the extension from the URL, else from the content type."""
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()  # noqa: S324 (a name, not a secret)
    ext = Path(urlsplit(url).path).suffix.lower()
    if ext not in IMAGE_EXTENSIONS:
        ext = mimetypes.guess_extension(content_type) or "" if content_type else ""
    return f"{digest}{ext}"


class ImageKeeper(FilesPipeline):
    """Fetches each post's body images into ``OUTPUT/assets/img`` (``NEWSARCHIVER_IMAGES``)."""

    LOG_FAILED_RESULTS = False  # reported as image_failed, with the article's URL

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVER_IMAGES"):
            raise NotConfigured
        store = Path(settings.get("NEWSARCHIVER_OUTPUT")).resolve() / IMAGES
        pipeline = cls(str(store), crawler=crawler)
        pipeline.sources = {}  # id(item) -> its body's image sources, read once
        pipeline.max_size = settings.getint(
            "NEWSARCHIVER_IMAGE_MAX_SIZE", defaults.NEWSARCHIVER_IMAGE_MAX_SIZE
        )
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
        content_type = ""
        if response is not None:
            content_type = response.headers.get("Content-Type", b"").decode("latin-1")
            content_type = content_type.split(";")[0].strip().lower()
        return image_file(request.url, content_type)

    async def media_downloaded(self, response, request, info, *, item=None):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        kind = content_type.split(";")[0].strip().lower()
        if response.status != 200:
            return {"url": request.url, "refused": f"HTTP {response.status}"}
        if not kind.startswith("image/"):
            return {"url": request.url, "refused": f"not an image ({kind or 'no content type'})"}
        if not response.body:
            return {"url": request.url, "refused": "empty answer"}
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
