"""``newsarchiver crawl``: archive the articles behind share URLs."""

from __future__ import annotations

import argparse

from newsarchiver.commands import SpiderCommand, add_url_inputs, url_input_error


class Command(SpiderCommand):
    name = "crawl"
    help = "archive the articles behind share URLs"
    description = (
        "Archive the articles behind finews share URLs "
        "({base}/html_News/NewsShare.html?infoCode={code})."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_url_inputs(parser, "share URLs to archive")
        super().add_options(parser)

    def check(self, args: argparse.Namespace) -> str | None:
        return url_input_error(args)

    def spider(self):
        from newsarchiver.spiders.share import ShareSpider

        return ShareSpider

    def spider_kwargs(self, args: argparse.Namespace) -> dict:
        return {"urls": args.urls, "input": args.input}
