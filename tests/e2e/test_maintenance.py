"""The categories command's reading of posts: the fast path agrees with YAML."""

from __future__ import annotations

import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchiver.archive.maintenance import HEAD_BYTES, post_category, read_front_matter
from newsarchiver.post_format import category_slug, render_post, yaml_label
from tests.conftest import posts, run_cli

LABEL_CHARS = st.characters(
    codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85"
)


def by_yaml(path) -> tuple[str, str]:
    meta = yaml.safe_load(read_front_matter(path))
    slug, tag = meta["categories"], meta["tags"]
    slug = slug[0] if isinstance(slug, list) else slug
    tag = tag[0] if isinstance(tag, list) else tag
    return slug, tag.removesuffix("新闻")


def post(outlet: str, slug: str, title: str = "标题") -> str:
    return render_post(
        {
            "code": "NW1",
            "title": title,
            "published": "2022-05-20 10:00:00",
            "body": "<p>正文</p>",
            "outlet": outlet,
            "slug": slug,
        }
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    outlet=st.text(LABEL_CHARS, min_size=1, max_size=12),
    slug=st.text(LABEL_CHARS, min_size=1, max_size=12)
    | st.sampled_from(["yes", "No", "null", "on", "true", "hebeiribao", "a-b", "x1"]),
    title=st.text(min_size=1, max_size=30),
)
def test_fast_path_reads_what_yaml_reads(tmp_path, outlet, slug, title):
    outlet, slug = outlet.strip() or "x", slug.strip() or "y"
    path = tmp_path / "2022-05-20-NW1.md"
    path.write_text(post(outlet, slug, title), encoding="utf-8")
    assert post_category(path) == by_yaml(path) == (slug, outlet)


def test_archive_posts_take_the_fast_path(tmp_path, monkeypatch):
    path = tmp_path / "2022-05-20-NW1.md"
    path.write_text(post("河北日报", category_slug("河北日报")), encoding="utf-8")
    monkeypatch.setattr(yaml, "safe_load", lambda *_: pytest.fail("YAML read an archive post"))
    assert post_category(path) == ("hebeiribao", "河北日报")


def test_unusual_front_matter_is_read_by_yaml(tmp_path):
    path = tmp_path / "2022-05-20-NW1.md"
    path.write_text(
        "---\ntags: [河北日报新闻]\ncategories: ['hebeiribao']\nlayout: post\n---\nbody",
        encoding="utf-8",
    )
    assert post_category(path) == ("hebeiribao", "河北日报")


def test_front_matter_longer_than_the_first_read(tmp_path):
    path = tmp_path / "2022-05-20-NW1.md"
    title = "长" * HEAD_BYTES  # 3 bytes each in UTF-8: the closing line is far past the first read
    path.write_text(post("河北日报", "hebeiribao", title), encoding="utf-8")
    assert post_category(path) == ("hebeiribao", "河北日报")


def test_front_matter_closed_at_the_end_of_the_file(tmp_path):
    path = tmp_path / "2022-05-20-NW1.md"
    path.write_text(f"---\ncategories: {yaml_label('a b')}\ntags: x新闻\n---", encoding="utf-8")
    assert post_category(path) == ("a b", "x")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("layout: post\n", "no front matter"),
        ("---\ncategories: x\ntags: y\n", "not closed"),
        ("---\ncategories: [x\n---\n", "not valid YAML"),
        ("---\n- x\n---\n", "not a mapping"),
    ],
)
def test_broken_front_matter_is_an_error(tmp_path, text, reason):
    path = tmp_path / "2022-05-20-NW1.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        post_category(path)


@pytest.mark.parametrize(
    "command, breakage",
    [
        (["categories"], "category is a file"),
        (["categories"], "category page is a folder"),
        (["categories"], "category is a symlink loop"),
        (["rotate", "--keep-days", "1", "--now", "2030-01-01"], "old_post is a file"),
        (["init-site"], "the site folder is a file"),
    ],
)
def test_os_errors_in_maintenance_commands_are_one_line_and_exit_4(
    command, breakage, site, tmp_path
):
    out = tmp_path / "o"
    assert run_cli("crawl", *site.share_urls()[:3], "-o", str(out)).code == 0
    if breakage == "category is a file":
        shutil.rmtree(out / "category")
        (out / "category").write_text("x")
    elif breakage == "category page is a folder":
        for page in (out / "category").iterdir():
            page.unlink()
            page.mkdir()
            (page / "keep").write_text("x")
    elif breakage == "category is a symlink loop":
        shutil.rmtree(out / "category")
        (out / "category").symlink_to(out / "category")
    elif breakage == "old_post is a file":
        (out / "old_post").write_text("x")
    args = (
        [*command, str(out / "_posts" / next(iter(posts(out))))]
        if command == ["init-site"]
        else [*command, "-o", str(out)]
    )
    result = run_cli(*args)
    assert result.code == 4, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("newsarchiver") and "Traceback" not in result.stderr
    assert not (out / ".newsarchiver-tmp").exists()
    assert not [
        p for p in out.rglob(".newsarchiver-*")
        if p.name not in (".newsarchiver.lock", ".newsarchiver-state")
    ]  # fmt: skip
