"""What an archive folder holds, as newsarchiver sees it: ``newsarchiver check``.

Read-only: nothing here writes, renames or creates a file. It says which posts
newsarchiver can read and in which format, which it cannot and why, codes in
both ``_posts/`` and ``old_post/``, category pages that differ from what
newsarchiver writes, whether Jekyll builds ``old_post/``, ``index.*`` files that
collide, and other writers (scripts, workflows) that still write into the folder.

Nothing here knows of Scrapy.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsarchiver.archive.files import read_bytes
from newsarchiver.archive.layout import (
    CATEGORIES,
    OLD_POSTS,
    PAGE_SUFFIXES,
    POSTS,
    category_page,
)
from newsarchiver.archive.maintenance import (
    NOT_A_POST_NAME,
    old_posts_built,
    page_title,
    post_category,
    post_files,
    read_front_matter,
)
from newsarchiver.archive.written import WrittenPosts
from newsarchiver.post_format import category_title, render_category_page

FORMATS = {
    "newsarchiver": "front matter as newsarchiver writes it",
    "other": "front matter in another shape (an older script's: newsarchiver reads it)",
}
# Files of another writer that may still write into the folder.
SCRIPT_SUFFIXES = (".py", ".sh", ".rb", ".js", ".pl")
WRITES_INTO = re.compile(r"_posts|old_post|category/|['\"]category['\"]")
DELETES_CATEGORIES = re.compile(
    r"(rmtree|rm\s+-[a-z]*r[a-z]*f?|remove|unlink|rmdir)[^\n]{0,80}category", re.I
)
# The lines newsarchiver writes, whatever the values (a title with escapes included).
OWN_FRONT_MATTER = re.compile(
    r"layout: post\ntitle: .+\ndate: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800\n"
    r"categories: .+\ntags: .+\n"
)
INDEX_PAGES = {f"index{suffix}" for suffix in PAGE_SUFFIXES}


@dataclass
class Survey:
    posts: dict = field(default_factory=dict)  # folder -> {format: count}
    own: int = 0  # posts whose bytes newsarchiver wrote (its ledger)
    unreadable: list = field(default_factory=list)  # {"file", "reason"}
    both_folders: list = field(default_factory=list)  # {"code", "files", "same_bytes"}
    categories: list = field(default_factory=list)  # {"page", "state", ...}
    old_post_built: bool | None = None
    index_collisions: list = field(default_factory=list)  # [names]
    other_writers: list = field(default_factory=list)  # {"file", "does"}

    def needs_owner(self) -> list[str]:
        """One line a finding the owner should look at; empty: nothing does."""
        lines = [f"{u['file']}: {u['reason']}" for u in self.unreadable]
        for dup in self.both_folders:
            if not dup["same_bytes"]:
                lines.append(f"code {dup['code']} in {' and '.join(dup['files'])}, different bytes")
        for page in self.categories:
            if page["state"] in ("differs", "left"):
                lines.append(page["line"])
        for names in self.index_collisions:
            lines.append(f"{' and '.join(names)} are all built as index.html: keep one")
        for writer in self.other_writers:
            lines.append(f"{writer['file']}: {writer['does']}")
        return lines

    def as_json(self) -> dict:
        return {**asdict(self), "needs_owner": self.needs_owner()}


def survey(output: Path) -> Survey:
    found = Survey(old_post_built=old_posts_built(output))
    written = WrittenPosts(output).digests
    codes: dict[str, list[Path]] = {}
    outlets: dict[str, str] = {}
    ours: set[str] = set()
    counts: dict[str, Counter] = {POSTS: Counter(), OLD_POSTS: Counter()}
    for post in post_files(output):
        where = f"{post.folder}/{post.path.name}"
        if post.code is None:
            found.unreadable.append({"file": where, "reason": NOT_A_POST_NAME})
            continue
        codes.setdefault(post.code, []).append(post.path)
        try:
            own = OWN_FRONT_MATTER.fullmatch(read_front_matter(post.path)) is not None
            slug, outlet = post_category(post.path)
            category_page(output, slug)
        except (ValueError, OSError) as exc:
            found.unreadable.append({"file": where, "reason": _reason(str(exc), post.path)})
            continue
        counts[post.folder]["newsarchiver" if own else "other"] += 1
        outlets.setdefault(slug, outlet)
        if post.code in written:
            ours.add(slug)
            found.own += 1
    found.posts = {folder: dict(counter) for folder, counter in counts.items()}
    for code, paths in sorted(codes.items()):
        if len(paths) > 1:
            datas = {read_bytes(path) for path in paths}
            found.both_folders.append({
                "code": code,
                "files": [f"{path.parent.name}/{path.name}" for path in paths],
                "same_bytes": len(datas) == 1,
            })  # fmt: skip
    found.categories = _categories(output, outlets, ours)
    found.index_collisions = _index_collisions(output)
    found.other_writers = other_writers(output)
    return found


def _reason(reason: str, path: Path) -> str:
    data = read_bytes(path) or b""
    if reason == "no front matter" and data.lstrip().startswith(b"---"):
        return "no front matter on the first line (Jekyll does not read it as a post either)"
    return reason


def _categories(output: Path, outlets: dict[str, str], ours: set[str]) -> list[dict]:
    pages = []
    for slug, outlet in sorted(outlets.items()):
        page = category_page(output, slug)
        where = f"{CATEGORIES}/{page.name}"
        want, title = render_category_page(outlet, slug).encode("utf-8"), category_title(outlet)
        have = read_bytes(page)
        if have == want:
            continue
        if have is None:
            pages.append({"page": where, "state": "missing", "title": title,
                          "line": f"{where}: missing; a crawl or categories writes it"})  # fmt: skip
            continue
        was = page_title(have)
        entry = {"page": where, "title": title, "was": was}
        if slug in ours:
            entry["state"] = "differs"
            entry["line"] = (
                f"{where}: title {was or '(none)'}, newsarchiver writes {title}: the next "
                "crawl of that category or categories rewrites it (and says so)"
            )
        else:
            entry["state"] = "left"
            entry["line"] = (
                f"{where}: title {was or '(none)'}, newsarchiver would write {title}; "
                "left as it is (newsarchiver wrote no post of that category)"
            )
        pages.append(entry)
    known = {f"{CATEGORIES}/{slug}.html" for slug in outlets}
    folder = output / CATEGORIES
    if folder.is_dir():
        for page in sorted(folder.iterdir()):
            where = f"{CATEGORIES}/{page.name}"
            if page.suffix == ".html" and where not in known:
                pages.append({"page": where, "state": "no posts",
                              "line": f"{where}: no post names this category"})  # fmt: skip
    return pages


def _index_collisions(output: Path) -> list[list[str]]:
    """Sets of ``index.*`` pages in one folder that Jekyll all writes to ``index.html``."""
    collisions = []
    for folder in [output, *(p for p in output.iterdir() if p.is_dir() and p.name[0] not in "._")]:
        try:
            pages = sorted(p.name for p in folder.iterdir() if p.name in INDEX_PAGES)
        except OSError:
            continue
        if len(pages) > 1:
            prefix = "" if folder == output else f"{folder.name}/"
            collisions.append([prefix + name for name in pages])
    return collisions


def other_writers(output: Path) -> list[dict]:
    """Scripts and workflows in the folder that write posts or category pages and are not
    newsarchiver: they will fight it (the legacy generator deletes category/ each run)."""
    candidates = sorted((output / ".github" / "workflows").glob("*.y*ml"))
    for folder in (output, output / "scripts", output / "_scripts", output / "tools"):
        if folder.is_dir():
            candidates += sorted(p for p in folder.iterdir() if p.suffix in SCRIPT_SUFFIXES)
    writers = []
    for path in candidates:
        text = (read_bytes(path) or b"").decode("utf-8", "replace")
        if "newsarchiver" in text or not WRITES_INTO.search(text):
            continue
        relative = str(path.relative_to(output))
        if DELETES_CATEGORIES.search(text):
            does = "deletes category/ and writes into the archive: retire it, newsarchiver does its work"
        elif path.suffix in (".yml", ".yaml"):
            does = "a workflow that writes into the archive without newsarchiver: retire it"
        else:
            does = "writes into _posts/, old_post/ or category/: retire it"
        writers.append({"file": relative, "does": does})
    return writers
