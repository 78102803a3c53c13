"""Hostile articles crawled and built with the real Jekyll: shown as written, nothing runs.

Also: Psych (Ruby's YAML, which Jekyll uses) reads every label as the string
written, and bodies that need a cut keep every other byte.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsarchiver.archive.written import digest
from newsarchiver.jekyll_text import psych_retypes
from newsarchiver.post_format import yaml_label, yaml_scalar
from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import ARTICLES
from tests.conftest import front_matter, posts, run_cli
from tests.e2e.test_jekyll import jekyll_build
from tests.hostile_articles import (
    CUT_BODIES,
    CUTS,
    HOSTILE,
    LIQUID_TEXT,
    MARKDOWN_TEXT,
    RETYPED_OUTLETS,
)

pytestmark = pytest.mark.jekyll  # real builds with Debian's jekyll

CONTROL = ARTICLES[0].code  # the golden article: the clean page to compare with
EXECUTABLE_TAGS = {
    "script", "style", "iframe", "object", "embed", "form", "meta", "base", "link", "svg",
    "math", "frame", "frameset", "applet", "template",
}  # fmt: skip
SCRIPT_URL_PREFIXES = ("javascript:", "vbscript:", "data:text/html")


class Features(HTMLParser):
    """What in a built page could run, load or redirect, counted: tags, handlers, script URLs.

    Counted, not collected: the layout's own ``<style>`` must not hide a second one.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: Counter[str] = Counter()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in EXECUTABLE_TAGS:
            kind = values.get("name") or values.get("charset") or values.get("http-equiv") or ""
            self.found[f"<{tag}> {kind}"] += 1
        for name, value in attrs:
            if name.startswith("on") or name == "markdown":
                self.found[f"{name}="] += 1
            squashed = "".join((value or "").split()).lower()
            if squashed.startswith(SCRIPT_URL_PREFIXES):
                self.found[f"{name}={squashed[:20]}"] += 1

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def scan(page: Path) -> Features:
    features = Features()
    features.feed(page.read_text("utf-8"))
    return features


