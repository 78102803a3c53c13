"""Scrapy settings for newsarchiver.

``NEWSARCHIVER_*`` settings are the project's own; the README lists them all.
The defaults are polite for the public finews site.
"""

BOT_NAME = "newsarchiver"
SPIDER_MODULES = ["newsarchiver.spiders"]
NEWSPIDER_MODULE = "newsarchiver.spiders"

USER_AGENT = "newsarchiver/0.1 (+https://finews.withounder.com)"
ROBOTSTXT_OBEY = False  # the share site serves no robots.txt; one request per article
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port on an unattended archiver
LOG_LEVEL = "INFO"
LOG_FORMATTER = "newsarchiver.logformatter.ArticleLogFormatter"  # never logs an item's body
LOGSTATS_INTERVAL = 0  # newsarchiver.report.Progress prints its own line

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOADER = "newsarchiver.downloader.SlotBoundDownloader"  # the limits hold for images too
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
COOKIES_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Each callback gives one item or one request; Scrapy would start this many
# asyncio workers for every response's output, which costs more than the article.
CONCURRENT_ITEMS = 1
# Scrapy's check for a generator callback that also returns a value reads the
# callback's source with ast; its cache misses on bound methods, so it ran for
# every response and cost more CPU than the article (README, Benchmark).
WARN_ON_GENERATOR_RETURN_VALUE = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsarchiver.middlewares.BackoffRetryMiddleware": 550,
    # --images: no image from a private address, also after a redirect.
    "newsarchiver.images.ImageAddressGuard": 560,
    "newsarchiver.middlewares.OffsiteRedirectMiddleware": 610,
    # Next to the download: --wacz keeps responses as they came (before decompression).
    "newsarchiver.recording.ResponseKeeper": 950,
    # Last before the download: rebuild answers from its WACZ files (NEWSARCHIVER_REPLAY).
    "newsarchiver.recording.ReplayMiddleware": 990,
}
REDIRECT_MAX_TIMES = 5
# Forgets failed requests, so a resumed run (JOBDIR) tries them again.
DUPEFILTER_CLASS = "newsarchiver.dupefilter.ForgetfulDupeFilter"

ITEM_PIPELINES = {
    "newsarchiver.pipelines.ArticleFinisher": 100,
    "newsarchiver.images.ImageKeeper": 500,  # only with NEWSARCHIVER_IMAGES
    "newsarchiver.pipelines.PostWriter": 900,
    "newsarchiver.recording.ArchivedPages": 950,  # only with NEWSARCHIVER_WACZ
}

EXTENSIONS = {
    "newsarchiver.extensions.OutputLock": 50,
    "newsarchiver.extensions.ArchiveFolder": 60,
    "newsarchiver.recording.WaczRecorder": 90,  # only with NEWSARCHIVER_WACZ
    "newsarchiver.report.RunReport": 100,
    "newsarchiver.report.Progress": 110,
}

MEDIA_ALLOW_REDIRECTS = True  # an image redirected on its own host is followed

# Every NEWSARCHIVER_* setting and its default: declared once, in setting_table.py.
from newsarchiver.setting_table import TABLE as _table  # noqa: E402

globals().update({setting.name: setting.default for setting in _table})
