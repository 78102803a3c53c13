"""``newsarchiver rebuild``: render every article kept in web archives again, with no network."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsarchiver.commands import SpiderCommand


class Command(SpiderCommand):
    name = "rebuild"
    help = "write the posts again from WACZ files made with --wacz (no network)"
    description = (
        "Render every article kept in the web archives (WACZ files written by crawl, "
        "discover or worker with --wacz) again, from the archived responses alone: "
        "nothing is fetched. Posts that changed are rewritten (a renderer fix reaches "
        "old posts); the report and exit code are those of crawl."
    )
    records = False

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--from", dest="sources", action="append", required=True, metavar="FILE",
            help="a WACZ file, or a folder of them (repeatable; a later one wins for a URL "
            "both hold)",
        )  # fmt: skip
        parser.add_argument(
            "--verify", action="store_true",
            help="check each file's datapackage.json hashes and every WARC record's digests "
            "first; a file that does not match fails the run, named, and a record that "
            "does not match is not used",
        )  # fmt: skip
        super().add_options(parser)

    def wacz_files(self, args: argparse.Namespace) -> list[Path]:
        files: list[Path] = []
        for source in args.sources:
            path = Path(source)
            files.extend(sorted(path.glob("*.wacz")) if path.is_dir() else [path])
        return files

    def check(self, args: argparse.Namespace) -> str | None:
        from newsarchiver.webarchive import archived_articles, recover_killed_growth

        files = self.wacz_files(args)
        for path in files:
            if not path.is_file():
                return f"no such web archive: {path}"
        if not files:
            return f"no WACZ files in {', '.join(args.sources)}"
        for path in files:
            recover_killed_growth(path)  # a run killed while growing it: the old file back
        bad: list = []
        self.articles = archived_articles(files, bad)
        if not self.articles:
            if bad and len(bad) == len(files):
                return "; ".join(f"cannot read the web archive {p}: {why}" for p, why in bad)
            return f"no newsarchiver articles in {', '.join(args.sources)}"
        # The files that cannot be read fail the run, each named (ReplayMiddleware).
        self.files = files
        return None

    def option_settings(self, args: argparse.Namespace) -> dict:
        return {
            **super().option_settings(args),
            "NEWSARCHIVER_REPLAY": [str(p.resolve()) for p in self.files],
            # Every archived article is rendered again; compare-before-write keeps
            # the unchanged ones as they are.
            "NEWSARCHIVER_REFRESH": True,
            "RETRY_ENABLED": False,  # an archived answer is the same the second time
            "NEWSARCHIVER_REPLAY_VERIFY": args.verify,
        }

    def spider(self):
        from newsarchiver.spiders.share import ShareSpider

        return ShareSpider

    def spider_kwargs(self, args: argparse.Namespace) -> dict:
        return {"urls": list(self.articles)}
