"""``newsarchiver check``: what newsarchiver makes of an archive folder, changing nothing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newsarchiver.commands import Command as BaseCommand
from newsarchiver.commands import add_output_option
from newsarchiver.words import plural


class Command(BaseCommand):
    name = "check"
    ok_help = "nothing needs the owner"
    failed_help = "something needs the owner (the lines under Needs the owner)"
    help = "say what newsarchiver makes of an archive folder (read-only)"
    description = (
        "Read DIR as newsarchiver would and change nothing: the posts it can read (by "
        "format) and those it cannot, codes in both _posts/ and old_post/, category pages "
        "that differ from what it writes, whether _config.yml builds old_post/, index.* "
        "files that collide, and scripts or workflows that still write into DIR. Exit 0 "
        "when nothing needs the owner, 1 when something does."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_output_option(parser)
        parser.add_argument(
            "--json", action="store_true", help="print the findings as one JSON object"
        )

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.archive.lock import RunLock, UnusableLock
        from newsarchiver.archive.survey import survey
        from newsarchiver.exits import Exit

        output = Path(args.output).resolve()
        if not output.is_dir():
            return self.error(f"no archive folder {output}", Exit.INTERNAL)
        lock = RunLock(output)
        try:
            if not lock.acquire_shared():
                return self.error(f"another run is writing to {output}; try again", Exit.LOCKED)
        except (UnusableLock, OSError) as exc:
            return self.error(f"cannot lock {output}: {exc}", Exit.INTERNAL)
        try:
            found = survey(output)
        except OSError as exc:
            return self.error(f"cannot read {output}: {exc}", Exit.INTERNAL)
        finally:
            lock.release()
        needs = found.needs_owner()
        if args.json:
            json.dump(found.as_json(), sys.stdout, ensure_ascii=False, indent=2)
            print()
        else:
            print_survey(output, found, needs)
        return Exit.FAILED if needs else Exit.OK


def print_survey(output: Path, found, needs: list[str]) -> None:
    from newsarchiver.archive.survey import FORMATS

    out = sys.stdout
    print(f"{output}:", file=out)
    for folder, counts in found.posts.items():
        if counts:
            parts = ", ".join(f"{n} {FORMATS[name].split(' (')[0]}" for name, n in counts.items())
            print(f"  {folder}/: {plural(sum(counts.values()), 'post')} ({parts})", file=out)
    print(f"  written by newsarchiver (it may replace them): {found.own}", file=out)
    if found.old_post_built is None:
        print("  old_post/: _config.yml cannot be read", file=out)
    else:
        built = "built as pages" if found.old_post_built else "not built (excluded)"
        print(f"  old_post/: {built}", file=out)
    same = [d for d in found.both_folders if d["same_bytes"]]
    if same:
        print(
            f"  {plural(len(same), 'code')} in both _posts/ and old_post/ with the same bytes "
            "(rotate removes the _posts/ copy)",
            file=out,
        )
    for page in found.categories:
        if page["state"] in ("missing", "no posts"):
            print(f"  {page['line']}", file=out)
    if needs:
        print(f"Needs the owner ({len(needs)}):", file=out)
        for line in needs:
            print(f"  {line}", file=out)
    else:
        print("Nothing needs the owner.", file=out)
