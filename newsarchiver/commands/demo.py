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
    description = (
        "Start the bundled sample site on 127.0.0.1 and archive all its articles; with "
        "--blog DIR, into a Jekyll site made in DIR, and print the command that builds it."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_output_option(parser)
        parser.add_argument(
            "--blog",
            metavar="DIR",
            help="make a Jekyll site in DIR (as init-site) and archive into it (instead of -o)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver import settings
        from newsarchiver.commands.init_site import build_command
        from newsarchiver.exits import Exit
        from newsarchiver.jekyll_site import init_site
        from newsarchiver.sample_site import SampleSite

        if args.blog and args.output != settings.NEWSARCHIVER_OUTPUT:
            return self.error(
                "give --blog DIR or --output DIR, not both (--blog archives into DIR)", Exit.USAGE
            )
        output = args.blog or args.output
        if why := holds_a_blog(Path(output)):
            return self.error(
                f"{output} already holds {why}: the demo writes the sample site's articles "
                "only into a new folder (or one an earlier demo made); give another folder",
                Exit.USAGE,
            )
        if args.blog:
            init_site(Path(args.blog))
        crawl = Crawl()
        parser = argparse.ArgumentParser()
        crawl.add_options(parser)
        with SampleSite() as site:
            print(
                f"Sample site on {site.base_url}: archiving {len(site.articles)} articles",
                file=sys.stderr,
            )
            # --images: the sample site serves its articles' images, kept beside the posts.
            crawl_args = parser.parse_args(
                [*site.share_urls(), "-o", output, "--refresh", "--images"]
            )
            code = crawl.run(crawl_args)
        if code != Exit.OK:
            return code  # the crawl said what went wrong
        print(f"Posts are in {Path(output).resolve() / '_posts'}")
        if args.blog:
            print(f"Build the blog with: {build_command(Path(args.blog))}")
        return code


def holds_a_blog(folder: Path) -> str | None:
    """What in ``folder`` is someone's blog (posts the demo did not write, a Jekyll
    configuration not made by init-site), if anything is."""
    from newsarchiver.archive import Archive
    from newsarchiver.archive.files import read_bytes
    from newsarchiver.archive.maintenance import post_files

    if not folder.is_dir():
        return None
    written = Archive(folder).written
    for post in post_files(folder):
        if not written.owns(post.code or "", read_bytes(post.path)):
            return f"posts newsarchiver did not write ({post.folder}/{post.path.name})"
    config = folder / "_config.yml"
    if config.is_file() and b"newsarchiver" not in (read_bytes(config) or b""):
        return "a Jekyll site (its _config.yml was not made by newsarchiver)"
    return None
