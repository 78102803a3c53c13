from __future__ import annotations

import json

import pytest

from newsarchiver.extract import (
    ExtractError,
    article_from_json,
    article_from_page,
    codes_from_listing,
    decode_page,
    inner_html,
    outlet_from_body,
    parse_share_url,
    parse_time,
)
from tests.conftest import FIXTURES, GOLDEN_ANSWER

SHARE = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode="


def test_share_url_gives_base_and_code():
    assert parse_share_url(SHARE + "NW202205202385404088") == (
        "http://finews.zning.xyz",
        "NW202205202385404088",
    )
    assert parse_share_url("https://127.0.0.1:8800/html_News/NewsShare.html?a=1&infoCode=2021") == (
        "https://127.0.0.1:8800",
        "2021",
    )


@pytest.mark.parametrize(
    "url, reason",
    [
        ("not a url", "not a URL"),
        ("ftp://finews.zning.xyz/html_News/NewsShare.html?infoCode=A1", "unsupported scheme"),
        ("javascript:alert(1)", "not a URL"),
        ("http://finews.zning.xyz/html_News/NewsShare.html", "without infoCode"),
        ("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=", "invalid infoCode"),
        ("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=../../etc", "invalid infoCode"),
        ("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=a%2Fb", "invalid infoCode"),
        ("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=%2e%2e", "invalid infoCode"),
        ("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=ＮＷ１", "invalid infoCode"),
        ("http://finews.zning.xyz/other.html?infoCode=A1", "not a finews share URL"),
        ("http://h/html_News/NewsShare.html?infoCode=A&infoCode=B", "more than one"),
        ("http://h:99999/html_News/NewsShare.html?infoCode=A", "not a URL"),
    ],
)
def test_bad_share_urls_name_the_reason(url, reason):
    with pytest.raises(ExtractError, match=reason):
        parse_share_url(url)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022-05-20 02:56:47", "2022-05-20 02:56:47"),
        ("2022-05-20 02:56", "2022-05-20 02:56:00"),
        ("2022年05月20日 02:56", "2022-05-20 02:56:00"),
        ("  2022年5月2日 2:05 来源：河北日报", "2022-05-02 02:05:00"),
        ("2022-05-20T02:56:47", "2022-05-20 02:56:47"),
        # An explicit offset is converted to the archive's +0800.
        ("2022-05-20T02:56:47+05:00", "2022-05-20 05:56:47"),
        ("2022-05-20T02:56:47Z", "2022-05-20 10:56:47"),
        ("2022-05-20 02:56:47 UTC", "2022-05-20 10:56:47"),
        ("2022-05-20 20:56:47 -0700", "2022-05-21 11:56:47"),
        ("2022-05-20 02:56:47 +0800", "2022-05-20 02:56:47"),
        ("2022-05-20 02:56:47.123+08:00", "2022-05-20 02:56:47"),
        ("2022-05-20 02:56 GMT+8", "2022-05-20 02:56:00"),
        ("2022-05-20 02:56:47 来源", "2022-05-20 02:56:47"),
    ],
)
def test_all_time_formats(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2022-13-40 25:61",
        "99999-05-20 02:56:47",  # must not become 9999
        "12022-05-01 10:00:00",  # must not become 2022
        "0001-01-01 00:00:00",  # no post name Jekyll cannot read
        "2100-01-01 00:00:00",
        "2022-05-20 02:56:478",  # trailing digits: not read whole
        "2022-05-20 02:56:47+25:00",
    ],
)
def test_unparseable_times_raise(text):
    with pytest.raises(ExtractError):
        parse_time(text)


def test_outlet_from_attribution_even_when_tags_split_it():
    html = '<p>x</p><p class="em_media">（文章来源：上海<span>证券</span>报）</p>'
    assert outlet_from_body(html) == "上海证券报"
    assert outlet_from_body("<p>no attribution</p>") == ""
    assert outlet_from_body('<p class="x em_media">（文章来源：21世纪经济报道 21财经APP）</p>') == (
        "21世纪经济报道 21财经APP"
    )


def test_data_endpoint_json():
    data = GOLDEN_ANSWER.read_bytes()
    article = article_from_json(data, "NW202205202385404088", "u")
    assert article.title == "数字化就业赋能欠发达县域发展"
    assert article.published == "2022-05-20 02:56:47"
    assert article.outlet == "河北日报"
    assert article.body.startswith("<p>\u3000\u30005月17日")
    assert article.via == "data"


