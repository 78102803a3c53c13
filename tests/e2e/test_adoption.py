"""Pointing newsarchiver at a legacy archive: it changes only what it wrote or names.

``tests/fixtures/legacy/`` is a small blog in the legacy archive's shapes: 2021
``emnews`` posts (Markdown bodies, dates without offset), ``NW`` posts in the
format newsarchiver writes (one fixed by hand), a post with a blank line before
its front matter, an undated post, rotated posts (one name in both folders with
other bytes, one with the same), category pages with the old generator's wrong
titles, two home pages, the old ``_config.yml`` (old_post/ built), the old
generator script and its workflow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

LEGACY = FIXTURES / "legacy"
UNREADABLE = {"_posts/-202205262391921712.md", "_posts/2022-05-26-NW202205262391921700.md"}
CONFLICT = "2022-05-21-NW202205212385500004.md"
OURS = (".newsarchiver-state", ".newsarchiver.lock", ".jekyll-cache")  # state, not content


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` (dot-files too), by relative path."""
    found = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if str(Path(root, d).relative_to(folder)) not in skip]
        for name in files:
            relative = str(Path(root, name).relative_to(folder))
            if relative not in skip:
                found[relative] = Path(root, name).read_bytes()
    return found


@pytest.fixture
def legacy(tmp_path) -> Path:
    folder = tmp_path / "blog"
    shutil.copytree(LEGACY, folder)
    return folder


def test_check_says_what_is_there_and_changes_nothing(legacy):
    before = tree(legacy)
    result = run_cli("check", "--output", str(legacy), "--json")
    assert result.code == 1, result.stderr  # something needs the owner
    assert tree(legacy) == before  # not a byte changed, not even a lock file made
    found = json.loads(result.stdout)
    assert {u["file"] for u in found["unreadable"]} == UNREADABLE
    assert found["posts"] == {
        "_posts": {"other": 3, "newsarchiver": 3},
        "old_post": {"other": 2, "newsarchiver": 1},
    }
    assert found["own"] == 0
    both = {d["code"]: d["same_bytes"] for d in found["both_folders"]}
    assert both == {"NW202205212385500004": False, "202112092207000001": True}
    pages = {p["page"]: (p["state"], p.get("was"), p.get("title")) for p in found["categories"]}
    assert pages["category/emnews.html"] == ("left", "Emnews", "东财滚动新闻")
    assert pages["category/sitenews.html"] == ("left", "中国网新闻", "站长消息新闻")
    assert pages["category/zhengquanshibao.html"][0] == "left"
    assert found["old_post_built"] is True
    assert found["index_collisions"] == [["index.html", "index.md"]]
    writers = {w["file"]: w["does"] for w in found["other_writers"]}
    assert set(writers) == {".github/workflows/update.yml", "generate.py"}
    assert "deletes category/" in writers["generate.py"]
    text = run_cli("check", "--output", str(legacy))
    assert text.code == 1
    assert "Needs the owner" in text.stdout and "generate.py" in text.stdout
    assert tree(legacy) == before


def test_check_of_a_folder_newsarchiver_made_needs_nothing(site, tmp_path):
    out = tmp_path / "blog"
    assert run_cli("init-site", str(out)).code == 0
    assert run_cli("crawl", *site.share_urls(), "-o", str(out)).code == 0
    result = run_cli("check", "-o", str(out))
    assert result.code == 0, result.stdout
    assert "Nothing needs the owner." in result.stdout
    assert "written by newsarchiver (it may replace them): 12" in result.stdout


