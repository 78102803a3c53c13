"""Every NEWSARCHIVER_* setting, declared once: name, default, meaning, fixed choices.

``settings.py`` takes the defaults from here, ``runner.settings.malformed_setting`` the
choices, and the README's Settings table is these rows (``python3 -m
newsarchiver.setting_table`` prints them; ``tests/test_cli_messages.py`` checks
the README against them). Scrapy's own settings stay in ``settings.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    meaning: str  # the README's words
    choices: tuple[str, ...] = ()


TABLE = (
    Setting(
        "NEWSARCHIVER_CONCURRENCY",
        0,
        "when above 0, sets both limits below (`--concurrency`)",
    ),
    Setting(
        "NEWSARCHIVER_RETRY_BACKOFF",
        0.5,
        "seconds before the first retry, doubled for each next one",
    ),
    Setting(
        "NEWSARCHIVER_RETRY_BACKOFF_MAX",
        30.0,
        "the longest wait before a retry",
    ),
    Setting(
        "NEWSARCHIVER_FOLLOW_OFFSITE_REDIRECTS",
        False,
        "a redirect to another scheme or host fails the URL unless this is on",
    ),
    Setting(
        "NEWSARCHIVER_OUTPUT",
        "output",
        "the archive folder",
    ),
    Setting(
        "NEWSARCHIVER_SHARE_BASE",
        "http://finews.zning.xyz",
        "base of the share link in each post",
    ),
    Setting(
        "NEWSARCHIVER_SITE",
        "//finews.withounder.com",
        "base of the blog's links (unless given, a blog's `_config.yml` `newsarchiver: site:` sets it; see init-site)",
    ),
    Setting(
        "NEWSARCHIVER_MAX_PAGES",
        20,
        "listing pages `discover` reads at most in one run (a budget: the next run goes on)",
    ),
    Setting(
        "NEWSARCHIVER_FULL_EVERY",
        0,
        "`discover` reads each listing whole again every N runs, to catch articles inserted below the top (0: never)",
    ),
    Setting(
        "NEWSARCHIVER_GIVE_UP_AFTER",
        10,
        "runs in which an article `discover` listed may fail before it is given up; with `--images`, runs in which an article's images may fail to be kept before later runs stop fetching it again for them",
    ),
    Setting(
        "NEWSARCHIVER_SOURCE_BASE",
        "",
        "host `discover` fetches listed articles from (empty: the listing's own)",
    ),
    Setting(
        "NEWSARCHIVER_BODY_FORMAT",
        "html",
        "`html` or `markdown`",
        choices=("html", "markdown"),
    ),
    Setting(
        "NEWSARCHIVER_REFRESH",
        False,
        "refetch articles already archived",
    ),
    Setting(
        "NEWSARCHIVER_REFRESH_FOREIGN",
        False,
        "with a refresh, also replace posts newsarchiver did not write (`--refresh-foreign`)",
    ),
    Setting(
        "NEWSARCHIVER_ROTATE_KEEP",
        ("2021-12-01-init.md",),
        "posts `rotate` never moves (file names or shell patterns; `--keep` adds more): the legacy archive's pinned post",
    ),
    Setting(
        "NEWSARCHIVER_REPORT",
        "",
        "path of the JSON report",
    ),
    Setting(
        "NEWSARCHIVER_PROGRESS_INTERVAL",
        10.0,
        "seconds between progress lines (0: none)",
    ),
    Setting(
        "NEWSARCHIVER_PROGRESS_BAR",
        True,
        "on a terminal, a redrawn bar instead of progress lines (`--quiet` turns it off)",
    ),
    Setting(
        "NEWSARCHIVER_QUIET",
        False,
        "`--quiet`: nothing on the terminal unless something failed or may be missing",
    ),
    Setting(
        "NEWSARCHIVER_VERBOSE",
        False,
        "`--verbose`: Scrapy's own lines on the terminal too",
    ),
    Setting(
        "NEWSARCHIVER_LOCK",
        True,
        "one run per output folder (`worker` turns it off: workers share theirs)",
    ),
    Setting(
        "NEWSARCHIVER_REDIS_OUTAGE",
        60.0,
        "seconds a `worker` waits for a lost Redis before it stops (exit 4)",
    ),
    Setting(
        "NEWSARCHIVER_LEASE",
        30.0,
        "seconds the URLs a `worker` took stay its own without a renewal (`--lease`): a worker killed hard gives them back this long after",
    ),
    Setting(
        "NEWSARCHIVER_IDLE_EXIT",
        30.0,
        "seconds a `worker` waits on an empty queue before it exits (`--idle-exit`)",
    ),
    Setting(
        "NEWSARCHIVER_MAX_BODY",
        500000,
        "an article body longer than this (characters) fails its URL",
    ),
    Setting(
        "NEWSARCHIVER_WACZ",
        "",
        "`--wacz`: the WACZ file (or a folder: a file per run) the responses that made posts go into",
    ),
    Setting(
        "NEWSARCHIVER_WACZ_GZIP_LEVEL",
        0,
        "gzip level of each WARC record: 0 stores them (what the benchmark's speed assumes), 1 to 9 make the WACZ about half as large for 0.1 to 0.2 ms of CPU an article",
    ),
    Setting(
        "NEWSARCHIVER_IMAGES",
        False,
        "`--images`: keep body images under `OUTPUT/assets/img`",
    ),
    Setting(
        "NEWSARCHIVER_IMAGE_MAX_SIZE",
        10485760,
        "bytes; a larger image is not kept (its post keeps the remote URL)",
    ),
    Setting(
        "NEWSARCHIVER_IMAGE_HOSTS",
        [],
        "hosts (`host` or `host:port`, comma-separated) `--images` may fetch from though they are private addresses; the article's own host always may",
    ),
    Setting(
        "NEWSARCHIVER_REPLAY",
        [],
        "the WACZ files `rebuild` answers every request from (set by `rebuild --from`)",
    ),
    Setting(
        "NEWSARCHIVER_REPLAY_VERIFY",
        False,
        "check every hash and record digest of those files first (`rebuild --verify`)",
    ),
    Setting(
        "NEWSARCHIVER_FSYNC",
        True,
        "flush each file to disk before its rename (survives a power cut). Posts are written on the crawl's own thread, so on a slow disk each flush holds the crawl for its length: `False` trades that safety for speed",
    ),
)
NAMES = {setting.name: setting for setting in TABLE}


def default(name: str):
    """The default of the setting ``name`` (for code outside a crawl: the pure core)."""
    return NAMES[name].default


def readme_default(value: object) -> str:
    """A default as the README's table writes it."""
    if value in ("", [], ()):
        return "empty"
    if isinstance(value, bool):
        return f"`{value}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if isinstance(value, (list, tuple)):
        return ", ".join(f"`{item}`" for item in value)
    return f"`{value}`"


def readme_rows() -> list[str]:
    return [f"| `{s.name}` | {readme_default(s.default)} | {s.meaning} |" for s in TABLE]


if __name__ == "__main__":
    print("\n".join(readme_rows()))
