"""Where a body's images are: each ``<img src>`` value, found and replaced in place.

Nothing here knows of Scrapy: the finisher and the image keeper both use it.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

_IMG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


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


def absolute_sources(body: str, base: str) -> str:
    """``body`` with each relative ``<img src>`` made absolute against ``base``: in the
    blog, a relative source would point into the blog, not at the image. Absolute
    sources (most bodies: every byte then stays) are left as they are."""
    sources = image_sources(body, base)
    relative = {
        url: url
        for start, end, url in sources
        if not urlsplit(html.unescape(body[start:end]).strip()).scheme
    }
    return with_sources(body, sources, relative) if relative else body