@pytest.fixture(scope="module")
def hostile_blog(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("hostile") / "blog"
    assert run_cli("init-site", str(folder)).code == 0
    with SampleSite([*HOSTILE, *CUTS, ARTICLES[0]]) as site:
        result = run_cli("crawl", *site.share_urls(), "--output", str(folder))
    assert result.code == 0, result.stderr
    return folder, jekyll_build(folder)


def built_page(built: Path, code: str) -> Path:
    (page,) = built.rglob(f"{code}.html")
    return page


def test_every_hostile_article_builds_and_runs_nothing(hostile_blog):
    folder, built = hostile_blog
    assert len(posts(folder)) == len(HOSTILE) + len(CUTS) + 1
    allowed = scan(built_page(built, CONTROL)).found  # the layout's own <meta>, <style>
    for article in [*HOSTILE, *CUTS]:
        added = scan(built_page(built, article.code)).found - allowed
        assert not added, (article.code, added)
    for page in [*built.rglob("index.html"), *(built / "category").glob("*.html")]:
        assert not scan(page).found - allowed, page


def test_liquid_and_markdown_in_text_are_shown_as_written(hostile_blog):
    _, built = hostile_blog
    liquid = "".join(scan(built_page(built, "HOSTILE001")).text)
    for text in LIQUID_TEXT:
        assert text in liquid
    assert "Liquid {{ site.time }} {% raw %} 标题" in liquid  # the title too
    markdown = "".join(scan(built_page(built, "HOSTILE002")).text)
    for text in MARKDOWN_TEXT:
        assert text.strip() in markdown
    raw = built_page(built, "HOSTILE002").read_text("utf-8")
    assert "<em>" not in raw and "<h1>#" not in raw and "<code>" not in raw and "“" not in raw
    span = built_page(built, "HOSTILE003").read_text("utf-8")
    assert "*md*" in span and "*span*" in span and "<em>" not in span


def test_outlet_payloads_are_text_in_the_footer(hostile_blog):
    _, built = hostile_blog
    for code, outlet in [
        ("HOSTILE005", '<img src="x" onerror="alert(1)">'),
        ("HOSTILE006", "<script>alert(1)</script>"),
        ("HOSTILE007", "<img src=x onerror=alert(7)>"),
        ("HOSTILE009", "*em* [l](javascript:x) {{ site.time }}"),
    ]:
        text = "".join(scan(built_page(built, code)).text)
        assert f"返回{outlet}新闻" in text, code


def test_labels_jekyll_reads_as_the_strings_written(hostile_blog):
    folder, built = hostile_blog
    seen = json.loads((built / "posts.json").read_text("utf-8"))
    by_code = {Path(p["path"]).stem[11:]: p for p in seen}
    for number, outlet in enumerate(RETYPED_OUTLETS):
        post = by_code[f"HOSTILE{10 + number:03d}"]
        assert post["tags"] == [f"{outlet}新闻"]
        assert len(post["categories"]) == 1 and isinstance(post["categories"][0], str)
        meta = front_matter(posts(folder)[Path(post["path"]).name])
        slug = meta["categories"][0] if isinstance(meta["categories"], list) else meta["categories"]
        assert post["categories"] == [str(slug)]
        assert (folder / "category" / f"{slug}.html").exists()


def test_bodies_that_need_a_cut_keep_every_other_byte(hostile_blog):
    folder, _ = hostile_blog
    written = {name[11:-3]: data.decode("utf-8") for name, data in posts(folder).items()}
    for code, (_, expected) in CUT_BODIES.items():
        body = written[code].split("---\n", 2)[2].rsplit("\n\n<http", 1)[0]
        assert body == expected, code


def test_slug_with_middle_dot_is_linked_as_the_archive_writes_it(hostile_blog):
    folder, built = hostile_blog
    text = posts(folder)["2022-07-01-CUT001.md"].decode("utf-8")
    assert text.endswith(
        "[返回中国证券报·中证网新闻](/category/"
        "zhongguozhengquanbao·zhongzhengwang.html)｜[返回首页](/)"
    )
    assert (built / "category" / "zhongguozhengquanbao·zhongzhengwang.html").exists()


def test_markdown_body_option_keeps_escaped_markup_as_text(site, tmp_path):
    folder = tmp_path / "blog"
    assert run_cli("init-site", str(folder)).code == 0
    with SampleSite([HOSTILE[-1], *HOSTILE[:2], ARTICLES[0]]) as hostile:
        result = run_cli(
            "crawl", *hostile.share_urls(), "-o", str(folder), "--body-format", "markdown"
        )
    assert result.code == 0, result.stderr
    built = jekyll_build(folder)
    allowed = scan(built_page(built, CONTROL)).found
    page = scan(built_page(built, "HOSTILE030"))
    assert not page.found - allowed
    text = "".join(page.text)
    assert "<script>alert(1)</script>" in text and "[x](javascript:alert(1))" in text
    assert "{{ site.time }}" in "".join(scan(built_page(built, "HOSTILE001")).text)


def test_categories_command_writes_nothing_outside_the_output(tmp_path):
    output = tmp_path / "deep" / "out"
    (output / "_posts").mkdir(parents=True)
    (output / "_posts" / "2022-05-20-EVIL1.md").write_text(
        '---\nlayout: post\ntitle: "x"\ndate: 2022-05-20 00:00:00 +0800\n'
        'categories: "../../../escaped"\ntags: x新闻\n---\nbody',
        encoding="utf-8",
    )
    result = run_cli("categories", "-o", str(output))
    assert result.code == 0  # a post newsarchiver did not write: passed over, named
    assert "unsafe category name" in result.stderr
    assert not list(tmp_path.rglob("escaped*"))
    # The same post as newsarchiver's own (its ledger says so): a failure, still no write.
    data = (output / "_posts" / "2022-05-20-EVIL1.md").read_bytes()
    (output / ".newsarchiver-state").mkdir()
    (output / ".newsarchiver-state" / "written-posts").write_text(f"EVIL1 {digest(data)}\n")
    result = run_cli("categories", "-o", str(output))
    assert result.code == 1
    assert "FAILED" in result.stderr and "unsafe category name" in result.stderr
    assert not list(tmp_path.rglob("escaped*"))


PSYCH_CASES = [
    *RETYPED_OUTLETS, "hebeiribao", "36ke", "anxinguojizhengquan(xianggang)", "yes", "No", "y",
    "on", "OFF", "~", "Null", ".inf", "-.Inf", ".NaN", "1e5", "1.5", "0o17", "017", "0b101",
    "12:30:45", "2022-05-20 10:00:00", "+1", "-0", "1,000新闻", ":sym新闻", "河北日报新闻",
    "21shijijingjibaodao 21caijingAPP", "zhongguozhengquanbao·zhongzhengwang", "a: b", "- x",
    "#x", "@x", "`x", "!x", "&x", "*x", "|", ">", "%x", "'x", '"x', "[x]", "{x}", "x #y",
]  # fmt: skip


def ruby(script: str, data: object) -> object:
    """``script`` run by Ruby with ``data`` as JSON on stdin; its JSON output."""
    assert shutil.which("ruby"), "ruby comes with Debian's jekyll: run .ci/run"
    proc = subprocess.run(
        ["ruby", "-rjson", "-rpsych", "-rdate", "-e", script],
        input=json.dumps(data),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_psych_reads_every_label_as_the_string_written():
    documents = [f"title: {yaml_scalar(v)}\ntags: {yaml_label(v)}\n" for v in PSYCH_CASES]
    script = (
        "puts JSON.generate(JSON.parse(STDIN.read).map { |d|"
        " h = Psych.safe_load(d, permitted_classes: [Date, Time]); [h['title'], h['tags']] })"
    )
    for value, (title, tags) in zip(PSYCH_CASES, ruby(script, documents), strict=True):
        assert title == value, value
        assert tags in (value, [value]), value


def test_plain_scalars_quoted_exactly_where_psych_would_retype_them():
    script = (
        "s = Psych::ScalarScanner.new(Psych::ClassLoader.new);"
        "puts JSON.generate(JSON.parse(STDIN.read).map { |v| s.tokenize(v).is_a?(String) })"
    )
    for value, is_string in zip(PSYCH_CASES, ruby(script, PSYCH_CASES), strict=True):
        assert psych_retypes(value) == (not is_string), value
