"""The framework's ceiling: a Scrapy spider that only downloads the data endpoint."""

from __future__ import annotations

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
    }

    def __init__(self, input: str = "", base: str = "", **kwargs):
        super().__init__(**kwargs)
        self.input, self.base = input, base

    async def start(self):
        with open(self.input, encoding="utf-8") as handle:
            for line in handle:
                code = line.rsplit("=", 1)[1].strip()
                yield scrapy.Request(f"{self.base}/NewsData/GetNewsText.do?id={code}")

    def parse(self, response):
        return None
