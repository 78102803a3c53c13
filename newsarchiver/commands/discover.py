"""``newsarchiver discover``: archive the new articles of listing endpoints."""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from newsarchiver.commands import SpiderCommand, positive_int
from newsarchiver.setting_table import default


class Command(SpiderCommand):
    name = "discover"
    help = "archive the new articles of listing endpoints (for cron)"
    description = (
        "Read listing JSON endpoints (entries under nodeList, record, records or data; code in "
        "infocode or infoCode) and archive each listed article from "
        "{source-base}/html_News/NewsShare.html?infoCode={code}. Articles already archived "
        "cost no request. A listing with page= or {page} in its URL is read page after page, "
        "and on from where earlier runs stopped, until what was read joins up with a complete "
        "catch-up (the discovery state in OUTPUT/.newsarchiver-state/). Articles that failed "
        "are asked for again by later runs."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("listings", nargs="+", metavar="LISTING_URL", help="listing URLs")
        parser.add_argument(
            "--source-base",
            metavar="URL",
            help="host the listed articles are fetched from (default: the listing's own host)",
        )
        parser.add_argument(
            "--max-pages",
            type=positive_int,
            metavar="N",
            help="listing pages to read at most in this run; the next run goes on from there "
            f"(default: {default('NEWSARCHIVER_MAX_PAGES')}; setting NEWSARCHIVER_MAX_PAGES)",
        )
        parser.add_argument(
            "--full-every",
            type=positive_int,
            metavar="N",
            help="read each listing whole again every N runs (within --max-pages a run), to "
            "catch articles inserted below the top (default: never; setting "
            "NEWSARCHIVER_FULL_EVERY)",
        )
        super().add_options(parser)

    def check(self, args: argparse.Namespace) -> str | None:
        from newsarchiver.extract import SHARE_PATH

        for url in args.listings:
            if urlsplit(url).path.endswith(SHARE_PATH):
                return (
                    f"{url} is a share URL, not a listing: archive it with newsarchiver crawl URL"
                )
        return None

    def option_settings(self, args: argparse.Namespace) -> dict:
        return {
            **super().option_settings(args),
            "NEWSARCHIVER_MAX_PAGES": args.max_pages,
            "NEWSARCHIVER_FULL_EVERY": args.full_every,
        }

    def spider(self):
        from newsarchiver.spiders.discover import DiscoverSpider

        return DiscoverSpider

    def spider_kwargs(self, args: argparse.Namespace) -> dict:
        return {"listings": args.listings, "source_base": args.source_base or ""}
