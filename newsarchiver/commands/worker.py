"""``newsarchiver worker``: archive share URLs taken from Redis, beside other workers."""

from __future__ import annotations

import argparse

from newsarchiver.commands import SpiderCommand, add_redis_option, positive_int


class Command(SpiderCommand):
    name = "worker"
    help = "archive share URLs taken from Redis, beside other workers"
    description = (
        "Take share URLs from Redis (pushed by `newsarchiver enqueue`) and archive them exactly "
        "as crawl does. Workers share the scheduler queue and the dupefilter in Redis, so each "
        "article is fetched once; each exits once the queue has been empty for --idle-exit "
        "seconds."
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
        super().add_options(parser)

    def option_settings(self, args: argparse.Namespace) -> dict:
        return {
            **super().option_settings(args),
            "REDIS_URL": args.redis_url,
            "MAX_IDLE_TIME_BEFORE_CLOSE": args.idle_exit,
        }

    def spider(self):
        from newsarchiver.spiders.worker import WorkerSpider

        return WorkerSpider
