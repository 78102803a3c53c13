"""Signals newsarchiver's spiders send besides Scrapy's own."""

# article_failed(url: str, reason: str): a URL that yielded no article.
article_failed = object()
# article_skipped(url: str, code: str): already archived, not fetched.
article_skipped = object()
# article_duplicate(url: str, code: str): the same article asked for again in one run.
article_duplicate = object()
# run_warning(message: str): something an operator must see even with --quiet
# (the run may have missed articles) that fails no URL.
run_warning = object()
# run_note(message: str): a change an operator may want to know of, not a failure
# (a post left as another writer wrote it, a category page brought to the contract);
# printed without --quiet and listed in the report.
run_note = object()
# article_requested(url: str, code: str): asked for; every such URL gets one outcome.
article_requested = object()
# A URL's outcome is not a signal: the report (the ledger) calls its sinks
# (outcome.OutcomeSink) and records the give-ups they answer with.
# article_given_up(url: str, code: str, reason: str): an article the spider gives up on
# at once (a listing entry no run could fetch); not retried.
article_given_up = object()
# image_failed(url: str, image: str, reason: str): a body image not kept (--images);
# the post keeps its remote URL and the article does not fail.
image_failed = object()
