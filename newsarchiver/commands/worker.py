"""``newsarchiver worker``: archive share URLs taken from Redis, beside other workers."""

from __future__ import annotations

import argparse

from newsarchiver.commands import SpiderCommand, add_redis_option, positive_int


class Command(SpiderCommand):
    name = "worker"
    help = "archive share URLs taken from Redis, beside other workers"
    description = (
        "Take share URLs from Redis (queued by `newsarchiver enqueue`) and archive them exactly "
        "as crawl does. Each URL is taken by one worker at a time, under a lease it renews: "
        "the URLs of a worker killed hard go back to the queue once its lease expires "
        "(--lease). Each exits once the queue has been empty for --idle-exit seconds."
    )
    resumable = False  # the state is in Redis

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        add_redis_option(parser)
        parser.add_argument(
            "--idle-exit",
            type=positive_int,
            metavar="SECONDS",
            help="exit after the queue has been empty this long (default: 30)",
        )
        parser.add_argument(
            "--lease",
            type=positive_int,
            metavar="SECONDS",
            help="how long the URLs a worker took stay its own without a renewal: a worker "
            "killed hard gives them back this long after (default: 30)",
        )
        super().add_options(parser)

    def option_settings(self, args: argparse.Namespace) -> dict:
        return {
            **super().option_settings(args),
            "REDIS_URL": args.redis_url,
            "NEWSARCHIVER_IDLE_EXIT": args.idle_exit,
            "NEWSARCHIVER_LEASE": args.lease,
        }

    def spider(self):
        from newsarchiver.spiders.worker import WorkerSpider

        return WorkerSpider
