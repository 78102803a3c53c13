from __future__ import annotations

import io
import json

import pytest

from newsarchiver.exporters import JekyllPostExporter
from newsarchiver.items import Article
from newsarchiver.post_format import (
    category_slug,
    render_category_page,
    yaml_label,
    yaml_quoted,
)
from tests.conftest import GOLDEN_ANSWER, front_matter


def golden_article() -> Article:
    data = json.loads(GOLDEN_ANSWER.read_text("utf-8"))
    return Article(
        code="NW202205202385404088",
        url="x",
        title=data["title"],
        published=data["showtime"],
        body=data["text"].replace("\u3000\u3000", ""),
        outlet="河北日报",
        slug="hebeiribao",
    )


def render(article: Article, **kwargs) -> bytes:
    out = io.BytesIO()
    JekyllPostExporter(out, **kwargs).export_item(article)
    return out.getvalue()


def test_golden_post_byte_for_byte(golden_post):
    assert render(golden_article()) == golden_post
    assert not golden_post.endswith(b"\n")


def test_share_base_and_site_are_settings():
    text = render(
        golden_article(), share_base="https://mirror.example/", site="https://blog.example"
    )
    assert (
        b"<https://mirror.example/html_News/NewsShare.html?infoCode=NW202205202385404088>" in text
    )
    assert text.endswith(
        "[返回河北日报新闻](https://blog.example/category/hebeiribao.html)｜"
        "[返回首页](https://blog.example/)".encode()
    )


@pytest.mark.parametrize(
    "outlet, slug",
    [
        ("河北日报", "hebeiribao"),
        ("重庆晨报", "zhongqingchenbao"),
        ("中国银行保险报", "zhongguoyinxingbaoxianbao"),
        ("厦门日报", "shamenribao"),
        ("36氪", "36ke"),
        ("安信国际证券(香港)", "anxinguojizhengquan(xianggang)"),
    ],
)
def test_slugs_are_xpinyin_spelling(outlet, slug):
    assert category_slug(outlet) == slug


@pytest.mark.parametrize(
    "title",
    [
        'say "hi"',
        "back\\slash",
        "a: b # c",
        "- dash",
        "'quoted'",
        "line\nbreak",
        "\x85\u2028x",
        "yes",
    ],
)
def test_titles_read_back_unchanged(title):
    article = golden_article()
    article.title = title
    assert front_matter(render(article))["title"] == title
    assert yaml_quoted(title).startswith('"')


def test_labels_with_spaces_become_one_element_lists():
    assert yaml_label("hebeiribao") == "hebeiribao"
    assert yaml_label("a b") == '["a b"]'
    assert yaml_label("true") == '["true"]'
    article = golden_article()
    article.outlet, article.slug = "21世纪经济报道 21财经APP", "21shijijingjibaodao 21caijingAPP"
    meta = front_matter(render(article))
    assert meta["categories"] == ["21shijijingjibaodao 21caijingAPP"]
    assert meta["tags"] == ["21世纪经济报道 21财经APP新闻"]


def test_category_page_exact():
    assert render_category_page("河北日报", "hebeiribao") == (
        "---\nlayout: category\ntitle: 河北日报新闻\ncategory: hebeiribao\n---"
    )


def test_markdown_body_keeps_front_matter_and_footer(golden_post):
    text = render(golden_article(), body_format="markdown").decode()
    head, tail = golden_post.decode().split("\n---\n", 1)
    assert text.startswith(head + "\n---\n5月17日")
    assert "<p>" not in text
    assert text.endswith(tail[tail.index("\n\n<http://") :])
    assert "（文章来源：河北日报）" in text
