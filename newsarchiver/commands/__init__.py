"""The command line's commands, one module each, in the manner of ``scrapy/commands/``.

A command is a :class:`Command`: its name and help, its options, and ``run``.
Commands that run a spider derive from :class:`SpiderCommand`, which defines
the crawl options once and turns the ones the user gave into settings (project
defaults < ``-s`` < options given, as Scrapy's ``process_options``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from newsarchiver import console
from newsarchiver.runner import run_spider

if TYPE_CHECKING:
    from newsarchiver.archive import Archive


EXIT_HELP = """\
exit codes:
  0    {ok}
  1    {failed}
  2    usage error
  3    another run is writing to the output folder
  4    the run cannot start or go on (a folder, a setting, Redis, a full disk)
  130  interrupted (Ctrl-C, SIGTERM); what was finished is kept"""


class Command:
    name = ""
    help = ""
    description = ""
    ok_help = "every article archived or already up to date"
    failed_help: str | None = (
        "at least one URL failed (named on standard error); the others were archived"
    )

    @property
    def exit_help(self) -> str:
        text = EXIT_HELP.format(ok=self.ok_help, failed=self.failed_help)
        return text if self.failed_help else text.replace(f"  1    {self.failed_help}\n", "")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Add this command's options and arguments to ``parser``."""

    def run(self, args: argparse.Namespace) -> int:
        """Do the work; return the exit code."""
        raise NotImplementedError

    def error(self, message: str, code: int) -> int:
        console.say(message, self.name)
        return code


class SpiderCommand(Command):
    """A command that runs one spider with the crawl options."""

    resumable = True  # offers --resume DIR (Scrapy's JOBDIR)
    records = True  # offers --wacz FILE

    def spider(self):
        raise NotImplementedError

    def spider_kwargs(self, args: argparse.Namespace) -> dict:
        return {}

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        # No defaults here: an option the user did not give leaves the setting
        # (from settings.py or -s) as it is.
        parser.add_argument(
            "--output", "-o", metavar="DIR",
            help="the archive folder; posts go to DIR/_posts (default: ./output)",
        )  # fmt: skip
        parser.add_argument(
            "--report",
            metavar="FILE",
            help="write a JSON report to FILE: {new, updated, unchanged, kept, duplicate, "
            "failed, not_reached, given_up, images_failed, warnings, notes}",
        )
        parser.add_argument(
            "--share-base",
            metavar="URL",
            help="base of the share link written in each post (default: http://finews.zning.xyz)",
        )
        parser.add_argument(
            "--site", metavar="URL",
            help="base of the blog's own links (default: //finews.withounder.com)",
        )  # fmt: skip
        parser.add_argument(
            "--body-format",
            choices=("html", "markdown"),
            help="write the body as served (html, the default) or converted to Markdown",
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="fetch articles already in the archive again and rewrite those that changed "
            "(posts newsarchiver did not write are left as they are)",
        )
        parser.add_argument(
            "--refresh-foreign",
            action="store_true",
            help="with --refresh, also replace posts newsarchiver did not write (another "
            "writer's, or fixed by hand)",
        )
        parser.add_argument(
            "--concurrency",
            type=positive_int,
            metavar="N",
            help="requests in flight at once (default: 16, at most 8 per host)",
        )
        parser.add_argument(
            "--images",
            action="store_true",
            help="keep body images under DIR/assets/img and point the posts at them "
            "(off by default: posts then link the source's images)",
        )
        if self.records:
            parser.add_argument(
                "--wacz",
                metavar="FILE",
                help="keep every response that made a post in the web archive FILE (WACZ; "
                "added to if it exists; a folder: a new file in it per run)",
            )
        if self.resumable:
            parser.add_argument(
                "--resume",
                metavar="DIR",
                help="keep the run's state in DIR (Scrapy JOBDIR); the same option resumes it",
            )
        parser.add_argument(
            "--set", "-s", action="append", default=[], type=setting, metavar="NAME=VALUE",
            help="set any Scrapy or NEWSARCHIVER_* setting (repeatable)",
        )  # fmt: skip
        parser.add_argument("--log-file", metavar="FILE", help="write the log to FILE, not stderr")
        parser.add_argument(
            "--quiet", "-q", action="store_true",
            help="print nothing unless something failed or may be missing (for cron)",
        )  # fmt: skip
        parser.add_argument(
            "--verbose", "-v", action="store_true", help="also show Scrapy's own log"
        )

    def option_settings(self, args: argparse.Namespace) -> dict:
        """The settings the options stand for; None where an option was not given."""
        return {
            "NEWSARCHIVER_OUTPUT": args.output,
            "NEWSARCHIVER_REPORT": args.report,
            "NEWSARCHIVER_SHARE_BASE": args.share_base,
            "NEWSARCHIVER_SITE": args.site,
            "NEWSARCHIVER_BODY_FORMAT": args.body_format,
            "NEWSARCHIVER_REFRESH": True if args.refresh or args.refresh_foreign else None,
            "NEWSARCHIVER_REFRESH_FOREIGN": True if args.refresh_foreign else None,
            "NEWSARCHIVER_CONCURRENCY": args.concurrency,
            "NEWSARCHIVER_IMAGES": True if args.images else None,
            "NEWSARCHIVER_WACZ": getattr(args, "wacz", None),
            "JOBDIR": getattr(args, "resume", None),
            "LOG_FILE": args.log_file,
            "NEWSARCHIVER_QUIET": True if args.quiet else None,
            "NEWSARCHIVER_VERBOSE": True if args.verbose else None,
        }

    def check(self, args: argparse.Namespace) -> str | None:
        """Why the arguments cannot work, before anything starts; None if they can."""
        return None

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.exits import Exit

        if error := self.check(args):
            return self.error(error, Exit.USAGE)
        from newsarchiver.runner import project_settings

        options = {k: v for k, v in self.option_settings(args).items() if v is not None}
        settings = project_settings(args.set, options)
        return run_spider(self.spider(), self.spider_kwargs(args), settings)


