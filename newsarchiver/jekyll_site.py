"""``newsarchiver init-site``: a minimal Jekyll site the archive builds into."""

from __future__ import annotations

from pathlib import Path

from newsarchiver.archive import atomic_write, layout
from newsarchiver.post_format import yaml_scalar

CONFIG = """\
title: {title}
description: finews articles, archived by newsarchiver
# The feed's and the SEO tags' author (jekyll-feed writes an empty one without it).
author: {title}
locale: zh_CN
timezone: Asia/Shanghai
markdown: kramdown
kramdown:
  # Titles and Markdown text as written: no curly quotes, dashes or ellipses made
  # of straight ones (the SEO tags run titles through Markdown).
  smart_quotes: ["apos", "apos", "quot", "quot"]
  typographic_symbols: {{hellip: "...", mdash: "---", ndash: "--", laquo: "<<", raquo: ">>",
                        laquo_space: "<< ", raquo_space: " >>"}}
# Where the blog is served: "" for the root of its host; "/repo" for a GitHub
# Pages project site. url: the public address (the feed's links are absolute
# with it; init-site --url sets it).
url: {url}
baseurl: ""
# newsarchiver writes each post's footer links from this base: the blog's own
# pages ("" = this blog). Set it to the blog's public address if posts are
# read elsewhere too, e.g. https://blog.example.com
newsarchiver:
  site: ""
plugins:
  - jekyll-feed
  - jekyll-seo-tag
# Rotated posts stay out of the build: rotation exists to keep builds fast.
# Web archives (--wacz) kept in the blog's folder are not published either.
exclude:
  - old_post
  - .newsarchiver-tmp
  - "*.wacz"
  - Gemfile
  - Gemfile.lock
  - vendor
"""

DEFAULT = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  {% seo %}
  {% feed_meta %}
  <style>
    body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; font-family: sans-serif;
           line-height: 1.7; color: #222; }
    a { color: #1a5fb4; } img { max-width: 100%; height: auto; }
    table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; }
    .meta { color: #666; font-size: .9rem; } ul.posts { padding-left: 1.2rem; }
  </style>
</head>
<body>
  <header><a href="{{ '/' | relative_url }}">{{ site.title | escape }}</a> ·
    <a href="{{ '/archive.html' | relative_url }}">全部文章</a> ·
    <a href="{{ '/feed.xml' | relative_url }}">订阅</a></header>
  <main>
{{ content }}
  </main>
</body>
</html>
"""

POST = """\
---
layout: default
---
<article>
  <h1>{{ page.title | escape }}</h1>
  <p class="meta">{{ page.date | date: "%Y-%m-%d %H:%M" }} ·
  {% for category in page.categories %}<a href="{{ '/category/' | append: category
     | append: '.html' | relative_url | escape }}">{{ page.tags | first | escape }}</a>{% endfor %}</p>
{{ content }}
</article>
<nav class="pager">
  {% if page.previous %}<a rel="prev" href="{{ page.previous.url | relative_url | escape }}">← {{ page.previous.title | escape }}</a>{% endif %}
  {% if page.next %}<a rel="next" href="{{ page.next.url | relative_url | escape }}">{{ page.next.title | escape }} →</a>{% endif %}
</nav>
"""

# Every post reachable from the index: all of them, month by month.
ARCHIVE = """\
---
layout: default
title: 全部文章
---
<h1>全部文章</h1>
{% assign months = site.posts | group_by_exp: "post", "post.date | date: '%Y-%m'" %}
{% for month in months %}
<h2 id="m{{ month.name }}">{{ month.name }}</h2>
<ul class="posts">
{% for post in month.items %}
  <li><span class="meta">{{ post.date | date: "%m-%d %H:%M" }}</span>
    <a href="{{ post.url | relative_url | escape }}">{{ post.title | escape }}</a></li>
{% endfor %}
</ul>
{% endfor %}
"""

CATEGORY = """\
---
layout: default
---
<h1>{{ page.title | escape }}</h1>
<ul class="posts">
{% for post in site.categories[page.category] %}
  <li><span class="meta">{{ post.date | date: "%Y-%m-%d" }}</span>
    <a href="{{ post.url | relative_url | escape }}">{{ post.title | escape }}</a></li>
{% endfor %}
</ul>
"""

INDEX = """\
---
layout: default
title: 首页
---
<h2>来源</h2>
<ul class="categories">
{% assign categories = site.categories | sort %}
{% for category in categories %}
  <li><a href="{{ '/category/' | append: category[0] | append: '.html' | relative_url
    | escape }}">{{
    category[1].first.tags | first | escape }}</a> ({{ category[1].size }})</li>
{% endfor %}
</ul>
<h2>最新文章</h2>
<ul class="posts">
{% for post in site.posts limit: 50 %}
  <li><span class="meta">{{ post.date | date: "%Y-%m-%d %H:%M" }}</span>
    <a href="{{ post.url | relative_url | escape }}">{{ post.title | escape }}</a></li>
{% endfor %}
</ul>
<p><a href="{{ '/archive.html' | relative_url }}">全部 {{ site.posts.size }} 篇文章，按月</a></p>
"""


PUBLIC_LISTING = "http://finews.zning.xyz/NewsData/GetNewsList.do?page=1&size=50"

# The legacy archive's deployment: every 5 minutes fetch, commit what changed,
# push; GitHub Pages builds the blog. The discovery state is committed too, so
# each run knows what the last one read.
WORKFLOW = """\
name: archive
on:
  schedule:
    - cron: "*/5 * * * *"
  workflow_dispatch:
