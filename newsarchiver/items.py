"""The one item newsarchiver passes between spider, pipelines and exporter."""

from __future__ import annotations

from dataclasses import dataclass

# Request meta keys, each read by name only (as scrapy-deltafetch's deltafetch_key):
ARTICLE_META = "newsarchiver_article"  # an article's request: the share URL it is for
IMAGE_META = "newsarchiver_image"  # an image fetched for a post: that article's share URL


@dataclass
class Article:
    """One finews article, as plain data.

    The spider fills what the site served; :func:`newsarchiver.finish.finish_article`
    cleans ``body`` and fills ``slug`` and ``cleaning``, the writer ``status``.
    """

    code: str
    url: str  # the share URL the article was asked for
    title: str = ""
    published: str = ""  # "YYYY-MM-DD HH:MM:SS", Beijing time
    body: str = ""  # HTML, as served until the article is finished
    outlet: str = ""  # from the JSON or the page; the attribution line wins
    via: str = ""  # "data" (JSON endpoint) or "page" (rendered share page)
    slug: str = ""
    cleaning: str = ""  # how the body was cleaned: "clean", "cut" or "rewritten"
    status: str = ""  # "new", "updated" or "unchanged", set by PostWriter
