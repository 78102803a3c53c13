"""``newsarchiver init-site``: a minimal Jekyll site to archive into."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsarchiver.commands import Command as BaseCommand
from newsarchiver.runner import EXIT_OK


class Command(BaseCommand):
    name = "init-site"
    help = "write a minimal Jekyll site to archive into"
    description = (
        "Write _config.yml, layouts (default, post, category) and an index into DIR; "
        "files already there are kept."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("folder", metavar="DIR", help="the site folder (created if missing)")
        parser.add_argument("--title", default="财经新闻存档", help="the site's title")

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.jekyll_site import init_site

        folder = Path(args.folder)
        written, kept = init_site(folder, args.title)
        for name in written:
            print(f"  wrote {folder / name}", file=sys.stderr)
        for name in kept:
            print(f"  kept  {folder / name} (already there)", file=sys.stderr)
        print(
            f"Jekyll site in {folder}. Archive into it with: newsarchiver crawl --output "
            f"{folder} URL...; then build it with: jekyll build -s {folder}"
        )
        return EXIT_OK
