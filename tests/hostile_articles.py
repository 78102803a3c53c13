"""Articles a site could serve that try to break or subvert the Jekyll blog.

A test helper, not part of the package or the demo: tests serve them (``SampleSite(HOSTILE)``) and build the
archive with a real Jekyll. Each holds text that Liquid, kramdown or Psych
would act on, or markup that one HTML reader takes for text and another for a
tag; the archive must show all of it as written and run none of it.
"""

from __future__ import annotations

from newsarchiver.sample_site.articles import SampleArticle


def _article(number: int, title: str, text: str, medianame: str = "经济日报", **kw):
    return SampleArticle(
        code=f"HOSTILE{number:03d}",
        title=title,
        showtime=f"2022-06-{number % 28 + 1:02d} 10:00:00",
        medianame=medianame,
        text=text,
        **kw,
    )


LIQUID_TEXT = (
    "{% foo %}",
    "{% include /etc/passwd %}",
    "{% raw %}",
    "{% endraw %}",
    "{{ site.time }}",
    '{{ "%3Cscript%3Ealert(1)%3C/script%3E" | url_decode }}',
    "{%- comment -%}",
    "{{{ triple }}}",
)
MARKDOWN_TEXT = (
    "[x](javascript:alert(1))",
    '{: onmouseover="alert(1)"}',
    "*not emphasis*",
    "# not a heading",
    "    not a code block",
    '{::options parse_block_html="true" /}',
    "$$x$$",
    '"straight quotes" -- and ...',
)
# Outlet names Psych would read as something other than a string.
RETYPED_OUTLETS = ("1,000", ":sym", "true", "2022-05-20", "0x1F", "12:30", "1_000", "~", "null")

HOSTILE: list[SampleArticle] = [
    _article(
        1,
        "Liquid {{ site.time }} {% raw %} 标题",
        "<p>" + "</p>\n<p>".join(LIQUID_TEXT) + "</p>",
    ),
    # Markdown syntax as plain text between and after blocks.
    _article(2, "Markdown 正文", "<p>开头</p>\n" + "\n".join(MARKDOWN_TEXT) + "\n<p>结尾</p>"),
    _article(
        3,
        "kramdown markdown 属性",
        '<p>a</p>\n<div markdown="1">*md* [y](javascript:alert(2))</div>\n<span>*span*</span>',
    ),
    # Markup that one HTML reader takes for text and another for a tag.
    _article(
        4,
        "解析差异",
        "<p>正文</p><x<script>alert(1)//</script>\n"
        '<meta http-equiv="refresh" content="0;url=http://evil.example/">\n'
        '<base href="http://evil.example/">\n'
        '<link rel="stylesheet" href="http://evil.example/x.css">\n'
        "<math><style>body{display:none}</style></math>\n"
        "<svg><script>alert(2)</script></svg>\n"
        "<img src=x onerror=alert(3)//>\n"
        '<a href="data:text/html,&lt;script&gt;alert(4)&lt;/script&gt;">d</a>\n'
        '<a href="vbscript:msgbox(5)">v</a>\n'
        "<p>尾</p>",
    ),
    # The outlet goes into the footer's link text.
    _article(5, "来源字段 img", "<p>正文五</p>", medianame='<img src="x" onerror="alert(1)">'),
    _article(6, "来源字段 script", "<p>正文六</p>", medianame="<script>alert(1)</script>"),
    _article(
        7,
        "转义的来源行",
        '<p>正文七</p><p class="em_media">（文章来源：&lt;img src=x onerror=alert(7)&gt;）</p>',
    ),
    _article(
        8,
        "div.source 来源",
        "<p>正文八</p>",
        medianame="",
        data_keys=None,
        page_source="<b>x</b><script>alert(8)</script>",
    ),
    _article(
        9, "Markdown 来源", "<p>正文九</p>", medianame="*em* [l](javascript:x) {{ site.time }}"
    ),
    *(
        _article(10 + n, f"类型 {outlet}", f"<p>正文 {n}</p>", medianame=outlet)
        for n, outlet in enumerate(RETYPED_OUTLETS)
    ),
    _article(
        30,
        '标题 "引号" \\ 反斜杠 {{ x }} :sym',
        "<p>text &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>",
    ),
]

# Real eastmoney bodies that need a cut: the post must keep every other byte.
CUT_BODIES = {
    "CUT001": (
        '<p>股价<br />上涨<a href="http://quote.eastmoney.com/x?a=1&b=2">行情</a></p>'
        "<!-- EM_StockImg_Start --><p>图表</p><!-- EM_StockImg_End -->\n"
        ' <p class="em_media">（文章来源：中国证券报·中证网）</p>',
        '<p>股价<br />上涨<a href="http://quote.eastmoney.com/x?a=1&b=2">行情</a></p>'
        "<p>图表</p>\n"
        ' <p class="em_media">（文章来源：中国证券报·中证网）</p>',
    ),
    "CUT002": (
        "<p>一<br/>二</p>\n<script>var a = 1 < 2 && 3;</script>\n <p>三&nbsp;四</p>"
        '<p class="em_media">（文章来源：河北日报）</p>',
        '<p>一<br/>二</p>\n\n <p>三&nbsp;四</p><p class="em_media">（文章来源：河北日报）</p>',
    ),
    "CUT003": (
        '<p onclick="x()">甲</p><div class="em_handle_adv"><p>广告</p></div>'
        '<p><img src="https://img.example/a.png" alt="图" /></p><p class="em_media">（文章来源：河北日报）</p>',
        '<p>甲</p><p><img src="https://img.example/a.png" alt="图" /></p><p class="em_media">（文章来源：河北日报）</p>',
    ),
}
CUTS: list[SampleArticle] = [
    SampleArticle(
        code=code,
        title=f"需要删减的正文 {code}",
        showtime="2022-07-01 08:00:00",
        medianame="",
        text=served,
    )
    for code, (served, _) in CUT_BODIES.items()
]


# Bodies that once made a pass over an article rescan the rest of it from every
# tag (quadratic), by kind: ``make(n)`` gives about n characters. The linearity
# test and benchmarks/hostile.py both use them.
HOSTILE_MARKUP = {
    "lone <": lambda n: "<" * n,
    "< and space": lambda n: "< " * (n // 2),
    "unclosed quotes <a b='": lambda n: "<a b='" * (n // 6),
    "attribute runs <p a": lambda n: "<p a" * (n // 4),
    'open quotes <p title="': lambda n: '<p title="' * (n // 10),
    "comment openers <!--": lambda n: "<!--" * (n // 4),
    "ampersands &": lambda n: "&" * n,
    "not references &a": lambda n: "&a" * (n // 2),
    "references to & &#38;": lambda n: "&#38;" * (n // 5),
    "nested <div> (refused)": lambda n: "<div>" * (n // 5),
}


def cleaning_cost(body: str) -> float:
    """CPU seconds to clean ``body`` and make it safe for kramdown, as a crawl does (or refuse it)."""
    import time

    from newsarchiver.post_format import protect_body
    from newsarchiver.sanitize import clean_body

    started = time.process_time()
    try:
        cleaned, _ = clean_body(body)
        protect_body(cleaned)
    except ValueError:
        pass  # refused (nested too deep): also an answer
    return time.process_time() - started
