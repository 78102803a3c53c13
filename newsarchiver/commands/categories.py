"""``newsarchiver categories``: rebuild every category page from the posts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsarchiver.commands import FolderCommand
from newsarchiver.runner import EXIT_FAILED, EXIT_OK


class Command(FolderCommand):
    name = "categories"
    help = "rebuild every category page from _posts/ and old_post/"
    description = "Write the page of every category found in DIR/_posts and DIR/old_post."
    quiet_help = "print only unreadable posts"

    def work(self, output: Path, args: argparse.Namespace) -> int:
        from newsarchiver.maintenance import rebuild_categories

        result = rebuild_categories(output)
        if not args.quiet or result.errors:
            print(
                f"newsarchiver: {len(result.written)} category pages written, "
                f"{len(result.unchanged)} unchanged, {len(result.errors)} posts unreadable "
                f"(in {output / 'category'})",
                file=sys.stderr,
            )
        for path, reason in result.errors:
            print(f"  FAILED {path}: {reason}", file=sys.stderr)
        return EXIT_FAILED if result.errors else EXIT_OK