class FolderCommand(Command):
    """A command that works on an existing archive folder, holding its run lock."""

    quiet_help = "print only problems"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_output_option(parser)
        parser.add_argument("--quiet", "-q", action="store_true", help=self.quiet_help)

    def work(self, archive: Archive, args: argparse.Namespace) -> int:
        raise NotImplementedError

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.archive import Archive
        from newsarchiver.archive.lock import RunLock, UnusableLock
        from newsarchiver.exits import Exit

        output = Path(args.output).resolve()
        if error := archive_folder_error(output):
            return self.error(error, Exit.INTERNAL)
        lock = RunLock(output)
        try:
            acquired = lock.acquire()
        except (UnusableLock, OSError) as exc:
            return self.error(f"cannot lock {output}: {exc}", Exit.INTERNAL)
        if not acquired:
            if args.quiet:  # an overlapping cron tick is normal: exit 3 says it
                return Exit.LOCKED
            return self.error(
                f"another run is writing to {output} (lock {lock.path}); exiting", Exit.LOCKED
            )
        try:
            return self.work(Archive(output), args)
        finally:
            Archive(output).close()  # nothing half-done left behind, even on an error
            lock.release()

    def outcome(
        self, args: argparse.Namespace, summary: str, problems: list[str], notes: list[str]
    ) -> int:
        """Print the summary (with ``--quiet``, only if there are problems), then
        ``notes`` (not with ``--quiet``) and ``problems`` a line each; exit 1 if there
        are problems."""
        from newsarchiver.exits import Exit

        if not args.quiet or problems:
            console.say(summary)
        for line in (*([] if args.quiet else notes), *problems):
            console.detail(line)
        return Exit.FAILED if problems else Exit.OK


def add_output_option(parser: argparse.ArgumentParser) -> None:
    # The default is the project setting, as for the crawl commands.
    from newsarchiver import settings

    parser.add_argument(
        "--output",
        "-o",
        default=settings.NEWSARCHIVER_OUTPUT,
        metavar="DIR",
        help=f"the archive folder (default: ./{settings.NEWSARCHIVER_OUTPUT})",
    )


def add_url_inputs(parser: argparse.ArgumentParser, help: str) -> None:  # noqa: A002
    """Share URLs as arguments and/or from --input (checked by url_input_error)."""
    parser.add_argument("urls", nargs="*", metavar="SHARE_URL", help=help)
    parser.add_argument(
        "--input",
        "-i",
        metavar="FILE",
        help="read share URLs from FILE, one a line ('-': standard input; "
        "blank lines and lines starting with # are skipped)",
    )


def add_redis_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url",
        required=True,
        metavar="URL",
        help="the Redis server, e.g. redis://127.0.0.1:6379/0",
    )


def url_input_error(args: argparse.Namespace) -> str | None:
    """Why the share URLs given on the command line cannot be read, if they cannot."""
    if not args.urls and not args.input:
        return "give share URLs or --input FILE"
    for url in args.urls:
        if "://" not in url and Path(url).exists() and not Path(url).is_dir():
            return f"{url} is a file, not a share URL: did you mean --input {url}?"
    # Any readable path but a folder: a FIFO too (--input <(command)).
    if args.input and args.input != "-":
        if not Path(args.input).exists():
            return f"no such input file: {args.input}"
        if Path(args.input).is_dir():
            return f"the input {args.input} is a folder, not a file of share URLs"
    return None


def archive_folder_error(output: Path) -> str | None:
    """Why ``output`` is no archive folder a maintenance command can work on, if it is not."""
    if not output.is_dir():
        return f"no archive folder {output}"
    if not os.access(output, os.W_OK | os.X_OK):
        return f"archive folder {output} is not writable"
    return None


def setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _whole(text: str, least: int, why: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{why}: {text!r}")
    return value


def positive_int(text: str) -> int:
    return _whole(text, 1, "must be at least 1")


def non_negative_int(text: str) -> int:
    return _whole(text, 0, "must be 0 or more")
