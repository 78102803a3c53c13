"""``newsarchiver enqueue``: push share URLs to Redis for workers."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsarchiver import console
from newsarchiver.commands import Command as BaseCommand
from newsarchiver.commands import add_redis_option, add_url_inputs, url_input_error
from newsarchiver.exits import Exit
from newsarchiver.words import plural


class Command(BaseCommand):
    name = "enqueue"
    help = "push share URLs to Redis for workers"
    description = (
        "Push share URLs to the Redis list that `newsarchiver worker` processes read "
        "(scrapy-redis). With --output, URLs whose articles are already archived there are "
        "skipped."
    )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_url_inputs(parser, "share URLs to push")
        add_redis_option(parser)
        parser.add_argument(
            "--output", "-o", metavar="DIR", help="skip URLs already archived in DIR"
        )

    def run(self, args: argparse.Namespace) -> int:
        from newsarchiver.queueing import enqueue
        from newsarchiver.spiders.share import url_source

        if error := url_input_error(args):
            return self.error(error, Exit.USAGE)
        output = Path(args.output).resolve() if args.output else None
        try:
            result = enqueue(args.redis_url, url_source(args.urls, args.input), output)
        except Exception as exc:  # redis errors carry the reason a person needs
            return self.error(f"cannot use Redis at {args.redis_url}: {exc}", Exit.INTERNAL)
        console.say(
            f"{plural(result.pushed, 'URL')} queued, {result.archived} already "
            f"archived, {result.queued_already} already queued, {len(result.failed)} failed"
        )
        console.failures(result.failed, len(result.failed))
        return Exit.FAILED if result.failed else Exit.OK
