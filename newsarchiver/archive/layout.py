"""Where things live in an archive folder, and what they are called: the one place.

Folder names, the post file name (built and read here only), the category
page path and its slug rule, the tag suffix, the discovery state's file.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from newsarchiver.finews import TAG_SUFFIX

POSTS = "_posts"
OLD_POSTS = "old_post"
CATEGORIES = "category"
STAGING = ".newsarchiver-tmp"  # dot-folder: Jekyll ignores it
STATE = ".newsarchiver-state"  # discovery state, owed category pages
LOCK_NAME = ".newsarchiver.lock"  # dot-file: Jekyll ignores it
TEMP_PREFIX = ".newsarchiver-"
POST_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-([A-Za-z0-9]+)\.md")
# The same names, a name a line (a folder's names joined by line breaks): (code, name),
# so that ``dict(findall())`` maps code to name with no Python loop a post.
POST_NAME_LINES = re.compile(r"^(?=\d{4}-\d{2}-\d{2}-([A-Za-z0-9]+)\.md$)(.+)$", re.MULTILINE)


# Files Jekyll converts to a page of the same stem (index.md -> index.html).
PAGE_SUFFIXES = (".html", ".htm", ".md", ".markdown", ".mkdn", ".mkd", ".mdown", ".textile")


def post_name(published: str, code: str) -> str:
    """A post's file name: ``YYYY-MM-DD-CODE.md`` from its date (``YYYY-MM-DD ...``)."""
    return f"{published[:10]}-{code}.md"


def parse_post_name(name: str) -> tuple[str, str] | None:
    """``(date, code)`` of a post's file name; None for any other file."""
    match = POST_NAME.fullmatch(name)
    return (match.group(1), match.group(2)) if match else None


def outlet_of_tag(tag: str) -> str:
    return tag.removesuffix(TAG_SUFFIX)


MAX_SLUG_BYTES = 200
_SLUG_DROPPED = str.maketrans("", "", "/\\\0:")


def file_slug(slug: str) -> str:
    """``slug`` as a category file name and URL segment: the one rule for both.

    Path separators, NUL and ``:`` (Jekyll's URL parser takes ``x:`` in a post's
    first path segment for a scheme and stops the build) are dropped, and outer
    white space. Jekyll publishes no file whose name starts with ``.``, ``_``,
    ``#`` or ``~`` or ends with ``~``: those are dropped too, so the footer
    link finds its page; a slug of nothing else (``~``, ``__``) becomes ``c``
    and a digest of it. "" when nothing usable is left or it is too long.
    """
    cleaned = slug.translate(_SLUG_DROPPED).strip()
    published = cleaned.lstrip("._#~").rstrip("~").strip()
    if cleaned and not published:
        published = "c" + hashlib.sha256(cleaned.encode("utf-8")).hexdigest()[:10]
    return published if len(published.encode("utf-8")) <= MAX_SLUG_BYTES else ""


def category_page(output: Path, slug: str) -> Path:
    """``output/category/{slug}.html``; ValueError unless ``slug`` obeys :func:`file_slug`.

    A slug comes from an outlet name or a post's front matter: neither may
    lead a write out of the category folder.
    """
    if not slug or file_slug(slug) != slug:
        raise ValueError(f"unsafe category name {slug!r}")
    return output / CATEGORIES / f"{slug}.html"


def staging_folder(output: Path) -> Path:
    """Where posts and category pages are staged before their rename."""
    return output / STAGING


def discovery_state(output: Path, listing: str) -> Path:
    """The state file of ``discover`` for one listing URL."""
    digest = hashlib.sha256(listing.encode("utf-8")).hexdigest()[:20]
    return output / STATE / f"discover-{digest}.json"


def owed_pages(output: Path) -> Path:
    """Category pages a run could not write, for the next run."""
    return output / STATE / "category-pages.json"


def owed_images(output: Path) -> Path:
    """Articles whose body images a run with --images could not keep, for later runs."""
    return output / STATE / "images-owed.json"


def written_posts(output: Path) -> Path:
    """The posts newsarchiver wrote (code and digest, a line each): what it may replace."""
    return output / STATE / "written-posts"


def rotate_conflicts(output: Path) -> Path:
    """Names in both ``_posts/`` and ``old_post/`` with different bytes, reported once."""
    return output / STATE / "rotate-conflicts.json"
