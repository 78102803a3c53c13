"""Work on an archive folder that needs no crawl: category pages and rotation."""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from newsarchiver import storage
from newsarchiver.exporters import render_category_page

logger = logging.getLogger(__name__)
TAG_SUFFIX = "新闻"


def front_matter(path: Path) -> dict:
    """The YAML front matter of a post; ValueError if it has none that parses."""
    with open(path, encoding="utf-8") as handle:
        if handle.readline() != "---\n":
            raise ValueError("no front matter")
        lines = []
        for line in handle:
            if line.rstrip("\n") == "---":
                break
            lines.append(line)
        else:
            raise ValueError("front matter not closed")
    try:
        data = yaml.safe_load("".join(lines))
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("front matter is not a mapping")
    return data


def _single(value) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected one value, found {value!r}")
    return value


@dataclass
class CategoryResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (post path, reason)


def rebuild_categories(output: Path) -> CategoryResult:
    """Write the category page of every category in ``_posts/`` and ``old_post/``."""
    outlets: dict[str, str] = {}
    result = CategoryResult()
    for sub in (storage.POSTS, storage.OLD_POSTS):
        folder = output / sub
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not storage.POST_NAME.fullmatch(path.name):
                continue
            try:
                meta = front_matter(path)
                slug = _single(meta.get("categories"))
                outlet = _single(meta.get("tags")).removesuffix(TAG_SUFFIX)
                storage.category_page(output, slug)  # refuses names that leave the folder
            except (ValueError, OSError) as exc:
                result.errors.append((str(path), str(exc)))
                continue
            outlets.setdefault(slug, outlet)
    staging = storage.staging_folder(output)
    for slug, outlet in sorted(outlets.items()):
        page = storage.category_page(output, slug)
        data = render_category_page(outlet, slug).encode("utf-8")
        if storage.read_bytes(page) == data:
            result.unchanged.append(slug)
        else:
            storage.atomic_write(page, data, staging)
            result.written.append(slug)
    storage.remove_staging_folder(output)
    return result


@dataclass
class RotateResult:
    moved: list[str] = field(default_factory=list)
    kept: int = 0
    conflicts: list[str] = field(default_factory=list)  # names already in old_post/, different
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why not moved)


def rotate(output: Path, keep_days: int, today: date) -> RotateResult:
    """Move posts dated before the last ``keep_days`` days (today is one) to ``old_post/``.

    A post is moved by a hard link and an unlink, so nothing in ``old_post/`` is
    ever overwritten; a post already there with the same bytes just leaves
    ``_posts/``.
    """
    first_kept = today - timedelta(days=keep_days - 1)
    result = RotateResult()
    posts, old = output / storage.POSTS, output / storage.OLD_POSTS
    if not posts.is_dir():
        return result
    for path in sorted(posts.iterdir()):
        match = storage.POST_NAME.fullmatch(path.name)
        if not match:
            continue
        if path.is_symlink() or not path.is_file():
            result.skipped.append((path.name, "not a regular file"))
            continue
        try:
            posted = date.fromisoformat(match.group(1))
        except ValueError:
            result.skipped.append((path.name, "not a real date"))
            continue
        if posted >= first_kept:
            result.kept += 1
            continue
        old.mkdir(exist_ok=True)
        target = old / path.name
        try:
            os.link(path, target)
        except FileExistsError:
            if storage.read_bytes(target) != storage.read_bytes(path):
                result.conflicts.append(path.name)
                continue
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            # old_post/ on another file system (or no hard links there): copy, never overwrite.
            if not _copy_new(path, target):
                if storage.read_bytes(target) != storage.read_bytes(path):
                    result.conflicts.append(path.name)
                    continue
        path.unlink()
        result.moved.append(path.name)
    return result


def _copy_new(source: Path, target: Path) -> bool:
    """Copy ``source`` to a new file ``target`` (flushed to disk); False if it exists."""
    data = source.read_bytes()
    staging = target.parent / f"{storage.TEMP_PREFIX}rotate-{os.getpid()}.tmp"
    storage.atomic_write(staging, data)
    try:
        os.link(staging, target)  # same folder: fails rather than overwrite
    except FileExistsError:
        return False
    finally:
        staging.unlink(missing_ok=True)
    return True
