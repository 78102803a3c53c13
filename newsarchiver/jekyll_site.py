"""``newsarchiver init-site``: a minimal Jekyll site the archive builds into."""

from __future__ import annotations

from pathlib import Path

from newsarchiver import storage
from newsarchiver.post_format import yaml_scalar

CONFIG = """\
title: {title}
description: finews articles, archived by newsarchiver
timezone: Asia/Shanghai
markdown: kramdown
# Rotated posts stay out of the build: rotation exists to keep builds fast.
exclude:
  - old_post
  - .newsarchiver-tmp
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
  <title>{% if page.title %}{{ page.title | escape }} - {% endif %}{{ site.title | escape }}</title>
  <style>
    body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; font-family: sans-serif;
           line-height: 1.7; color: #222; }
    a { color: #1a5fb4; } img { max-width: 100%; height: auto; }
    table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; }
    .meta { color: #666; font-size: .9rem; } ul.posts { padding-left: 1.2rem; }
  </style>
</head>
<body>
  <header><a href="{{ '/' | relative_url }}">{{ site.title | escape }}</a></header>
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
"""


def site_files(title: str) -> dict[str, str]:
    return {
        "_config.yml": CONFIG.format(title=yaml_scalar(title)),
        "_layouts/default.html": DEFAULT,
        "_layouts/post.html": POST,
        "_layouts/category.html": CATEGORY,
        "index.html": INDEX,
    }


def init_site(folder: Path, title: str = "财经新闻存档") -> tuple[list[str], list[str]]:
    """Write the site's files into ``folder``; existing files are kept as they are.

    Returns the paths written and the paths left alone.
    """
    written, kept = [], []
    for relative, text in site_files(title).items():
        path = folder / relative
        if path.exists():
            kept.append(relative)
            continue
        storage.atomic_write(path, text.encode("utf-8"))
        written.append(relative)
    for sub in (storage.POSTS, storage.CATEGORIES):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return written, kept
