"""``newsarchiver rotate``: move older posts from _posts/ to old_post/."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from newsarchiver import settings
from newsarchiver.commands import FolderCommand, iso_date, positive_int
from newsarchiver.finews import BEIJING
from newsarchiver.words import plural

if TYPE_CHECKING:
    from newsarchiver.archive import Archive


class Command(FolderCommand):
    name = "rotate"
    ok_help = "every post moved or kept"
    failed_help = "a conflict found this run (a name in both folders, other bytes)"
    help = "move older posts from _posts/ to old_post/"
    description = (
        "Move posts dated before the last N days (today counts as one) from DIR/_posts to "
        "DIR/old_post. Nothing in old_post/ is ever overwritten."
    )
    quiet_help = "print only conflicts found this run"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--keep-days", type=positive_int, default=3, metavar="N",
            help="days of posts to keep in _posts/ (default: 3)",
        )  # fmt: skip
        parser.add_argument(
            "--now", type=iso_date, metavar="YYYY-MM-DD",
            help="the day to count from (default: today, Beijing time)",
        )  # fmt: skip
        parser.add_argument(
            "--keep", action="append", default=[], metavar="NAME",
            help="a post never to move (a file name or shell pattern, repeatable); "
            f"always kept: {', '.join(settings.NEWSARCHIVER_ROTATE_KEEP)}",
        )  # fmt: skip

    def work(self, archive: Archive, args: argparse.Namespace) -> int:
        from newsarchiver.archive.maintenance import old_posts_built

        output = archive.output
        today = args.now or datetime.now(BEIJING).date()
        keep = (*settings.NEWSARCHIVER_ROTATE_KEEP, *args.keep)
        result = archive.rotate(args.keep_days, today, keep)
        first_kept = today - timedelta(days=args.keep_days - 1)
        built = old_posts_built(output)
        if built is None:
            where = "; moved posts leave the blog's post lists (_config.yml unreadable)"
        elif built:
            where = (
                "; moved posts leave the blog's post lists and category pages, and Jekyll "
                "still builds each as a page under /old_post/ (_config.yml does not exclude "
                "old_post/)"
            )
        else:
            where = "; moved posts are no longer in the built blog (_config.yml excludes old_post/)"
        summary = (
            f"{plural(len(result.moved), 'post')} moved to {output / 'old_post'}, "
            f"{result.kept} kept in _posts/ (from {first_kept})"
            + (f", {len(result.pinned)} on the keep list" if result.pinned else "")
            + f", {plural(len(result.conflicts), 'new conflict')}"
            + (f" ({result.known_conflicts} known)" if result.known_conflicts else "")
            + (where if result.moved else "")
        )
        conflicts = [
            f"CONFLICT {name}: a different file of that name is already in old_post/; "
            "both kept (reported once: later runs leave it quietly)"
            for name in result.conflicts
        ]
        moved = [f"MOVED {name}" for name in result.moved]
        skipped = [f"SKIPPED {name}: {why}" for name, why in result.skipped]
        return self.outcome(args, summary, conflicts, notes=[*moved, *skipped])
