"""``newsarchiver init-site``: a minimal Jekyll site to archive into."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsarchiver.commands import Command as BaseCommand
from newsarchiver.runner import EXIT_OK


def build_command(folder: Path) -> str:
    """The one command that builds the blog in ``folder`` into ``folder/_site``."""
    return f"jekyll build -s {folder} -d {folder / '_site'}"


class Command(BaseCommand):
    name = "init-site"
    help = "write a minimal Jekyll site to archive into"
    description = (
        "Write _config.yml, layouts (default, post, category), an index and a monthly "
        "archive into DIR; files already there are kept. The blog has an Atom feed "
        "(jekyll-feed), SEO tags (jekyll-seo-tag) and links to itself."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        from newsarchiver.jekyll_site import PUBLIC_LISTING

        parser.add_argument("folder", metavar="DIR", help="the site folder (created if missing)")
        parser.add_argument("--title", default="财经新闻存档", help="the site's title")
        parser.add_argument(
            "--github-actions",
            action="store_true",
            help="also write .github/workflows/archive.yml: every 5 minutes discover, "
            "commit what changed and push (GitHub Pages builds the blog)",
        )
        parser.add_argument(
            "--listing",
            default=PUBLIC_LISTING,
            metavar="URL",
            help="the listing the workflow discovers (default: the public finews listing)",
        )
        parser.add_argument(
            "--requirement",
            default="git+https://github.com/OWNER/newsarchiver",
            metavar="SPEC",
            help="what the workflow pip-installs newsarchiver from (default: a placeholder "
            "to edit: git+https://github.com/OWNER/newsarchiver)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.jekyll_site import init_site

        folder = Path(args.folder)
        workflow = (
            {"requirement": args.requirement, "listing": args.listing}
            if args.github_actions
            else None
        )
        written, kept = init_site(folder, args.title, workflow)
        for name in written:
            print(f"  wrote {folder / name}", file=sys.stderr)
        for name in kept:
            why = "" if name.endswith(")") else " (already there)"
            print(f"  kept  {folder / name}{why}", file=sys.stderr)
        if folder.is_dir():
            from newsarchiver.archive.survey import other_writers

            for writer in other_writers(folder):
                print(
                    f"  warning: {folder / writer['file']}: {writer['does']} (it will fight "
                    "newsarchiver's posts and category pages)",
                    file=sys.stderr,
                )
        print(
            f"Jekyll site in {folder}. Archive into it with: newsarchiver crawl --output "
            f"{folder} URL...; then build it with: {build_command(folder)}"
        )
        return EXIT_OK
