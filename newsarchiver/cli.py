"""``newsarchiver``: the command line. Each command lives in ``newsarchiver/commands/``."""

from __future__ import annotations

import argparse
import sys

from newsarchiver import __version__
from newsarchiver.exits import Exit

COMMAND_MODULES = (
    "crawl", "discover", "enqueue", "worker", "rebuild", "demo", "categories", "rotate", "check",
    "init_site",
    "sample_site",
)  # fmt: skip


def commands() -> list:
    # Imported here, not at the top: a Ctrl-C while Python loads them is caught by main().
    from importlib import import_module

    return [import_module(f"newsarchiver.commands.{name}").Command() for name in COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchiver",
        description="Archive finews share URLs as Jekyll posts in the finews archive's format.",
    )
    parser.add_argument("--version", action="version", version=f"newsarchiver {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands():
        sub = subparsers.add_parser(
            command.name, help=command.help, description=command.description
        )
        command.add_options(sub)
        sub.set_defaults(run=command.run, parser=sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # the command's own usage, not the top level's
            args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        return args.run(args)
    except KeyboardInterrupt:
        # Ctrl-C before the crawl took over its signals (or in a maintenance command).
        print("newsarchiver: interrupted; run the same command to continue", file=sys.stderr)
        return Exit.INTERRUPTED
    except OSError as exc:
        # A file system that refuses (full, read-only, a file where a folder goes...).
        where = f" {exc.filename}" if exc.filename else ""
        print(f"newsarchiver: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return Exit.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
