"""The real CLI against the sample site on 127.0.0.1; assertions on the files written."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from newsarchiver.post_format import category_slug
from newsarchiver.sample_site import ARTICLES, SampleSite
from tests.conftest import ROOT, front_matter, posts, run_cli

GOLDEN = "NW202205202385404088"
GOLDEN_NAME = f"2022-05-20-{GOLDEN}.md"


def crawl(site: SampleSite, output, *extra: str, codes=None):
    urls = [site.share_url(c) for c in (codes or site.order)]
    return run_cli("crawl", *urls, "--output", str(output), *extra)


def test_sample_site_archived_in_the_archive_format(site, tmp_path, golden_post):
    result = crawl(site, tmp_path)
    assert result.code == 0, result.stderr
    written = posts(tmp_path)
    assert len(written) == len(ARTICLES) >= 12
    assert written[GOLDEN_NAME] == golden_post
    for name, data in written.items():
        assert not data.endswith(b"\n"), name
        meta = front_matter(data)
        article = site.articles[name[11:-3]]
        assert meta["title"] == article.title
        assert meta["layout"] == "post"
        assert str(meta["date"]).startswith(name[:10])
        body = data.decode().split("\n---\n", 1)[1]
        assert "\u3000\u3000" not in body
        assert body.split("\n\n")[-2] == (
            f"<http://finews.zning.xyz/html_News/NewsShare.html?infoCode={article.code}>"
        )


def test_one_request_per_article_when_data_endpoint_answers(site, tmp_path):
    assert crawl(site, tmp_path).code == 0
    for code, article in site.articles.items():
        assert site.requests[f"data:{code}"] == 1, code
        expected_page = 0 if article.data_keys is not None else 1
        assert site.requests[f"page:{code}"] == expected_page, code


def test_golden_from_the_rendered_page_alone(tmp_path, golden_post):
    page_only = dataclasses.replace(ARTICLES[0], data_keys=None)
    with SampleSite([page_only]) as site:
        result = crawl(site, tmp_path)
        assert site.requests[f"page:{GOLDEN}"] == 1
    assert result.code == 0, result.stderr
    assert posts(tmp_path) == {GOLDEN_NAME: golden_post}


def test_specific_shapes(site, tmp_path):
    assert crawl(site, tmp_path).code == 0
    written = {
        name[11:-3]: front_matter(data) | {"_": data} for name, data in posts(tmp_path).items()
    }
    # split attribution
    assert written["NW202205202385500002"]["categories"] == "shanghaizhengquanbao"
    assert written["NW202205202385500002"]["tags"] == "上海证券报新闻"
    # aliases on the data endpoint; polyphone kept as xpinyin spells it
    assert written["NW202205202385500001"]["categories"] == "zhongqingchenbao"
    # no seconds on the page and in JSON
    assert b"date: 2022-05-21 10:05:00 +0800" in written["NW202205202385500003"]["_"]
    assert b"date: 2022-05-22 07:45:00 +0800" in written["NW202205222385500007"]["_"]
    # GBK page with the Chinese time format, GB2312 declared only in <meta>
    assert written["NW202205212385500004"]["title"] == "厦门港集装箱吞吐量同比增长"
    assert b"date: 2022-05-21 11:20:00 +0800" in written["NW202205212385500004"]["_"]
    assert written["NW202205212385500005"]["categories"] == "anxinguojizhengquan(xianggang)"
    # outlet with a space: one category, one tag
    assert written["NW202205222385500007"]["categories"] == ["21shijijingjibaodao 21caijingAPP"]
    assert written["NW202205222385500007"]["tags"] == ["21世纪经济报道 21财经APP新闻"]
    # title with quote and backslash
    assert written["NW202205222385500008"]["title"] == '评论："稳增长"需要更大力度 C:\\财经\\观察'
    # missing attribution: div.source on the page
    assert written["NW202205232385500010"]["categories"] == "jinrongshibao"
    # hostile markup removed
    hostile = written["NW202205232385500009"]["_"]
    for gone in (
        b"<script",
        b"evil.example",
        b"ad_context",
        b"onclick",
        b"javascript:",
        b"<iframe",
        b"<!--",
    ):
        assert gone not in hostile
    # eastmoney markup kept byte for byte
    article = site.articles["NW202205222385500006"]
    # (its image is the sample site's own: the relative source is made absolute)
    served = article.text.replace("\u3000\u3000", "")
    served = served.replace('src="/img/', f'src="{site.base_url}/img/')
    assert served.encode() in written["NW202205222385500006"]["_"]


def test_category_pages_exact(site, tmp_path):
    assert crawl(site, tmp_path).code == 0
    pages = {p.name: p.read_bytes() for p in (tmp_path / "category").iterdir()}
    assert pages["hebeiribao.html"] == (
        "---\nlayout: category\ntitle: 河北日报新闻\ncategory: hebeiribao\n---".encode()
    )
    for name, data in posts(tmp_path).items():
        slug = front_matter(data)["categories"]
        slug = slug[0] if isinstance(slug, list) else slug
        assert f"{slug}.html" in pages, name
    assert category_slug("重庆晨报") + ".html" in pages


def test_rerun_writes_nothing_and_refresh_picks_up_changes(site, tmp_path):
    report = tmp_path / "r.json"
    out = tmp_path / "out"
    assert crawl(site, out).code == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    requests = sum(site.requests.values())

    result = crawl(site, out, "--report", str(report))
    assert result.code == 0
    assert f"0 new, 0 updated, {len(ARTICLES)} unchanged, 0 failed" in result.stderr
    assert sum(site.requests.values()) == requests  # already archived: not fetched
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before

    assert crawl(site, out, "--refresh").code == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before

    site.articles[GOLDEN] = dataclasses.replace(site.articles[GOLDEN], title="新标题")
    result = crawl(site, out, "--refresh", "--report", str(report))
    assert result.code == 0
    assert "1 updated" in result.stderr
    import json

    assert json.loads(report.read_text("utf-8"))["updated"] == [GOLDEN]
    assert front_matter((out / "_posts" / GOLDEN_NAME).read_bytes())["title"] == "新标题"


def test_demo_archives_the_sample_site(tmp_path, golden_post):
    result = run_cli("demo", "--output", str(tmp_path / "demo"))
    assert result.code == 0, result.stderr
    assert str(tmp_path / "demo" / "_posts") in result.stdout
    written = posts(tmp_path / "demo")
    assert len(written) == len(ARTICLES)
    assert written[GOLDEN_NAME] == golden_post


def test_scrapy_crawl_does_the_same_job(site, tmp_path, golden_post):
    urls = ",".join(site.share_url(c) for c in site.order)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "share",
            "-a",
            f"urls={urls}",
            "-s",
            f"NEWSARCHIVER_OUTPUT={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    written = posts(tmp_path)
    assert len(written) == len(ARTICLES)
    assert written[GOLDEN_NAME] == golden_post
