"""Work on an archive folder that needs no crawl: front matter read back, category pages, rotation.

Called through :class:`newsarchiver.archive.Archive`.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from newsarchiver.archive.files import atomic_write, read_bytes
from newsarchiver.archive.index import RotateConflicts
from newsarchiver.archive.layout import (
    OLD_POSTS,
    POSTS,
    TEMP_PREFIX,
    category_page,
    outlet_of_tag,
    parse_post_name,
)
from newsarchiver.archive.written import digest
from newsarchiver.post_format import render_category_page, yaml_label, yaml_quoted

if TYPE_CHECKING:
    from newsarchiver.archive import Archive

logger = logging.getLogger(__name__)


HEAD_BYTES = 4096  # the archive's front matter fits; longer ones are read on
# The archive's own front matter, line by line as render_post writes it. A
# match counts only where the exporter's own rules say it would have written
# those values so (a title without escapes, plain labels): YAML then reads
# them as written. Anything else is read by YAML.
_OWN_FORMAT = re.compile(
    r'layout: post\ntitle: ("[^"\\\n]*")\n'
    r"date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800\n"
    r"categories: (\S+)\ntags: (\S+)\n"
)


def read_front_matter(path: Path) -> str:
    """The text between a post's ``---`` lines; ValueError if there is none."""
    with open(path, "rb") as handle:
        data = handle.read(HEAD_BYTES)
        if not data.startswith(b"---\n"):
            raise ValueError("no front matter")
        at = 3
        while (end := data.find(b"\n---\n", at)) < 0:
            more = handle.read(1 << 16)
            if not more:
                if data.endswith(b"\n---"):
                    end = len(data) - 4
                    break
                raise ValueError("front matter not closed")
            at = max(3, len(data) - 4)
            data += more
    return data[4 : end + 1].decode("utf-8")


def page_title(data: bytes) -> str:
    """The ``title:`` of a page's front matter as written ("" if it has none)."""
    head = data[:4096].decode("utf-8", "replace")
    for line in head.splitlines()[1:]:
        if line.strip() == "---":
            break
        if line.startswith("title:"):
            return line[len("title:") :].strip()
    return ""


def _single(value) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected one value, found {value!r}")
    return value


def post_category(path: Path) -> tuple[str, str]:
    """``(category slug, outlet)`` of a post: a regular expression for the archive's own
    front matter, YAML for any other."""
    text = read_front_matter(path)
    own = _OWN_FORMAT.fullmatch(text)
    if (
        own
        and yaml_quoted(own[1][1:-1]) == own[1]
        and yaml_label(own[2]) == own[2]
        and yaml_label(own[3]) == own[3]
    ):
        slug, tag = own[2], own[3]
    else:
        try:
            meta = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"front matter is not valid YAML ({exc})") from None
        if not isinstance(meta, dict):
            raise ValueError("front matter is not a mapping")
        slug, tag = _single(meta.get("categories")), _single(meta.get("tags"))
    return slug, outlet_of_tag(tag)


@dataclass
class PostFile:
    """A file in ``_posts/`` or ``old_post/``: ``code`` None if it is not named as a post."""

    path: Path
    folder: str  # POSTS or OLD_POSTS
    code: str | None


def post_files(output: Path) -> Iterator[PostFile]:
    """Every regular file in ``_posts/`` and ``old_post/`` (sorted by name), but dot-files
    (Jekyll reads none; newsarchiver's temporary files are among them)."""
    for sub in (POSTS, OLD_POSTS):
        try:
            with os.scandir(output / sub) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            named = parse_post_name(entry.name)
            yield PostFile(output / sub / entry.name, sub, named[1] if named else None)


NOT_A_POST_NAME = "not named YYYY-MM-DD-CODE.md: Jekyll does not read it as a post"


@dataclass
class CategoryResult:
    written: list = field(default_factory=list)  # PageChange, a page each
    unchanged: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # pages of other writers' categories, kept
    errors: list[tuple[str, str]] = field(default_factory=list)  # own posts: (path, reason)
    foreign: list[tuple[str, str]] = field(default_factory=list)  # others' files: (path, reason)


