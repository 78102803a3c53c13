"""The archive's post and category page format: pure functions, no Scrapy.

``newsarchiver.exporters`` wraps ``render_post`` as a Scrapy item exporter;
the maintenance commands use these directly, so they start without Scrapy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from html import escape

import yaml

from newsarchiver.finews import TAG_SUFFIX
from newsarchiver.jekyll_text import (
    WRAP_END,
    WRAP_START,
    kramdown_keeps,
    markdown_text,
    neutralise_liquid,
    psych_retypes,
    url_path,
    wrap_raw,
)
from newsarchiver.sanitize import rewrite
from newsarchiver.setting_table import default

DEFAULT_SHARE_BASE: str = default("NEWSARCHIVER_SHARE_BASE")
DEFAULT_SITE: str = default("NEWSARCHIVER_SITE")

# What YAML may hold unescaped in a double-quoted scalar: printable characters,
# minus the quote, the backslash and the characters YAML folds as line breaks.
_YAML_UNSAFE = re.compile(
    '[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufeff\uff00-\ufffd\U00010000-\U0010ffff]|["\\\\]'
)
_YAML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back unchanged."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if char in _YAML_ESCAPES:
            return _YAML_ESCAPES[char]
        point = ord(char)
        if point < 0x100:
            return f"\\x{point:02x}"
        return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"

    return '"' + _YAML_UNSAFE.sub(escape, text) + '"'


@lru_cache(maxsize=4096)
def yaml_scalar(text: str) -> str:
    """``text`` plain, as the archive writes it, where YAML reads that back as is.

    "As is" for both readers: PyYAML here, and Psych in Jekyll, which turns
    more plain scalars into numbers, dates and symbols (``1,000``, ``:sym``).
    """
    if text and text == text.strip() and not _YAML_UNSAFE.search(text) and not psych_retypes(text):
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return yaml_quoted(text)


@lru_cache(maxsize=4096)
def yaml_label(text: str) -> str:
    """A post's ``categories`` or ``tags`` value, holding exactly one label.

    Jekyll splits a plain string there on white space, so a label with spaces
    is written as a one-element list.
    """
    if yaml_scalar(text) == text and not re.search(r"\s", text):
        return text
    return f"[{yaml_quoted(text)}]"


@lru_cache(maxsize=1)
def _pinyin():
    from xpinyin import Pinyin  # loads its dictionary once, on first use

    return Pinyin()


@lru_cache(maxsize=4096)
def category_slug(outlet: str) -> str:
    """The archive's category slug: xpinyin's spelling without its ``-``."""
    return _pinyin().get_pinyin(outlet).replace("-", "")


def category_url(site: str, slug: str) -> str:
    return f"{site}/category/{url_path(slug)}.html"


def protect_body(html: str) -> str:
    """The body as kramdown should see it: as served unless kramdown would read Markdown in it.

    Then it is wrapped in a block kramdown copies verbatim (``markdown="0"``);
    a body whose elements kramdown would not see closed is first rewritten by nh3.
    """
    if kramdown_keeps(html):
        return html
    wrapped = wrap_raw(html) or wrap_raw(rewrite(html))
    return wrapped if wrapped is not None else f"{WRAP_START}{escape(html)}{WRAP_END}"


def render_post(
    article: Mapping, *, share_base: str = DEFAULT_SHARE_BASE, site: str = DEFAULT_SITE
) -> str:
    """The post text for ``article`` (code, title, published, body, outlet, slug)."""
    outlet = article["outlet"]
    code = article["code"]
    text = (
        f"{article['body']}\n"
        "\n"
        f"<{share_base}/html_News/NewsShare.html?infoCode={code}>\n"
        "\n"
        f"[返回{markdown_text(outlet)}{TAG_SUFFIX}]({category_url(site, article['slug'])})"
        f"｜[返回首页]({site}/)"
    )
    return (
        "---\n"
        "layout: post\n"
        f"title: {yaml_quoted(article['title'])}\n"
        f"date: {article['published']} +0800\n"
        f"categories: {yaml_label(article['slug'])}\n"
        f"tags: {yaml_label(outlet + TAG_SUFFIX)}\n"
        "---\n"
        f"{neutralise_liquid(text)}"
    )


def category_title(outlet: str) -> str:
    """A category page's ``title:`` as written."""
    return yaml_scalar(outlet + TAG_SUFFIX)


def render_category_page(outlet: str, slug: str) -> str:
    return (
        "---\n"
        "layout: category\n"
        f"title: {category_title(outlet)}\n"
        f"category: {yaml_scalar(slug)}\n"
        "---"
    )


@lru_cache(maxsize=1)
def _markdown_converter():
    from markdownify import MarkdownConverter

    class TextKeepingConverter(MarkdownConverter):
        """markdownify, with text escaped so that kramdown shows it as written.

        Plain markdownify unescapes ``&lt;script&gt;`` into ``<script>``, which
        kramdown passes on as HTML, and leaves ``[x](javascript:...)`` in text
        to become a link.
        """

        def escape(self, text, parent_tags):
            return markdown_text(text) if text else ""

    # Our escape covers * and _ too: markdownify must not escape them again.
    return TextKeepingConverter(
        heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False
    )


def html_to_markdown(html: str) -> str:
    return _markdown_converter().convert(html).strip()
