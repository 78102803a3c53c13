"""``newsarchiver``: the command line. Each command lives in ``newsarchiver/commands/``."""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys

from newsarchiver import __version__, console
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
            command.name, help=command.help, description=command.description,
            epilog=command.exit_help, formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        command.add_options(sub)
        sub.set_defaults(run=command.run, parser=sub)
    return parser


def misspelled_option(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """Why an option of ``argv`` is no option of its command, with the one it looks like:
    ``-output`` (one dash: argparse would read ``-o utput``) or ``--ouput``."""
    import difflib

    names = [a for a in argv if not a.startswith("-")]
    sub = parser._subparsers._group_actions[0].choices.get(names[0]) if names else None  # noqa: SLF001
    if sub is None:
        return None
    options = [o for o in sub._option_string_actions if o.startswith("--")]  # noqa: SLF001
    for token in argv[argv.index(names[0]) + 1 :]:
        if token == "--":
            break
        name = token.split("=", 1)[0]
        if name.startswith("--"):
            if name in options or any(o.startswith(name) for o in options):
                continue  # an option, or an abbreviation argparse takes
            close = difflib.get_close_matches(name, options, n=1, cutoff=0.8)
            if close:
                return f"unknown option {name}: did you mean {close[0]}?"
        elif len(name) > 2 and name[0] == "-" and name[1].isalpha() and f"-{name}" in options:
            return f"{name} has one dash: did you mean -{name}?"
    return None


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        given = sys.argv[1:] if argv is None else argv
        if why := misspelled_option(parser, given):
            names = [a for a in given if not a.startswith("-")]
            parser._subparsers._group_actions[0].choices[names[0]].error(why)  # noqa: SLF001
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # the command's own usage, not the top level's
            args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        return args.run(args)
    except KeyboardInterrupt:
        # Ctrl-C before the crawl took over its signals (or in a maintenance command).
        console.say("interrupted; run the same command to continue")
        return Exit.INTERRUPTED
    except OSError as exc:
        # A file system that refuses (full, read-only, a file where a folder goes...).
        where = f" {exc.filename}" if exc.filename else ""
        console.say(f"cannot write{where}: {exc.strerror or exc}")
        return Exit.INTERNAL


def entry() -> None:
    """The program: ``main``'s code as the process's exit status."""
    code = main()
    if code == Exit.INTERRUPTED:
        # A Ctrl-C that lands in code Python runs through exec (a dataclass built
        # while a module imports) leaves the interpreter marked as ended by an
        # unhandled KeyboardInterrupt even once it was caught, and Python then
        # kills itself with SIGINT (status -2) instead of the documented 130.
        # So an interrupted run ends here, after the clean-up a normal exit does.
        atexit._run_exitfuncs()  # noqa: SLF001
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