def jekyll_pages(source: Path, destination: Path) -> dict[str, bytes]:
    """The pages Jekyll builds of the posts (dated folders and old_post/), built outside
    ``source`` so the tree stays as it is."""
    proc = subprocess.run(
        [shutil.which("jekyll"), "build", "-s", str(source), "-d", str(destination)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {
        name: data
        for name, data in tree(destination).items()
        if name.split("/")[0] in ("2021", "2022", "old_post")
    }


@pytest.mark.jekyll
def test_every_command_on_a_legacy_archive_changes_only_what_it_names(site, legacy, tmp_path):
    original = tree(legacy)
    pages_before = jekyll_pages(legacy, tmp_path / "before")
    # What check said (old_post_built), Jekyll does: the rotated posts have pages.
    assert [name for name in pages_before if name.startswith("old_post/")]
    urls = site.share_urls()  # three of them are legacy posts already

    crawl = run_cli("crawl", *urls, "-o", str(legacy))
    assert crawl.code == 0, crawl.stderr
    # The one legacy page of a category newsarchiver now writes posts for: fixed, and said.
    assert (
        "REWROTE category/zhengquanshibao.html: title 21世纪经济报道新闻 -> 证券时报新闻"
        in crawl.stderr
    )
    discover = run_cli("discover", site.listing_url(1, 20), "-o", str(legacy))
    assert discover.code == 0, discover.stderr
    categories = run_cli("categories", "-o", str(legacy))
    assert categories.code == 0, categories.stderr  # the unreadable legacy files fail nothing
    assert "PASSED OVER 2 files" in categories.stderr
    assert "LEFT 4 category pages" in categories.stderr
    assert "in category/" not in categories.stderr
    quiet = run_cli("categories", "-o", str(legacy), "-q")
    assert (quiet.code, quiet.stderr) == (0, "")
    refresh = run_cli("crawl", *urls, "-o", str(legacy), "--refresh", "--report",
                      str(tmp_path / "r.json"))  # fmt: skip
    assert refresh.code == 0, refresh.stderr
    kept = json.loads((tmp_path / "r.json").read_text("utf-8"))["kept"]
    assert sorted(kept) == ["202112082206672930", "NW202205202385404088", "NW202205212385500004"]
    for code in kept:
        assert f"KEPT {legacy / '_posts'}" in refresh.stderr and code in refresh.stderr
    demo = run_cli("demo", "--blog", str(legacy))
    assert demo.code == 2 and "already holds" in demo.stderr

    after = tree(legacy, skip=OURS)
    changed = {name for name in original if after.get(name) != original[name]}
    assert changed == {"category/zhengquanshibao.html"}  # the one page the crawl named
    added = set(after) - set(original)
    assert all(name.startswith(("_posts/", "category/")) for name in added), added
    assert not [name for name in added if name.startswith("category/")
                and name[len("category/"):-len(".html")] in ("emnews", "sitenews")]  # fmt: skip
    # Jekyll builds every legacy post's page as before.
    pages_after = jekyll_pages(legacy, tmp_path / "after")
    assert {name: pages_after.get(name) for name in pages_before} == pages_before

    rotate = ("rotate", "-o", str(legacy), "--now", "2022-05-24",
              "--keep", "2022-05-20-NW202205202385404088.md")  # fmt: skip
    first = run_cli(*rotate)
    assert first.code == 1  # the conflict, found this run
    assert first.stderr.count("CONFLICT") == 1 and CONFLICT in first.stderr
    assert "Jekyll still builds each as a page under /old_post/" in first.stderr
    moved = [line.split()[1] for line in first.stderr.splitlines() if "MOVED " in line]
    assert moved
    for name in moved:
        assert (legacy / "old_post" / name).read_bytes() == (
            original.get(f"_posts/{name}") or after[f"_posts/{name}"]
        )
    for pinned in ("2021-12-01-init.md", "2022-05-20-NW202205202385404088.md", CONFLICT):
        assert (legacy / "_posts" / pinned).exists()
    assert not (legacy / "_posts" / "2021-12-09-202112092207000001.md").exists()  # same bytes
    second = run_cli(*rotate, "-q")
    assert (second.code, second.stderr) == (0, "")  # reported once, then quiet
    third = run_cli(*rotate)
    assert third.code == 0 and "(1 known)" in third.stderr and "CONFLICT" not in third.stderr
    assert (legacy / "old_post" / CONFLICT).read_bytes() == original[f"old_post/{CONFLICT}"]
    assert (legacy / "_posts" / CONFLICT).read_bytes() == original[f"_posts/{CONFLICT}"]


def test_init_site_on_an_existing_site_adds_no_second_home_page(tmp_path):
    folder = tmp_path / "blog"
    shutil.copytree(LEGACY, folder)
    (folder / "index.html").unlink()  # the site's home page is index.md
    result = run_cli("init-site", str(folder))
    assert result.code == 0, result.stderr
    assert not (folder / "index.html").exists()
    assert "index.md (builds to index.html" in result.stderr
    assert "generate.py: deletes category/" in result.stderr
    assert ".github/workflows/update.yml" in result.stderr
    assert (folder / "_config.yml").read_bytes() == (LEGACY / "_config.yml").read_bytes()
