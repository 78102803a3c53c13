"""The framework's ceiling: a Scrapy spider that only downloads the data endpoint."""

from __future__ import annotations

import scrapy

SHARE_PATH = "/html_News/NewsShare.html?infoCode="
DATA_PATH = "/NewsData/GetNewsText.do?id="


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        # As newsarchiver's settings have it: a finews article sets no cookie,
        # and the cookie middleware's work per request is not the pipeline's.
        "COOKIES_ENABLED": False,
    }

    def __init__(self, input: str = "", **kwargs):
        super().__init__(**kwargs)
        self.input = input

    # Scrapy 2.13+ calls start(), not start_requests(): a spider without it fetches nothing.
    async def start(self):
        with open(self.input, encoding="utf-8") as handle:
            for line in handle:
                base, _, code = line.strip().partition(SHARE_PATH)
                yield scrapy.Request(f"{base}{DATA_PATH}{code}")

    def parse(self, response):
        return None
