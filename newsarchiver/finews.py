"""The finews site's facts, one owner for each: the share URL's grammar, the data
endpoint, the code's alphabet, Beijing time, the tag suffix (FINEWS.md).

extract, archive and post_format take them from here. Nothing here knows of
Scrapy, or of any other module of newsarchiver.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from urllib.parse import parse_qs, urlsplit

SHARE_PATH = "/html_News/NewsShare.html"
DATA_PATH = "/NewsData/GetNewsText.do"
CODE_RE = re.compile(r"[A-Za-z0-9]{1,64}", re.ASCII)
BEIJING = timezone(timedelta(hours=8))  # the site's times, and the archive's dates
TAG_SUFFIX = "新闻"  # a post's tag is its outlet and this
# A listing endpoint (/NewsData/GetNewsList.do): given to crawl by mistake.
LISTING_NAME = re.compile(r"/Get\w*List\.do$", re.IGNORECASE)


class ExtractError(ValueError):
    """The input holds no usable article; the message says why, for a person."""


def parse_share_url(url: str) -> tuple[str, str]:
    """Split a share URL into ``(base, code)`` or raise :class:`ExtractError`."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ExtractError(f"not a URL ({exc})") from None
    if not parts.scheme or not parts.netloc:
        raise ExtractError("not a URL")
    if parts.scheme.lower() not in ("http", "https"):
        raise ExtractError(f"unsupported scheme {parts.scheme!r}: only http and https")
    if not parts.path.endswith(SHARE_PATH):
        if LISTING_NAME.search(parts.path):
            raise ExtractError(
                "a listing URL, not a share URL: newsarchiver discover reads listings"
            )
        raise ExtractError(f"not a finews share URL: the path must end with {SHARE_PATH}")
    query = parse_qs(parts.query, keep_blank_values=True)
    # As the listing JSON writes it, infocode= too (the code decides, not the case).
    codes = [c for key, values in query.items() if key.lower() == "infocode" for c in values]
    if not codes:
        raise ExtractError("share URL without infoCode")
    if len(codes) > 1:
        raise ExtractError("share URL with more than one infoCode")
    code = codes[0]
    if not CODE_RE.fullmatch(code):
        raise ExtractError(f"invalid infoCode {code!r}: letters and digits only")
    prefix = parts.path[: -len(SHARE_PATH)]
    return f"{parts.scheme.lower()}://{parts.netloc}{prefix}", code


def share_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}{SHARE_PATH}?infoCode={code}"


def data_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}{DATA_PATH}?id={code}"
