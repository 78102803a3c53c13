"""``newsarchiver categories``: rebuild every category page from the posts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from newsarchiver.commands import FolderCommand
from newsarchiver.words import plural

if TYPE_CHECKING:
    from newsarchiver.archive import Archive


class Command(FolderCommand):
    name = "categories"
    ok_help = "every category page written or up to date"
    failed_help = "a post newsarchiver wrote cannot be read (each named)"
    help = "rebuild every category page from _posts/ and old_post/"
    description = "Write the page of every category found in DIR/_posts and DIR/old_post."
    quiet_help = "print only posts newsarchiver wrote and cannot read"

    def work(self, archive: Archive, args: argparse.Namespace) -> int:
        result = archive.rebuild_categories()
        output = archive.output
        summary = (
            f"{plural(len(result.written), 'category page')} written, "
            f"{len(result.unchanged)} unchanged"
            + (f", {len(result.left)} left as another writer made them" if result.left else "")
            + f" (in {output / 'category'})"
            + (f"; {plural(len(result.errors), 'post')} unreadable" if result.errors else "")
        )
        notes = [change.line() for change in result.written]
        if result.left:
            notes.append(
                f"LEFT {plural(len(result.left), 'category page')} of categories newsarchiver "
                f"has written no post for: {', '.join(result.left[:5])}"
                + (" ..." if len(result.left) > 5 else "")
            )
        if result.foreign:
            shown = "; ".join(f"{path} ({why})" for path, why in result.foreign[:5])
            more = f" and {len(result.foreign) - 5} more" if len(result.foreign) > 5 else ""
            notes.append(
                f"PASSED OVER {plural(len(result.foreign), 'file')} newsarchiver did not write "
                f"and cannot read as a post: {shown}{more} (newsarchiver check lists them)"
            )
        failed = [f"FAILED {output / path}: {reason}" for path, reason in result.errors]
        return self.outcome(args, summary, failed, notes=notes)
