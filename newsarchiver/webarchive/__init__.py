"""Web archives of what a run fetched, and reading them back: no Scrapy here.

A run that keeps a web archive writes each archived article's HTTP responses
as WARC/1.1 records (one gzip member each) into a spool folder beside the
target, with their CDXJ index lines and the article's page, and packs them at
the end into a WACZ 1.1.1: ``archive/*.warc.gz``, ``indexes/index.cdx``
(CDXJ, sorted), ``pages/pages.jsonl``, ``datapackage.json`` with the sha256 of
each file and ``datapackage-digest.json``. The WACZ is written under a
temporary name and renamed: a killed run leaves the WACZ that was there
before, or the new one whole, never a broken file. A target that is already a
WACZ newsarchiver wrote grows in place (``pack``: journaled, no old record copied).

The records are written here, not by warcio's writer (level-9 gzip and two
digest passes per record cost the crawl 0.24 ms an article), and the WACZ is
packed here, not by the ``wacz`` package (which re-reads and re-indexes every
record and imports frictionless: 1.3 s per 3,000 articles). warcio reads the
records back (:class:`WebArchive`), and the tests check every WACZ with the
``wacz`` package's validator, warcio and pywb.

Each page of the WACZ is one article: the URL that gave it, its title, and
``newsarchiver`` (the share URL and code), which ``rebuild`` reads to know
what to re-render.
"""

from newsarchiver.webarchive.read import WebArchive, archived_articles, kept_in
from newsarchiver.webarchive.records import (
    WaczError,
    WarcSpool,
    check_target,
    recover_killed_growth,
    wacz_target,
)
from newsarchiver.webarchive.verify import package_problems, record_problems

__all__ = [
    "WaczError", "WarcSpool", "WebArchive", "archived_articles", "check_target", "kept_in",
    "package_problems", "record_problems", "recover_killed_growth", "wacz_target",
]  # fmt: skip
