"""``newsarchiver demo``: archive the bundled sample site's articles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsarchiver.commands import Command as BaseCommand
from newsarchiver.commands import add_output_option
from newsarchiver.commands.crawl import Command as Crawl


class Command(BaseCommand):
    name = "demo"
    help = "archive the bundled sample site's articles"
    description = "Start the bundled sample site on 127.0.0.1 and archive all its articles."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_output_option(parser)

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.sample_site import SampleSite

        crawl = Crawl()
        parser = argparse.ArgumentParser()
        crawl.add_options(parser)
        with SampleSite() as site:
            print(
                f"Sample site on {site.base_url}: archiving {len(site.articles)} articles",
                file=sys.stderr,
            )
            crawl_args = parser.parse_args([*site.share_urls(), "-o", args.output, "--refresh"])
            code = crawl.run(crawl_args)
        print(f"Posts are in {Path(args.output).resolve() / '_posts'}")
        return code
