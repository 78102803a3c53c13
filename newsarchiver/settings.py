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
NEWSARCHIVER_CONCURRENCY = 0  # when set, both limits above (crawl --concurrency N)
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
COOKIES_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NEWSARCHIVER_RETRY_BACKOFF = 0.5  # seconds before the first retry, doubled each time
NEWSARCHIVER_RETRY_BACKOFF_MAX = 30.0

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
NEWSARCHIVER_FOLLOW_OFFSITE_REDIRECTS = False  # a redirect to another host fails the URL
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

# Where and how posts are written.
NEWSARCHIVER_OUTPUT = "output"
NEWSARCHIVER_SHARE_BASE = "http://finews.zning.xyz"
NEWSARCHIVER_SITE = "//finews.withounder.com"
NEWSARCHIVER_MAX_PAGES = 20  # listing pages discover reads at most in one run (a budget)
NEWSARCHIVER_FULL_EVERY = 0  # discover reads each listing whole again every N runs (0: never)
NEWSARCHIVER_GIVE_UP_AFTER = 10  # runs an article discover listed may fail before it is given up
NEWSARCHIVER_SOURCE_BASE = ""  # where discovered codes are fetched ("": the listing's host)
NEWSARCHIVER_BODY_FORMAT = "html"  # or "markdown"
NEWSARCHIVER_REFRESH = False  # refetch articles already in the output folder
# With a refresh, also replace posts newsarchiver did not write (--refresh-foreign).
NEWSARCHIVER_REFRESH_FOREIGN = False
# Posts ``rotate`` never moves (file names or shell patterns; ``--keep`` adds more):
# the legacy archive's pinned first post.
NEWSARCHIVER_ROTATE_KEEP = ("2021-12-01-init.md",)
NEWSARCHIVER_REPORT = ""  # path of a JSON report written at the end of a run
NEWSARCHIVER_PROGRESS_INTERVAL = 10.0
NEWSARCHIVER_PROGRESS_BAR = True  # a redrawn bar instead of log lines on a terminal
NEWSARCHIVER_QUIET = False  # --quiet: nothing on the terminal unless something failed
NEWSARCHIVER_VERBOSE = False  # --verbose: Scrapy's own lines too
NEWSARCHIVER_LOCK = True  # one run per output folder (workers turn it off)
NEWSARCHIVER_REDIS_OUTAGE = 60.0  # seconds a worker waits for a lost Redis before exit 4
# Seconds a worker's hold on the URLs it took lasts unless renewed (every third of it):
# a worker killed hard gives them back to the queue this long after it died.
NEWSARCHIVER_LEASE = 30.0
NEWSARCHIVER_IDLE_EXIT = 30.0  # seconds a worker waits on an empty queue before it exits
NEWSARCHIVER_MAX_BODY = 500_000  # characters; a longer article body fails its URL
NEWSARCHIVER_WACZ = ""  # --wacz: a WACZ file (or a folder: one per run) of what made the posts
NEWSARCHIVER_WACZ_GZIP_LEVEL = 0  # 0: WARC records stored (fastest); 1-9 smaller, slower
NEWSARCHIVER_IMAGES = False  # --images: keep body images under OUTPUT/assets/img
NEWSARCHIVER_IMAGE_MAX_SIZE = 10 * 1024 * 1024  # bytes; a larger image keeps its remote URL
NEWSARCHIVER_IMAGE_HOSTS = []  # hosts (or host:port) images may come from though private
MEDIA_ALLOW_REDIRECTS = True  # an image redirected on its own host is followed
NEWSARCHIVER_REPLAY = []  # WACZ files rebuild answers every request from (no network)
NEWSARCHIVER_REPLAY_VERIFY = False  # rebuild --verify: check every hash and record digest
NEWSARCHIVER_FSYNC = True  # flush each post to disk before its rename (power-cut safe)
