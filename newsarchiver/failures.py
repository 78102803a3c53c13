"""Why a request failed, in words a person running the archiver understands."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

_MESSAGES = [
    ((DownloadConnectionRefusedError, error.ConnectionRefusedError), "connection refused"),
    ((DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError), "timed out"),
    ((CannotResolveHostError, error.DNSLookupError), "host name not found"),
    ((ResponseDataLossError, ResponseFailed, error.ConnectionLost), "connection lost"),
]


def describe_failure(failure: Failure) -> str:
    exc = failure.value
    request = getattr(failure, "request", None)
    retried = request.meta.get("retry_times", 0) if request is not None else 0
    after = f" after {retried} retries" if retried else ""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"HTTP {status}{after}"
    if isinstance(exc, DownloadCancelledError) and "max size" in str(exc):
        limit = str(exc).split("max size (", 1)[-1].split(")", 1)[0]
        return f"response larger than the {limit}-byte limit (DOWNLOAD_MAXSIZE)"
    if isinstance(exc, DownloadCancelledError):
        # Cancelled mid-body with no word of why: an answer that would not end.
        meta = request.meta if request is not None else {}
        limits = []
        if meta.get("download_maxsize"):
            limits.append(f"{meta['download_maxsize']} bytes (DOWNLOAD_MAXSIZE)")
        if meta.get("download_timeout"):
            limits.append(f"{meta['download_timeout']:g} s (DOWNLOAD_TIMEOUT)")
        within = f" within {' or '.join(limits)}" if limits else ""
        return f"download cancelled: the answer did not end{within}{after}"
    if isinstance(exc, IgnoreRequest) and str(exc):
        return str(exc)  # the middleware's own reason (redirects)
    for types, message in _MESSAGES:
        if isinstance(exc, types):
            return f"{message}{after}"
    return f"{type(exc).__name__}: {exc}{after}"
