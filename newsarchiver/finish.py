"""One pure step from an article as the site served it to one ready to write.

:func:`finish_article` checks the code, title and date, cleans the body, and
names the outlet and its category slug. No Scrapy, no files: the pipelines
call it, and so does anything else that has a raw :class:`Article`.
"""

from __future__ import annotations

from dataclasses import replace

from newsarchiver.archive.layout import file_slug
from newsarchiver.extract import (
    CODE_RE,
    MAX_TITLE,
    ExtractError,
    outlet_from_body,
    parse_time,
    plain_text,
)
from newsarchiver.image_sources import absolute_sources
from newsarchiver.items import Article
from newsarchiver.post_format import category_slug
from newsarchiver.sanitize import TooComplex, clean_body
from newsarchiver.setting_table import default


class Unfinished(Exception):
    """An article that cannot be archived, and why (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MAX_BODY: int = default("NEWSARCHIVER_MAX_BODY")


def finish_article(raw: Article, max_body: int = MAX_BODY) -> Article:
    """``raw`` checked, its date normalised, its body cleaned, its outlet and slug named.

    Returns a new article (``raw`` is left as it is); :class:`Unfinished` with
    the reason when it cannot be archived. ``cleaning`` says how the body was
    cleaned (``clean``: as served, ``cut``, ``rewritten`` by nh3).
    """
    if not CODE_RE.fullmatch(raw.code or ""):
        raise Unfinished(f"invalid infoCode {raw.code!r}")
    title = plain_text(raw.title).strip()
    if not title:
        raise Unfinished("missing title")
    if len(title) > MAX_TITLE:
        raise Unfinished(f"title longer than {MAX_TITLE} characters")
    try:
        published = parse_time(raw.published)
    except ExtractError as exc:
        raise Unfinished(f"{exc}") from None
    if not raw.body.strip():
        raise Unfinished("empty body")
    if len(raw.body) > max_body:
        raise Unfinished(
            f"body of {len(raw.body)} characters, over the {max_body} limit (NEWSARCHIVER_MAX_BODY)"
        )
    try:
        body, cleaning = clean_body(raw.body)
    except TooComplex as exc:
        raise Unfinished(f"{exc}") from None
    if not body.strip():
        raise Unfinished("empty body after removing unsafe content")
    body = absolute_sources(body, raw.url)
    outlet = " ".join(plain_text(outlet_from_body(body) or raw.outlet).split())
    if not outlet:
        raise Unfinished("no source attribution (no 文章来源 line, medianame or source)")
    slug = file_slug(category_slug(outlet))
    if not slug:
        raise Unfinished(f"outlet {outlet!r} gives no usable category name (empty or too long)")
    return replace(
        raw, title=title, published=published, body=body, outlet=outlet, slug=slug,
        cleaning=cleaning,
    )  # fmt: skip
