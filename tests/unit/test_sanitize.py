from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchiver.sample_site.articles import EASTMONEY_MARKUP
from newsarchiver.sanitize import clean_body
from tests.conftest import GOLDEN_ANSWER


def sanitize_body(html: str) -> str:
    return clean_body(html)[0]


def test_clean_golden_body_only_loses_its_indentation():
    served = json.loads(GOLDEN_ANSWER.read_text("utf-8"))["text"]
    assert "\u3000\u3000" in served
    assert sanitize_body(served) == served.replace("\u3000\u3000", "")


@pytest.mark.parametrize(
    "html",
    [
        EASTMONEY_MARKUP.replace("\u3000\u3000", ""),
        "<p>a<br/>b&nbsp;c “d” &amp; <img src=x.png width=100 /></p>",
        "<center><img src='http://a/b.jpg' style='width:100%'></center>",
        "<table><tr><td>1</td></tr></table><p>a < b</p>",
        '<span id="stock_1"><a class="em_stock_key_common" href="http://quote.eastmoney.com/">A</a></span>',
    ],
)
def test_clean_markup_comes_out_byte_for_byte(html):
    assert sanitize_body(html) == html


@pytest.mark.parametrize(
    "html, gone",
    [
        ("<p>a</p><script>alert(1)</script>", "alert"),
        ("<p>a</p><style>p{}</style>", "p{}"),
        ('<p>a</p><iframe src="http://x/"></iframe>', "iframe"),
        ('<p>a</p><object data="x.swf"></object><embed src="x.swf">', "swf"),
        ('<p>a</p><form action="/x"><input name="q"></form>', "form"),
        ("<p>a</p><!-- secret -->", "secret"),
        ('<p onclick="steal()">a</p>', "steal"),
        ('<img src="x.png" ONERROR="steal()">', "steal"),
        ('<a href="javascript:steal()">a</a>', "steal"),
        ('<a href=" JaVa&#x09;ScRiPt:steal()">a</a>', "steal"),
        ('<p>a</p><div class="ad_context_3">buy</div>', "buy"),
        ('<p>a</p><p class="x em_handle_adv_2">buy</p>', "buy"),
        ('<x-widget onmouseover="steal()">a</x-widget>', "steal"),
        ('<svg onload="steal()"><circle/></svg>', "steal"),
    ],
)
def test_unsafe_content_removed(html, gone):
    out = sanitize_body(html)
    assert gone not in out.lower()
    if "<p>a</p>" in html:
        assert "<p>a</p>" in out


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="&#;ampAMPxX3826lgtcopy <>/'\"=bi", max_size=60))
def test_ampersands_handed_to_nh3_as_a_stand_in_give_the_same_output(text):
    import nh3

    from newsarchiver.sanitize import _nh3

    html = f"<p title='{text}'>{text}</p><b>{text}"
    assert _nh3(nh3.clean, html) == nh3.clean(html)
