"""``newsarchiver categories``: rebuild every category page from the posts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from newsarchiver.commands import FolderCommand

if TYPE_CHECKING:
    from newsarchiver.archive import Archive


class Command(FolderCommand):
    name = "categories"
    help = "rebuild every category page from _posts/ and old_post/"
    description = "Write the page of every category found in DIR/_posts and DIR/old_post."
    quiet_help = "print only unreadable posts"

    def work(self, archive: Archive, args: argparse.Namespace) -> int:
        result = archive.rebuild_categories()
        output = archive.output
        summary = (
            f"{len(result.written)} category pages written, {len(result.unchanged)} unchanged, "
            f"{len(result.errors)} posts unreadable (in {output / 'category'})"
        )
        failed = [f"FAILED {path}: {reason}" for path, reason in result.errors]
        return self.outcome(args, summary, failed, notes=[])
