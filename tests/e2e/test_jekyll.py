"""The archive in a real Jekyll build (Debian's jekyll, installed by .ci/run)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from newsarchiver.sample_site import ARTICLES
from tests.conftest import front_matter, posts, run_cli

pytestmark = pytest.mark.jekyll  # real builds with Debian's jekyll

# A page that shows what Jekyll saw of every post.
POSTS_JSON = """---
---
[{% for p in site.posts %}{"title": {{ p.title | jsonify }},
 "date": {{ p.date | date: "%Y-%m-%d %H:%M:%S %z" | jsonify }},
 "categories": {{ p.categories | jsonify }}, "tags": {{ p.tags | jsonify }},
 "path": {{ p.path | jsonify }}}{% unless forloop.last %},{% endunless %}{% endfor %}]
"""


def jekyll_build(site: Path) -> Path:
    jekyll = shutil.which("jekyll")
    (site / "posts.json").write_text(POSTS_JSON, encoding="utf-8")
    proc = subprocess.run(
        [jekyll, "build", "--source", str(site), "--destination", str(site / "_site")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site / "_site"


@pytest.fixture
def blog(site, tmp_path) -> Path:
    folder = tmp_path / "blog"
    assert run_cli("init-site", str(folder)).code == 0
    result = run_cli("crawl", *site.share_urls(), "--output", str(folder))
    assert result.code == 0, result.stderr
    return folder


def test_jekyll_sees_one_category_and_one_tag_per_post(blog):
    built = jekyll_build(blog)
    seen = {Path(p["path"]).name: p for p in json.loads((built / "posts.json").read_text("utf-8"))}
    assert len(seen) == len(ARTICLES)
    for name, data in posts(blog).items():
        meta = front_matter(data)
        article = {a.code: a for a in ARTICLES}[name[11:-3]]
        post = seen[name]
        assert post["title"] == article.title
        assert post["date"] == meta["date"]
        assert post["date"].endswith(" +0800")
        slug = meta["categories"][0] if isinstance(meta["categories"], list) else meta["categories"]
        assert post["categories"] == [slug]
        assert len(post["tags"]) == 1 and post["tags"][0].endswith("新闻")
    spaced = seen["2022-05-22-NW202205222385500007.md"]
    assert spaced["categories"] == ["21shijijingjibaodao 21caijingAPP"]
    assert spaced["tags"] == ["21世纪经济报道 21财经APP新闻"]
    golden = seen["2022-05-20-NW202205202385404088.md"]
    assert golden["date"] == "2022-05-20 02:56:47 +0800"


def test_category_pages_list_their_posts_and_index_lists_categories(blog):
    built = jekyll_build(blog)
    hebei = (built / "category" / "hebeiribao.html").read_text("utf-8")
    assert "<h1>河北日报新闻</h1>" in hebei
    assert "数字化就业赋能欠发达县域发展" in hebei and "河北出台支持中小企业发展措施" in hebei
    assert "厦门港" not in hebei
    spaced = (built / "category" / "21shijijingjibaodao 21caijingAPP.html").read_text("utf-8")
    assert "二十国集团财长会议闭幕" in spaced
    index = (built / "index.html").read_text("utf-8")
    assert "zhongqingchenbao.html" in index and "重庆晨报新闻" in index
    assert "数字化就业赋能欠发达县域发展" in index
    # the post page itself renders the body and the footer links
    page = (built / "hebeiribao/2022/05/20/NW202205202385404088.html").read_text("utf-8")
    assert "（文章来源：河北日报）" in page
    # An init-site blog links to itself (its _config.yml's newsarchiver.site).
    assert 'href="/category/hebeiribao.html"' in page


def test_categories_command_rebuilds_all_pages(blog):
    pages = blog / "category"
    before = {p.name: p.read_bytes() for p in pages.iterdir()}
    shutil.rmtree(pages)
    (blog / "old_post").mkdir()
    old = next((blog / "_posts").glob("2021-*.md"))
    old.rename(blog / "old_post" / old.name)
    result = run_cli("categories", "--output", str(blog))
    assert result.code == 0, result.stderr
    assert {p.name: p.read_bytes() for p in pages.iterdir()} == before
    assert "11 category pages written" in result.stderr
    again = run_cli("categories", "--output", str(blog))
    assert "0 category pages written, 11 unchanged" in again.stderr


def test_markdown_bodies_build(site, tmp_path):
    folder = tmp_path / "md"
    run_cli("init-site", str(folder))
    code = "NW202205222385500006"
    result = run_cli("crawl", site.share_url(code), "-o", str(folder), "--body-format", "markdown")
    assert result.code == 0, result.stderr
    [(name, data)] = posts(folder).items()
    text = data.decode()
    assert "| 营业收入 | 462.07 |" in text
    # The sample site's own image, its source made absolute (a relative one would point
    # into the blog).
    assert f"![图表]({site.base_url}/img/photo.jpg)" in text
    assert "**分析人士认为**" in text
    assert "[平安银行](http://quote.eastmoney.com/unify/r/0.000001)" in text
    assert "（文章来源：证券时报）" in text and "<p" not in text
    assert text.startswith('---\nlayout: post\ntitle: "平安银行公布2021年度分红方案"\n')
    assert text.endswith(
        f"\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode={code}>\n\n"
        "[返回证券时报新闻](/category/zhengquanshibao.html)｜[返回首页](/)"
    )
    built = jekyll_build(folder)
    html = next(p for p in built.rglob("*.html") if "营业收入" in p.read_text("utf-8"))
    page = html.read_text("utf-8")
    assert "<table>" in page and "<strong>分析人士认为</strong>" in page


def test_rotation_moves_old_posts_never_overwrites_and_crawl_respects_it(site, tmp_path):
    out = tmp_path / "out"
    assert run_cli("crawl", *site.share_urls(), "-o", str(out)).code == 0
    result = run_cli("rotate", "-o", str(out), "--keep-days", "2", "--now", "2022-05-23")
    assert result.code == 0, result.stderr
    kept = sorted(p.name[:10] for p in (out / "_posts").iterdir())
    moved = sorted(p.name[:10] for p in (out / "old_post").iterdir())
    assert set(kept) == {"2022-05-22", "2022-05-23"}
    assert set(moved) == {"2021-12-08", "2022-05-20", "2022-05-21"}
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = run_cli("rotate", "-o", str(out), "--keep-days", "2", "--now", "2022-05-23")
    assert again.code == 0 and "0 posts moved" in again.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot

    # a later crawl does not re-create rotated posts in _posts/
    requests = sum(site.requests.values())
    assert run_cli("crawl", *site.share_urls(), "-o", str(out)).code == 0
    assert sorted(p.name[:10] for p in (out / "_posts").iterdir()) == kept
    assert sum(site.requests.values()) == requests
    assert run_cli("crawl", *site.share_urls(), "-o", str(out), "--refresh").code == 0
    assert sorted(p.name[:10] for p in (out / "_posts").iterdir()) == kept

    # never overwrite: a different file of the same name in old_post/ stays
    post = next((out / "_posts").iterdir())
    (out / "old_post" / post.name).write_text("mine", encoding="utf-8")
    clash = run_cli("rotate", "-o", str(out), "--keep-days", "1", "--now", "2030-01-01")
    assert clash.code == 1 and "CONFLICT" in clash.stderr
    assert (out / "old_post" / post.name).read_text("utf-8") == "mine"
    assert post.exists()


def test_init_site_keeps_existing_files(tmp_path):
    folder = tmp_path / "s"
    assert run_cli("init-site", str(folder)).code == 0
    config = (folder / "_config.yml").read_text("utf-8")
    assert "timezone: Asia/Shanghai" in config
    for layout in ("default", "post", "category"):
        assert (folder / "_layouts" / f"{layout}.html").exists()
    (folder / "_config.yml").write_text("title: mine\n", encoding="utf-8")
    result = run_cli("init-site", str(folder))
    assert result.code == 0 and "kept" in result.stderr
    assert (folder / "_config.yml").read_text("utf-8") == "title: mine\n"


def blog_of(articles, folder: Path) -> Path:
    """An init-site blog in ``folder`` with ``articles`` crawled into it from the sample site."""
    from newsarchiver.sample_site import SampleSite

    assert run_cli("init-site", str(folder)).code == 0
    with SampleSite(articles) as site:
        result = run_cli("crawl", *site.share_urls(), "-o", str(folder))
    assert result.code == 0, result.stderr
    return folder


def test_crlf_bodies_are_written_as_served_and_build_to_the_same_html(tmp_path):
    from newsarchiver.sample_site.articles import SampleArticle

    body = (
        '<p>第一段，文字。</p>\r\n<p>第二段 <a href="http://x.example/?a=1&b=2">链接</a>。</p>\r\n'
        '<p class="em_media">（文章来源：河北日报）</p>'
    )
    lf = body.replace("\r\n", "\n")
    articles = [
        SampleArticle("CRLF1", "crlf", "2022-05-20 10:00:00", "河北日报", body),
        SampleArticle("LF1", "lf", "2022-05-20 11:00:00", "河北日报", lf),
    ]
    folder = blog_of(articles, tmp_path / "blog")
    written = posts(folder)
    # As served, byte for byte: no <div markdown="0"> wrap.
    assert f"---\n{body}\n\n<".encode() in written["2022-05-20-CRLF1.md"]
    assert f"---\n{lf}\n\n<".encode() in written["2022-05-20-LF1.md"]
    built = jekyll_build(folder)

    def article_html(code: str) -> str:
        text = next(built.rglob(f"{code}.html")).read_text("utf-8")
        text = text[text.index("<article>") :]  # past the SEO tags' excerpt
        return text[text.index("<p>第一段") : text.index("（文章来源")]

    assert article_html("CRLF1").replace("\r\n", "\n") == article_html("LF1")
    assert '<a href="http://x.example/?a=1&amp;b=2">链接</a>' in article_html("CRLF1")


def test_controls_stay_out_and_every_category_page_is_published(tmp_path):
    import re

    from newsarchiver.sample_site.articles import SampleArticle

    outlets = ["_x报", ".x报", "~", "#x报", "x报~", "__", "坏\u202e字报", "控\x07制\x1b报"]
    articles = [
        SampleArticle(
            f"CTL{n}",
            f"标题\u202e{n}\x00\t末\u2066",
            "2022-05-20 10:00:00",
            outlet,
            "<p>x</p>",
        )  # no attribution line: the outlet is the JSON's
        for n, outlet in enumerate(outlets)
    ]
    folder = blog_of(articles, tmp_path / "blog")
    built = jekyll_build(folder)
    controls = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
    for path in [*folder.rglob("*"), *built.rglob("*")]:
        assert not controls.search(path.name), path
        if path.is_file() and path.suffix in (".md", ".html"):
            assert not controls.search(path.read_text("utf-8")), path
    for name, data in posts(folder).items():
        text = data.decode()
        link = re.search(r"\]\(/category/([^)]+)\.html\)", text).group(1)
        from urllib.parse import unquote

        assert (built / "category" / f"{unquote(link)}.html").is_file(), (name, link)
        assert front_matter(data)["title"].startswith("标题")


def test_the_built_blog_metadata_is_chinese_as_written_and_absolute(site, tmp_path):
    folder = tmp_path / "blog"
    assert run_cli("init-site", str(folder), "--url", "https://blog.example.com/").code == 0
    assert run_cli("crawl", *site.share_urls(), "--output", str(folder)).code == 0
    built = jekyll_build(folder)
    index = (built / "index.html").read_text("utf-8")
    assert '<meta property="og:locale" content="zh_CN" />' in index
    code = "NW202205222385500008"  # 评论："稳增长"需要更大力度 ...
    [page] = [p for p in built.rglob(f"{code}.html")]
    html = page.read_text("utf-8")
    title = re.search(r"<title>([^<]*)</title>", html)[1]
    assert title.startswith("评论：&quot;稳增长&quot;需要更大力度")  # straight quotes, as written
    assert "”" not in title and "“" not in title
    feed = (built / "feed.xml").read_text("utf-8")
    links = re.findall(r'<link href="([^"]+)" rel="alternate" type="text/html" title=', feed)
    assert links and all(link.startswith("https://blog.example.com/") for link in links)
    assert "<name></name>" not in feed
