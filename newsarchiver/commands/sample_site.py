"""``newsarchiver sample-site``: serve the bundled sample site."""

from __future__ import annotations

import argparse

from newsarchiver.commands import Command as BaseCommand
from newsarchiver.runner import EXIT_OK


class Command(BaseCommand):
    name = "sample-site"
    help = "serve the bundled sample site on 127.0.0.1"
    description = "Serve the bundled finews-compatible sample site until Ctrl-C."

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8800, help="port to listen on (default: 8800)"
        )

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.sample_site import serve

        serve(port=args.port)
        return EXIT_OK