def test_data_endpoint_aliases():
    raw = json.loads((FIXTURES / "aliases.json").read_text("utf-8"))
    article = article_from_json((FIXTURES / "aliases.json").read_bytes(), raw["infocode"], "u")
    assert {"content", "datetime", "infocode", "from"} <= raw.keys()
    assert article.body == raw["content"]
    assert article.published == raw["datetime"]
    assert article.outlet == raw["from"]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"title": "t", "text": "<p>', "malformed JSON"),
        (b"[1, 2]", "malformed JSON"),
        (b'{"title": "t", "text": ""}', "unknown article"),
        (b'{"title": "t"}', "unknown article"),
        (b"\xff\xfe", "malformed JSON"),
        (b'{"infoCode": "C2", "title": "t", "text": "<p>x</p>"}', r"another article \('C2'\)"),
        (b'{"infocode": "C2", "title": "t", "text": "<p>x</p>"}', r"another article \('C2'\)"),
    ],
)
def test_data_endpoint_without_article(body, reason):
    with pytest.raises(ExtractError, match=reason):
        article_from_json(body, "C1", "u")


def test_rendered_page_body_is_sliced_as_served():
    page = (FIXTURES / "NW202205202385404088.html").read_bytes()
    data = json.loads(GOLDEN_ANSWER.read_text("utf-8"))
    article = article_from_page(decode_page(page, "text/html; charset=utf-8"), "NW1", "u")
    assert article.body == data["text"]
    assert article.title == data["title"]
    assert article.published == data["showtime"]
    assert article.outlet == "河北日报"


def test_gbk_page_by_header_and_gb2312_by_meta():
    gbk = decode_page((FIXTURES / "gbk-page.html").read_bytes(), "text/html; charset=gbk")
    article = article_from_page(gbk, "C", "u")
    assert article.title == "厦门港集装箱吞吐量同比增长"
    assert article.published == "2022年05月21日 11:20"
    assert "（文章来源：厦门日报）" in article.body
    gb2312 = decode_page((FIXTURES / "gb2312-meta-page.html").read_bytes(), "text/html")
    article = article_from_page(gb2312, "C", "u")
    assert article.title == "港股收评：恒指涨超1%"
    assert article.outlet == "安信国际证券(香港)"


def test_gbk_page_that_declares_nothing():
    page = (FIXTURES / "gbk-page.html").read_bytes().replace(b'<meta charset="gbk">', b"")
    assert b"charset" not in page
    article = article_from_page(decode_page(page, "text/html"), "C", "u")
    assert article.title == "厦门港集装箱吞吐量同比增长"


def test_shell_page_has_no_article():
    with pytest.raises(ExtractError, match="empty #ContentBody"):
        article_from_page((FIXTURES / "shell-page.html").read_text("utf-8"), "C", "u")


def test_inner_html_keeps_nested_markup_and_bytes():
    text = '<div id="x"><div a=1>in<br/>&nbsp;</div><!-- </div> -->tail</div><div>after</div>'
    assert inner_html(text, "x") == "<div a=1>in<br/>&nbsp;</div><!-- </div> -->tail"
    assert inner_html("<p>none</p>", "x") is None


def test_json_nested_too_deep_is_an_extract_error_not_a_crash():
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ExtractError, match="nested too deep"):
        codes_from_listing(b'{"nodeList": ' + deep + b"}")
    with pytest.raises(ExtractError, match="nested too deep"):
        article_from_json(b'{"text": ' + deep + b"}", "C1", "u")


def test_a_listing_of_200000_entries_is_read_without_building_them():
    import tracemalloc

    entry = '{"infocode": "NW%014d", "title": "%s", "showtime": "2022-05-20 10:00:00"}'
    body = (
        '{"total": 200000, "nodeList": ['
        + ",".join(entry % (n, "标题摘要" * 40) for n in range(200_000))
        + "]}"
    ).encode()
    tracemalloc.start()
    try:
        codes = codes_from_listing(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(codes) == 200_000 and codes[-1] == "NW00000000199999"
    # The codes themselves are ~16 MB; a parsed tree of the entries is over 250 MB.
    assert peak < 40 * 1024 * 1024, peak / 1e6
