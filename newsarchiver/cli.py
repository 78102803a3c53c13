"""``newsarchiver``: the command line. Each command lives in ``newsarchiver/commands/``."""

from __future__ import annotations

import argparse
import sys

from newsarchiver import __version__
from newsarchiver.commands import (
    categories,
    crawl,
    demo,
    discover,
    enqueue,
    init_site,
    rotate,
    sample_site,
    worker,
)

COMMANDS = [
    command.Command()
    for command in (
        crawl,
        discover,
        enqueue,
        worker,
        demo,
        categories,
        rotate,
        init_site,
        sample_site,
    )
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchiver",
        description="Archive finews share URLs as Jekyll posts in the finews archive's format.",
    )
    parser.add_argument("--version", action="version", version=f"newsarchiver {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name, help=command.help, description=command.description
        )
        command.add_options(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