def rebuild_categories(archive: Archive) -> CategoryResult:
    """Write the category page of every category the posts in ``_posts/`` and
    ``old_post/`` name.

    A page newsarchiver writes posts for is brought to the contract's bytes; the
    page of a category only other writers' posts name is written if missing and
    otherwise left as it is. A file newsarchiver cannot read is an error if it
    wrote it, else counted as another writer's (Jekyll may not read it either).
    """
    outlets: dict[str, str] = {}
    ours: set[str] = set()
    result = CategoryResult()
    written = archive.written.digests
    for post in post_files(archive.output):
        where = f"{post.folder}/{post.path.name}"
        if post.code is None:
            result.foreign.append((where, NOT_A_POST_NAME))
            continue
        try:
            slug, outlet = post_category(post.path)
            category_page(archive.output, slug)  # refuses names that leave the folder
        except (ValueError, OSError) as exc:
            (result.errors if post.code in written else result.foreign).append((where, str(exc)))
            continue
        outlets.setdefault(slug, outlet)
        if post.code in written:
            ours.add(slug)
    for slug, outlet in sorted(outlets.items()):
        change = archive.write_category_page(slug, outlet, replace=slug in ours)
        if change:
            result.written.append(change)
        elif slug in ours or _page_is(archive, slug, outlet):
            result.unchanged.append(slug)
        else:
            result.left.append(slug)
    archive.close()
    return result


def _page_is(archive: Archive, slug: str, outlet: str) -> bool:
    data = render_category_page(outlet, slug).encode("utf-8")
    return read_bytes(category_page(archive.output, slug)) == data


@dataclass
class RotateResult:
    moved: list[str] = field(default_factory=list)
    kept: int = 0
    pinned: list[str] = field(default_factory=list)  # on the keep list, left in _posts/
    conflicts: list[str] = field(default_factory=list)  # found this tick (different bytes)
    known_conflicts: int = 0  # reported by an earlier tick, still there
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why not moved)


def rotate(output: Path, keep_days: int, today: date, keep: tuple[str, ...] = ()) -> RotateResult:
    """Move posts dated before the last ``keep_days`` days (today is one) to ``old_post/``.

    A post is moved by a hard link and an unlink, so nothing in ``old_post/`` is
    ever overwritten; a post already there with the same bytes just leaves
    ``_posts/``; one there with other bytes stays in both, reported the first
    tick only (:class:`~newsarchiver.archive.index.RotateConflicts`). Names
    matching a pattern of ``keep`` (shell patterns) are never moved.
    """
    first_kept = today - timedelta(days=keep_days - 1)
    result = RotateResult()
    posts, old = output / POSTS, output / OLD_POSTS
    if not posts.is_dir():
        return result
    found: dict[str, list[str]] = {}
    # One listing, types from it (no stat a post): a caught-up tick costs the listing.
    with os.scandir(posts) as listing:
        entries = sorted(listing, key=attrgetter("name"))
    for entry in entries:
        name = entry.name
        named = parse_post_name(name)
        if not named:
            continue
        if keep and any(fnmatch.fnmatchcase(name, pattern) for pattern in keep):
            result.pinned.append(name)
            continue
        if entry.is_symlink() or not entry.is_file():
            result.skipped.append((name, "not a regular file"))
            continue
        try:
            posted = date.fromisoformat(named[0])
        except ValueError:
            result.skipped.append((name, "not a real date"))
            continue
        if posted >= first_kept:
            result.kept += 1
            continue
        path = posts / name
        old.mkdir(exist_ok=True)
        target = old / path.name
        try:
            os.link(path, target)
        except FileExistsError:
            if (mine := read_bytes(path)) != (theirs := read_bytes(target)):
                found[path.name] = [digest(mine or b""), digest(theirs or b"")]
                continue
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            # old_post/ on another file system (or no hard links there): copy, never overwrite.
            if not _copy_new(path, target):
                if (mine := read_bytes(path)) != (theirs := read_bytes(target)):
                    found[path.name] = [digest(mine or b""), digest(theirs or b"")]
                    continue
        path.unlink()
        result.moved.append(path.name)
    result.conflicts = RotateConflicts(output).settle(found)
    result.known_conflicts = len(found) - len(result.conflicts)
    return result


def old_posts_built(output: Path) -> bool | None:
    """Whether Jekyll builds ``old_post/`` for this blog (as pages: its posts then keep a
    page, under /old_post/); None if there is no ``_config.yml`` newsarchiver can read."""
    try:
        config = yaml.safe_load((output / "_config.yml").read_text("utf-8"))
    except FileNotFoundError:
        return True  # Jekyll's defaults exclude no such folder
    except (OSError, ValueError, yaml.YAMLError):
        return None
    if not isinstance(config, dict):
        return True if config is None else None
    exclude = config.get("exclude") or []
    if not isinstance(exclude, list):
        return None
    names = {str(name).strip().strip("/") for name in exclude}
    return OLD_POSTS not in names and f"{OLD_POSTS}/**" not in names


def _copy_new(source: Path, target: Path) -> bool:
    """Copy ``source`` to a new file ``target`` (flushed to disk); False if it exists."""
    data = source.read_bytes()
    staging = target.parent / f"{TEMP_PREFIX}rotate-{os.getpid()}.tmp"
    atomic_write(staging, data)
    try:
        os.link(staging, target)  # same folder: fails rather than overwrite
    except FileExistsError:
        return False
    finally:
        staging.unlink(missing_ok=True)
    return True
