"""``newsarchiver``: the command line. It runs Scrapy in-process with the project settings."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from newsarchiver import __version__
from newsarchiver.runner import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    locked,
    run_spider,
)


def add_output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        "-o",
        default="output",
        metavar="DIR",
        help="the archive folder (default: ./output)",
    )


def add_url_inputs(parser: argparse.ArgumentParser, help: str) -> None:  # noqa: A002
    """Share URLs as arguments and/or from --input (checked by url_input_error)."""
    parser.add_argument("urls", nargs="*", metavar="SHARE_URL", help=help)
    parser.add_argument(
        "--input",
        "-i",
        metavar="FILE",
        help="read share URLs from FILE, one a line ('-': standard input; "
        "blank lines and lines starting with # are skipped)",
    )


def add_redis_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        required=True,
        metavar="URL",
        help="the Redis server, e.g. redis://127.0.0.1:6379/0",
    )


def add_crawl_options(parser: argparse.ArgumentParser, resumable: bool = True) -> None:
    # No defaults here: an option the user did not give leaves the setting (from
    # settings.py or -s) as it is, as in Scrapy's own process_options.
    parser.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="the archive folder; posts go to DIR/_posts (default: ./output)",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write a JSON report {new, updated, unchanged, failed} to FILE",
    )
    parser.add_argument(
        "--share-base",
        metavar="URL",
        help="base of the share link written in each post (default: http://finews.zning.xyz)",
    )
    parser.add_argument(
        "--site",
        metavar="URL",
        help="base of the blog's own links (default: //finews.withounder.com)",
    )
    parser.add_argument(
        "--body-format",
        choices=("html", "markdown"),
        help="write the body as served (html, the default) or converted to Markdown",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="fetch articles already in the archive again and rewrite those that changed",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="requests in flight at once (default: 16, at most 8 per host)",
    )
    if resumable:
        parser.add_argument(
            "--resume",
            metavar="DIR",
            help="keep the run's state in DIR (Scrapy JOBDIR); the same option resumes it",
        )
    parser.add_argument(
        "--set",
        "-s",
        action="append",
        default=[],
        type=_setting,
        metavar="NAME=VALUE",
        help="set any Scrapy or NEWSARCHIVER_* setting (repeatable)",
    )
    parser.add_argument("--log-file", metavar="FILE", help="write the log to FILE, not stderr")
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print nothing unless something failed (for cron)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="also show Scrapy's own log")


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchiver",
        description="Archive finews share URLs as Jekyll posts in the finews archive's format.",
    )
    parser.add_argument("--version", action="version", version=f"newsarchiver {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    crawl = commands.add_parser(
        "crawl",
        help="archive the articles behind share URLs",
        description="Archive the articles behind finews share URLs "
        "({base}/html_News/NewsShare.html?infoCode={code}).",
    )
    add_url_inputs(crawl, "share URLs to archive")
    add_crawl_options(crawl)

    discover = commands.add_parser(
        "discover",
        help="archive the new articles of listing endpoints (for cron)",
        description="Read listing JSON endpoints (entries under nodeList, record, records or "
        "data; code in infocode or infoCode) and archive each listed article from "
        "{source-base}/html_News/NewsShare.html?infoCode={code}. Articles already archived "
        "cost no request.",
    )
    discover.add_argument("listings", nargs="+", metavar="LISTING_URL", help="listing URLs")
    discover.add_argument(
        "--source-base",
        metavar="URL",
        help="host the listed articles are fetched from (default: the listing's own host)",
    )
    discover.add_argument(
        "--max-pages",
        type=_positive_int,
        metavar="N",
        help="pages of a paged listing (page= or {page} in its URL) to read at most "
        "(default: 20; setting NEWSARCHIVER_MAX_PAGES)",
    )
    add_crawl_options(discover)

    enqueue = commands.add_parser(
        "enqueue",
        help="push share URLs to Redis for workers",
        description="Push share URLs to the Redis list that `newsarchiver worker` processes "
        "read (scrapy-redis). With --output, URLs whose articles are already archived there "
        "are skipped.",
    )
    add_url_inputs(enqueue, "share URLs to push")
    add_redis_option(enqueue)
    enqueue.add_argument("--output", "-o", metavar="DIR", help="skip URLs already archived in DIR")

    worker = commands.add_parser(
        "worker",
        help="archive share URLs taken from Redis, beside other workers",
        description="Take share URLs from Redis (pushed by `newsarchiver enqueue`) and archive "
        "them exactly as crawl does. Workers share the scheduler queue and the dupefilter in "
        "Redis, so each article is fetched once; each exits once the queue has been empty "
        "for --idle-exit seconds.",
    )
    add_redis_option(worker)
    worker.add_argument(
        "--idle-exit",
        type=_positive_int,
        default=30,
        metavar="SECONDS",
        help="exit after the queue has been empty this long (default: 30)",
    )
    add_crawl_options(worker, resumable=False)

    demo = commands.add_parser(
        "demo",
        help="archive the bundled sample site's articles",
        description="Start the bundled sample site on 127.0.0.1 and archive all its articles.",
    )
    add_output_option(demo)

    categories = commands.add_parser(
        "categories",
        help="rebuild every category page from _posts/ and old_post/",
        description="Write the page of every category found in DIR/_posts and DIR/old_post.",
    )
    add_output_option(categories)

    rotate = commands.add_parser(
        "rotate",
        help="move older posts from _posts/ to old_post/",
        description="Move posts dated before the last N days (today counts as one) from "
        "DIR/_posts to DIR/old_post. Nothing in old_post/ is ever overwritten.",
    )
    add_output_option(rotate)
    rotate.add_argument(
        "--keep-days",
        type=_positive_int,
        default=3,
        metavar="N",
        help="days of posts to keep in _posts/ (default: 3)",
    )
    rotate.add_argument("--quiet", "-q", action="store_true", help="print only conflicts")
    rotate.add_argument(
        "--now",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the day to count from (default: today, Beijing time)",
    )

    categories.add_argument(
        "--quiet", "-q", action="store_true", help="print only unreadable posts"
    )

    init = commands.add_parser(
        "init-site",
        help="write a minimal Jekyll site to archive into",
        description="Write _config.yml, layouts (default, post, category) and an index "
        "into DIR; files already there are kept.",
    )
    init.add_argument("folder", metavar="DIR", help="the site folder (created if missing)")
    init.add_argument("--title", default="财经新闻存档", help="the site's title")

    site = commands.add_parser(
        "sample-site",
        help="serve the bundled sample site on 127.0.0.1",
        description="Serve the bundled finews-compatible sample site until Ctrl-C.",
    )
    site.add_argument("--port", type=int, default=8800, help="port to listen on (default: 8800)")
    return parser


def url_input_error(args: argparse.Namespace) -> str | None:
    """Why the share URLs given on the command line cannot be read, if they cannot."""
    if not args.urls and not args.input:
        return "give share URLs or --input FILE"
    if args.input and args.input != "-" and not Path(args.input).is_file():
        return f"no such input file: {args.input}"
    return None


def archive_folder_error(output: Path) -> str | None:
    if not output.is_dir():
        return f"no archive folder {output}"
    if not os.access(output, os.W_OK | os.X_OK):
        return f"archive folder {output} is not writable"
    return None


def cmd_crawl(args: argparse.Namespace) -> int:
    from newsarchiver.spiders.share import ShareSpider

    if error := url_input_error(args):
        print(f"newsarchiver crawl: {error}", file=sys.stderr)
        return EXIT_USAGE
    return run_spider(ShareSpider, {"urls": args.urls, "input": args.input}, args)


def cmd_discover(args: argparse.Namespace) -> int:
    from newsarchiver.spiders.discover import DiscoverSpider

    kwargs = {"listings": args.listings, "source_base": args.source_base or ""}
    return run_spider(DiscoverSpider, kwargs, args)


def cmd_enqueue(args: argparse.Namespace) -> int:
    from newsarchiver.queueing import enqueue
    from newsarchiver.spiders.share import url_source

    if error := url_input_error(args):
        print(f"newsarchiver enqueue: {error}", file=sys.stderr)
        return EXIT_USAGE
    output = Path(args.output).resolve() if args.output else None
    try:
        result = enqueue(args.redis_url, url_source(args.urls, args.input), output)
    except Exception as exc:  # redis errors carry the reason a person needs
        print(f"newsarchiver enqueue: cannot use Redis at {args.redis_url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"newsarchiver: {result.pushed} URLs queued, {result.archived} already archived, "
        f"{len(result.failed)} failed",
        file=sys.stderr,
    )
    for failure in result.failed:
        print(f"  FAILED {failure['url']}: {failure['reason']}", file=sys.stderr)
    return EXIT_FAILED if result.failed else EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    from newsarchiver.spiders.worker import WorkerSpider

    args.set.append(("MAX_IDLE_TIME_BEFORE_CLOSE", str(args.idle_exit)))
    return run_spider(WorkerSpider, {}, args)


def cmd_demo(args: argparse.Namespace) -> int:
    from newsarchiver.sample_site import SampleSite
    from newsarchiver.spiders.share import ShareSpider

    parser = build_parser()
    crawl_args = parser.parse_args(["crawl", "--output", args.output, "--refresh"])
    with SampleSite() as site:
        print(
            f"Sample site on {site.base_url}: archiving {len(site.articles)} articles",
            file=sys.stderr,
        )
        code = run_spider(ShareSpider, {"urls": site.share_urls()}, crawl_args)
    posts = Path(args.output).resolve() / "_posts"
    print(f"Posts are in {posts}")
    return code


def cmd_categories(args: argparse.Namespace) -> int:
    from newsarchiver.maintenance import rebuild_categories

    output = Path(args.output).resolve()
    if error := archive_folder_error(output):
        print(f"newsarchiver categories: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    lock = locked(output)
    if lock is None:
        return EXIT_LOCKED
    try:
        result = rebuild_categories(output)
    finally:
        lock.release()
    if not args.quiet or result.errors:
        print(
            f"newsarchiver: {len(result.written)} category pages written, "
            f"{len(result.unchanged)} unchanged, {len(result.errors)} posts unreadable "
            f"(in {output / 'category'})",
            file=sys.stderr,
        )
    for path, reason in result.errors:
        print(f"  FAILED {path}: {reason}", file=sys.stderr)
    return EXIT_FAILED if result.errors else EXIT_OK


def cmd_rotate(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta, timezone

    from newsarchiver.maintenance import rotate

    output = Path(args.output).resolve()
    today = args.now or datetime.now(timezone(timedelta(hours=8))).date()
    if error := archive_folder_error(output):
        print(f"newsarchiver rotate: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    lock = locked(output)
    if lock is None:
        return EXIT_LOCKED
    try:
        result = rotate(output, args.keep_days, today)
    finally:
        lock.release()
    if not args.quiet or result.conflicts:
        print(
            f"newsarchiver: {len(result.moved)} posts moved to {output / 'old_post'}, "
            f"{result.kept} kept in _posts/ (from {today - timedelta(days=args.keep_days - 1)})"
            f", {len(result.conflicts)} conflicts",
            file=sys.stderr,
        )
    for name, why in result.skipped:
        print(f"  SKIPPED {name}: {why}", file=sys.stderr)
    for name in result.conflicts:
        print(
            f"  CONFLICT {name}: a different file of that name is already in old_post/; "
            "left in _posts/",
            file=sys.stderr,
        )
    return EXIT_FAILED if result.conflicts else EXIT_OK


def cmd_init_site(args: argparse.Namespace) -> int:
    from newsarchiver.jekyll_site import init_site

    folder = Path(args.folder)
    written, kept = init_site(folder, args.title)
    for name in written:
        print(f"  wrote {folder / name}", file=sys.stderr)
    for name in kept:
        print(f"  kept  {folder / name} (already there)", file=sys.stderr)
    print(
        f"Jekyll site in {folder}. Archive into it with: newsarchiver crawl --output {folder} "
        f"URL...; then build it with: jekyll build -s {folder}"
    )
    return EXIT_OK


def cmd_sample_site(args: argparse.Namespace) -> int:
    from newsarchiver.sample_site import serve

    serve(port=args.port)
    return EXIT_OK


COMMANDS = {
    "crawl": cmd_crawl,
    "discover": cmd_discover,
    "enqueue": cmd_enqueue,
    "worker": cmd_worker,
    "demo": cmd_demo,
    "categories": cmd_categories,
    "rotate": cmd_rotate,
    "init-site": cmd_init_site,
    "sample-site": cmd_sample_site,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
