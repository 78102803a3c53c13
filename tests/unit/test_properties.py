"""Property-based tests (hypothesis) over extraction and rendering."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchiver.extract import ExtractError, article_from_json, parse_share_url
from newsarchiver.finish import Unfinished, finish_article
from newsarchiver.items import Article
from newsarchiver.jekyll_text import neutralise_liquid
from newsarchiver.post_format import render_category_page, render_post
from newsarchiver.sanitize import clean_body


def sanitize_body(html: str) -> str:
    return clean_body(html)[0]


TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80)
DATES = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31))


def parse(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]), text[end + 5 :]


def one(value):
    if isinstance(value, list):
        assert len(value) == 1
        return value[0]
    return value


@settings(max_examples=300, deadline=None)
@given(title=TEXT, outlet=TEXT, body=st.text(min_size=1, max_size=300), when=DATES)
def test_front_matter_reads_back_the_same_values(title, outlet, body, when):
    published = when.strftime("%Y-%m-%d %H:%M:%S")
    article = Article(
        code="NW1",
        url="u",
        title=title,
        published=published,
        body=f"<p>{body}</p>",
        outlet=outlet,
    )
    try:
        article = finish_article(article)
    except Unfinished:
        return  # blank titles or outlets are dropped, with a reason
    meta, rest = parse(render_post(vars(article)))
    assert meta["title"] == article.title
    assert meta["layout"] == "post"
    # PyYAML leaves the archive's "+0800" zone as text; Jekyll parses it (tested in a real build).
    assert meta["date"] == f"{when:%Y-%m-%d %H:%M:%S} +0800"
    assert one(meta["categories"]) == article.slug
    assert one(meta["tags"]) == article.outlet + "新闻"
    assert rest.startswith(neutralise_liquid(article.body) + "\n\n<")  # Liquid shows it as is
    page, _ = parse(render_category_page(article.outlet, article.slug) + "\n")
    assert page == {
        "layout": "category",
        "title": article.outlet + "新闻",
        "category": article.slug,
    }


@settings(max_examples=300, deadline=None)
@given(code=st.text(max_size=40), date=DATES)
def test_post_file_name_stays_inside_posts(tmp_path_factory, code, date):
    from urllib.parse import quote

    for raw in (code, quote(code)):
        url = f"http://127.0.0.1/html_News/NewsShare.html?infoCode={raw}"
        try:
            _, parsed = parse_share_url(url)
        except ExtractError:
            continue
        posts = Path("/archive/_posts")
        target = (posts / f"{date:%Y-%m-%d}-{parsed}.md").resolve()
        assert target.parent == posts
        assert parsed.isascii() and parsed.isalnum()


@settings(max_examples=200, deadline=None)
@given(title=TEXT, body=TEXT, showtime=st.text(max_size=30), outlet=st.text(max_size=30))
def test_json_fields_come_through(title, body, showtime, outlet):
    raw = json.dumps({"title": title, "text": body, "showtime": showtime, "medianame": outlet})
    try:
        article = article_from_json(raw.encode(), "C1", "u")
    except ExtractError:
        assert not body.strip()
        return
    if "\\ud" in raw:  # a lone surrogate escaped in the JSON comes out as U+FFFD
        assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in article.title + article.body)
        return
    assert article.title == title.strip()
    assert article.body == body.strip()
    assert article.outlet == outlet.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="<>&"), max_size=200))
def test_plain_text_bodies_pass_unchanged(text):
    assert sanitize_body(text) == text.replace("\u3000\u3000", "")


SAFE = st.sampled_from(["<p>x</p>", "<b>y</b>", '<a href="http://e/">z</a>', "text", "<br>"])
UNSAFE = st.sampled_from(
    [
        "<script>bad()</script>",
        '<img src=x onerror="bad()">',
        '<a href="javascript:bad()">l</a>',
        "<iframe src=//bad></iframe>",
        "<!--bad-->",
        "<style>.bad{}</style>",
        "<form><input></form>",
        '<div class="ad_context_1">bad</div>',
        '<svg onload="bad()"></svg>',
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(SAFE, UNSAFE), min_size=1, max_size=8))
def test_sanitised_bodies_hold_nothing_unsafe(parts):
    out = sanitize_body("".join(parts)).lower()
    for marker in (
        "bad",
        "<script",
        "<iframe",
        "<style",
        "<form",
        "<!--",
        "javascript:",
        "onerror",
    ):
        assert marker not in out


NESTING = st.sampled_from(
    ["<div>", "</div>", "<p>", "</p>", "<span>", "</span>", "<DIV>", "</Div>", "<br>", "x"]
    + ["<Pre>", "</pre>", "<h2>", "<li>", "<P>", "<title>", "</title>", "<xmp>", "</xmp>"]
)
AD_OPEN = st.sampled_from(
    ['<div class="ad_context">', '<p class="em_handle_adv">', '<span class="ad_context">']
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(NESTING, AD_OPEN, SAFE, UNSAFE), min_size=1, max_size=14))
def test_cuts_pass_over_bare_tags_without_changing_a_cut(parts):
    """Passing over attribute-less tags (the fast path) cuts exactly what reading them all does.

    That includes passing over a run of plain tags in one search (``_NEXT_NOT_PLAIN``),
    which must stop at a tag of a name being removed (an ad ``<div>``'s nested ``<div>``).
    """
    from newsarchiver import sanitize

    html = "".join(parts)
    try:
        fast = sanitize.cuts(html)
    except sanitize.BrokenMarkup:
        fast = "broken"
    every = sanitize.tokens
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sanitize, "tokens", lambda text, wanted=None: every(text))
        try:
            slow = sanitize.cuts(html)
        except sanitize.BrokenMarkup:
            slow = "broken"
    assert fast == slow


BLOCK_NAMES = st.sampled_from(["p", "div", "h2", "span", "em", "a", "br", "hr", "P", "Div"])
BLOCK_TEXT = st.sampled_from(
    ["", "x", "a*b", "<b>y</b>", "<p>n</p>", "{{", "<", "\n", "</pre>", "</p >", "</divx>", "<br/>"]
)
SEPARATORS = st.sampled_from(["", "\n", " ", "\n ", "\n\n", "    ", "\t"])
BLOCK = st.one_of(
    st.builds(lambda n, t, s: f"<{n}>{t}</{n}>{s}", BLOCK_NAMES, BLOCK_TEXT, SEPARATORS),
    st.builds(lambda n, t, s: f"<{n}>{t}</{n.lower()}>{s}", BLOCK_NAMES, BLOCK_TEXT, SEPARATORS),
    st.sampled_from(["<!-- c -->\n", '<p class="x">y</p>\n', '<div markdown="1">z</div>', "t\n"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=8))
def test_kramdown_fast_paths_read_as_the_general_reading(parts):
    """The shortcuts for plain paragraphs agree with kramdown's general reading."""
    import re

    from newsarchiver import jekyll_text

    body = "".join(parts)
    fast = jekyll_text.kramdown_keeps(body)
    never = re.compile(r"(?!)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jekyll_text, "_TEXT_BLOCK", never)
        patch.setattr(jekyll_text, "_BARE_TAG", never)
        patch.setattr(jekyll_text, "_next_closes", lambda text, pos, name: None)
        assert jekyll_text.kramdown_keeps(body) == fast