permissions:
  contents: write
concurrency:
  group: archive
  cancel-in-progress: false
jobs:
  archive:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    env:
      # Where newsarchiver is installed from (a pip requirement): this repository's
      # own copy, a tag of it, or a path.
      NEWSARCHIVER: "{requirement}"
      LISTING: "{listing}"
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install newsarchiver in a venv
        run: |
          python -m venv "$RUNNER_TEMP/venv"
          "$RUNNER_TEMP/venv/bin/pip" install --quiet "$NEWSARCHIVER"
      - name: Discover and archive what is new
        id: discover
        run: |
          status=0
          "$RUNNER_TEMP/venv/bin/newsarchiver" discover --quiet --output . "$LISTING" || status=$?
          echo "status=$status" >> "$GITHUB_OUTPUT"
          # 1: some articles failed (the others are archived, later runs retry them).
          if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then exit "$status"; fi
      - name: Commit and push only when something changed
        run: |
          # git refuses a path that does not exist (old_post/ before any rotation).
          for path in _posts category old_post .newsarchiver-state; do
            if [ -e "$path" ]; then git add -A -- "$path"; fi
          done
          if git diff --cached --quiet; then
            echo "nothing new"
            exit 0
          fi
          git config user.name "newsarchiver"
          git config user.email "newsarchiver@users.noreply.github.com"
          git commit --quiet -m "archive: $(date -u +%Y-%m-%dT%H:%MZ)"
          git push
"""


# What a build and a run leave in the folder that is no part of the blog's sources.
GITIGNORE = """\
_site/
.jekyll-cache/
.newsarchiver.lock
.newsarchiver-tmp/
"""


def site_files(title: str, url: str = "") -> dict[str, str]:
    return {
        ".gitignore": GITIGNORE,
        "_config.yml": CONFIG.format(title=yaml_scalar(title), url=yaml_scalar(url) or '""'),
        "_layouts/default.html": DEFAULT,
        "_layouts/post.html": POST,
        "_layouts/category.html": CATEGORY,
        "index.html": INDEX,
        "archive.html": ARCHIVE,
    }


def init_site(
    folder: Path,
    title: str = "财经新闻存档",
    workflow: dict[str, str] | None = None,
    url: str = "",
) -> tuple[list[str], list[str]]:
    """Write the site's files into ``folder``; existing files are kept as they are.

    ``workflow`` (``requirement`` and ``listing``) adds the GitHub Actions
    workflow that archives and pushes every 5 minutes. Returns the paths
    written and the paths left alone.
    """
    written, kept = [], []
    files = site_files(title, url)
    if workflow is not None:
        files[".github/workflows/archive.yml"] = WORKFLOW.format(**workflow)
    for relative, text in files.items():
        path = folder / relative
        if path.exists():
            kept.append(relative)
            continue
        if "/" not in relative and (other := _same_page(folder, relative)):
            kept.append(f"{other} (builds to {relative}: a second one would collide)")
            continue
        atomic_write(path, text.encode("utf-8"))
        written.append(relative)
    for sub in (layout.POSTS, layout.CATEGORIES):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return written, kept


def _same_page(folder: Path, name: str) -> str | None:
    """A page the site already has that Jekyll builds to ``name`` (``index.md`` for
    ``index.html``), if any."""
    stem = name.rsplit(".", 1)[0]
    for suffix in layout.PAGE_SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return f"{stem}{suffix}"
    return None


def configured_site(folder: Path) -> str | None:
    """The footer links' base a blog's ``_config.yml`` sets (``newsarchiver: site:``), if any.

    Only blogs made by init-site (or set up so by hand) have it: a legacy
    archive's posts keep the default base, byte for byte.
    """
    import yaml

    try:
        config = yaml.safe_load((folder / "_config.yml").read_text("utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    section = config.get("newsarchiver") if isinstance(config, dict) else None
    site = section.get("site") if isinstance(section, dict) else None
    return site if isinstance(site, str) else None
