"""``newsarchiver init-site``: a minimal Jekyll site to archive into."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsarchiver import console
from newsarchiver.commands import Command as BaseCommand
from newsarchiver.exits import Exit


def build_command(folder: Path) -> str:
    """The one command that builds the blog in ``folder`` into ``folder/_site``."""
    return f"jekyll build -s {folder} -d {folder / '_site'}"


DEFAULT_REQUIREMENT = "git+https://github.com/OWNER/newsarchiver"


class Command(BaseCommand):
    name = "init-site"
    ok_help = "the site's files written or kept"
    failed_help = None
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
            "--url", default="", metavar="URL",
            help="the blog's public address (https://blog.example.com): the feed's links are "
            "absolute with it (default: none, relative links)",
        )  # fmt: skip
        parser.add_argument(
            "--github-actions",
            action="store_true",
            help="also write .github/workflows/archive.yml: every 5 minutes discover, "
            "commit what changed and push (GitHub Pages builds the blog)",
        )
        parser.add_argument(
            "--listing",
            metavar="URL",
            help="with --github-actions: the listing the workflow discovers (default: the "
            f"public finews listing, {PUBLIC_LISTING})",
        )
        parser.add_argument(
            "--requirement",
            metavar="SPEC",
            help="with --github-actions: what the workflow pip-installs newsarchiver from "
            "(default: a placeholder "
            "to edit: git+https://github.com/OWNER/newsarchiver)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.archive.lock import RunLock, UnusableLock
        from newsarchiver.jekyll_site import PUBLIC_LISTING, init_site

        folder = Path(args.folder)
        if not args.github_actions and (args.listing or args.requirement):
            given = "--listing" if args.listing else "--requirement"
            return self.error(f"{given} is the workflow's: add --github-actions", Exit.USAGE)
        workflow = (
            {
                "requirement": args.requirement or DEFAULT_REQUIREMENT,
                "listing": args.listing or PUBLIC_LISTING,
            }
            if args.github_actions
            else None
        )
        lock = RunLock(folder)
        try:
            if not lock.acquire():
                return self.error(f"another run is writing to {folder}; exiting", Exit.LOCKED)
        except (UnusableLock, OSError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            return self.error(f"cannot write to {folder}: {why}", Exit.INTERNAL)
        try:
            written, kept = init_site(folder, args.title, workflow, args.url.rstrip("/"))
        except OSError as exc:
            # The folder (or a file in it) named, not the temporary file the write went to.
            return self.error(f"cannot write to {folder}: {exc.strerror or exc}", Exit.INTERNAL)
        finally:
            lock.release()
        for name in written:
            console.detail(f"wrote {folder / name}")
        for name in kept:
            why = "" if name.endswith(")") else " (already there)"
            console.detail(f"kept  {folder / name}{why}")
        if folder.is_dir():
            from newsarchiver.archive.survey import other_writers

            for writer in other_writers(folder):
                console.detail(
                    f"warning: {folder / writer['file']}: {writer['does']} (it will fight "
                    "newsarchiver's posts and category pages)"
                )
        print(
            f"Jekyll site in {folder}. Archive into it with: newsarchiver crawl --output "
            f"{folder} URL...; then build it with: {build_command(folder)}"
        )
        return Exit.OK
