"""Scrapy's log lines without the item: a dropped article would print its whole body."""

from __future__ import annotations

from scrapy import logformatter


class ArticleLogFormatter(logformatter.LogFormatter):
    """Names an article by its share URL, never by its contents."""

    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        return {**entry, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def item_error(self, item, exception, response, spider=None):
        entry = super().item_error(item, exception, response, spider)
        url = getattr(item, "url", "")
        return {**entry, "msg": "Error archiving %(url)s", "args": {"url": url}}

    def scraped(self, item, response, spider=None):
        entry = super().scraped(item, response, spider)
        url = getattr(item, "url", "")
        return {**entry, "msg": "Archived %(url)s", "args": {"url": url}}
