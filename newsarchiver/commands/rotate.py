"""``newsarchiver rotate``: move older posts from _posts/ to old_post/."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from newsarchiver.commands import FolderCommand, iso_date, positive_int

if TYPE_CHECKING:
    from newsarchiver.archive import Archive


class Command(FolderCommand):
    name = "rotate"
    help = "move older posts from _posts/ to old_post/"
    description = (
        "Move posts dated before the last N days (today counts as one) from DIR/_posts to "
        "DIR/old_post. Nothing in old_post/ is ever overwritten."
    )
    quiet_help = "print only conflicts and skipped files"

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

    def work(self, archive: Archive, args: argparse.Namespace) -> int:
        output = archive.output
        today = args.now or datetime.now(timezone(timedelta(hours=8))).date()
        result = archive.rotate(args.keep_days, today)
        first_kept = today - timedelta(days=args.keep_days - 1)
        summary = (
            f"{len(result.moved)} posts moved to {output / 'old_post'}, "
            f"{result.kept} kept in _posts/ (from {first_kept}), "
            f"{len(result.conflicts)} conflicts"
            + (
                "; moved posts are no longer in the built blog (old_post/ is not built)"
                if result.moved
                else ""
            )
        )
        conflicts = [
            f"CONFLICT {name}: a different file of that name is already in old_post/; "
            "left in _posts/"
            for name in result.conflicts
        ]
        skipped = [f"SKIPPED {name}: {why}" for name, why in result.skipped]
        return self.outcome(args, summary, conflicts, notes=skipped)
