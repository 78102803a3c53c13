"""``newsarchiver categories``: rebuild every category page from the posts."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsarchiver.commands import FolderCommand


class Command(FolderCommand):
    name = "categories"
    help = "rebuild every category page from _posts/ and old_post/"
    description = "Write the page of every category found in DIR/_posts and DIR/old_post."
    quiet_help = "print only unreadable posts"

    def work(self, output: Path, args: argparse.Namespace) -> int:
        from newsarchiver.maintenance import rebuild_categories

        result = rebuild_categories(output)
        summary = (
            f"{len(result.written)} category pages written, {len(result.unchanged)} unchanged, "
            f"{len(result.errors)} posts unreadable (in {output / 'category'})"
        )
        failed = [f"FAILED {path}: {reason}" for path, reason in result.errors]
        return self.outcome(args, summary, failed, notes=[])
