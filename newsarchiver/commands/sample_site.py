"""``newsarchiver sample-site``: serve the bundled sample site."""

from __future__ import annotations

import argparse

from newsarchiver.commands import Command as BaseCommand
from newsarchiver.commands import non_negative_int, positive_int
from newsarchiver.exits import Exit


class Command(BaseCommand):
    name = "sample-site"
    ok_help = "stopped with Ctrl-C"
    failed_help = None
    help = "serve the bundled sample site on 127.0.0.1"
    description = "Serve the bundled finews-compatible sample site until Ctrl-C."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8800, help="port to listen on (default: 8800)"
        )
        parser.add_argument(
            "--articles", type=positive_int, default=12, metavar="N",
            help="serve N articles: the 12 bundled ones, then generated ones the size of "
            "the golden article (default: 12); for trying resume, progress and Redis",
        )  # fmt: skip
        parser.add_argument(
            "--delay", type=non_negative_int, default=0, metavar="MS",
            help="answer every request after MS milliseconds (default: 0)",
        )  # fmt: skip
        parser.add_argument(
            "--urls-to", metavar="FILE",
            help="write every share URL to FILE, one a line (for crawl --input FILE)",
        )  # fmt: skip

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.sample_site import serve

        serve(port=args.port, articles=args.articles, delay=args.delay / 1000,
              urls_to=args.urls_to)  # fmt: skip
        return Exit.OK
