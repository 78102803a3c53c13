from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsarchiver.finish import Unfinished, finish_article
from newsarchiver.items import Article
from newsarchiver.pipelines import ArticleFinisher, PostWriter


def article(**changes) -> Article:
    values = dict(
        code="NW1",
        url="http://h/html_News/NewsShare.html?infoCode=NW1",
        title="标题",
        published="2022-05-20 02:56",
        body='<p>\u3000\u3000正文</p><p class="em_media">（文章来源：河北日报）</p>',
        outlet="",
    )
    values.update(changes)
    return Article(**values)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"title": "  "}, "missing title"),
        ({"published": ""}, "no date"),
        ({"published": "someday"}, "no parseable date"),
        ({"body": " "}, "empty body"),
        ({"code": "../x"}, "invalid infoCode"),
    ],
)
def test_finisher_drops_with_reason_and_url(changes, reason):
    with pytest.raises(DropItem, match=reason) as info:
        ArticleFinisher().process_item(article(**changes))
    assert str(info.value).endswith("infoCode=NW1") or "../x" in str(info.value)
    assert info.value.reason.startswith(reason) and info.value.url == article().url


def test_finishing_normalises_the_date():
    assert finish_article(article()).published == "2022-05-20 02:56:00"


def test_finishing_cleans_and_attributes_and_leaves_the_raw_article():
    raw = article()
    item = finish_article(raw)
    assert item.body == '<p>正文</p><p class="em_media">（文章来源：河北日报）</p>'
    assert (item.outlet, item.slug) == ("河北日报", "hebeiribao")
    assert raw == article()  # pure: the raw article is as it was


def test_attributor_falls_back_to_json_outlet_and_drops_without_any():
    item = finish_article(article(body="<p>x</p>", outlet="重庆晨报"))
    assert item.slug == "zhongqingchenbao"
    with pytest.raises(Unfinished, match="no source attribution"):
        finish_article(article(body="<p>x</p>", outlet=""))


def test_attributor_keeps_slug_inside_category_folder():
    item = finish_article(article(body="<p>x</p>", outlet="../../etc/报"))
    assert "/" not in item.slug and not item.slug.startswith(".")


def archive_settings(output) -> dict:
    # The components reach the archive folder through its extension, as in a run.
    return {
        "NEWSARCHIVER_OUTPUT": str(output),
        "EXTENSIONS": {"newsarchiver.extensions.ArchiveFolder": 60},
    }


def test_writer_new_unchanged_updated(tmp_path):
    crawler = get_crawler(settings_dict=archive_settings(tmp_path))
    writer = PostWriter.from_crawler(crawler)
    writer.open_spider()

    def write(**changes):
        return writer.process_item(finish_article(article(**changes)))

    assert write().status == "new"
    post = tmp_path / "_posts" / "2022-05-20-NW1.md"
    mtime = post.stat().st_mtime_ns
    assert write().status == "unchanged"
    assert post.stat().st_mtime_ns == mtime
    assert write(title="新标题").status == "updated"
    assert '"新标题"' in post.read_text("utf-8")
    assert write(published="2022-05-21 00:00:00").status == "updated"
    assert not post.exists()
    assert [p.name for p in (tmp_path / "_posts").iterdir()] == ["2022-05-21-NW1.md"]
    assert (tmp_path / "category" / "hebeiribao.html").exists()


def test_spider_and_writer_share_one_scan_of_the_archive(tmp_path, monkeypatch):
    import os

    from newsarchiver.spiders.share import ShareSpider

    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2022-05-20-OLD1.md").write_text("x")
    crawler = get_crawler(ShareSpider, archive_settings(tmp_path))
    scans = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: scans.append(path) or real_scandir(path))
    writer = PostWriter.from_crawler(crawler)
    writer.open_spider()
    scanned_by_writer = len(scans)
    crawler.spider = spider = ShareSpider.from_crawler(crawler)
    assert spider.archive is writer.archive
    assert spider.archive.index is writer.index
    assert "OLD1" in spider.archive.index
    assert len(scans) == scanned_by_writer  # the spider's skip scanned nothing again
