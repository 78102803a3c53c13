"""The CDXJ index key (SURT) of a URL, as pywb and the cdxj-indexer look it up."""

from __future__ import annotations

import re
from functools import lru_cache

# URLs of the shapes the archive fetches (scheme, a plain host, a plain path, one
# id or infoCode argument) get their SURT here; any other goes to the surt
# package, as pywb and the cdxj-indexer use it. A test holds the two equal.
_SIMPLE_URL = re.compile(
    r"(https?)://([A-Za-z0-9.-]+)(?::([1-9]\d{0,4}))?((?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?)"
    r"(?:\?((?:id|infoCode|infocode)=[A-Za-z0-9]{1,64}))?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _plain_host(host: str) -> bool:
    """A name with a letter in it, or a dotted-quad IPv4 address as written canonically."""
    if host.startswith(".") or ".." in host:
        return False
    if any(c.isalpha() for c in host):
        return True
    parts = host.split(".")
    return len(parts) == 4 and all(
        p.isdigit() and str(int(p)) == p and int(p) <= 255 for p in parts
    )


@lru_cache(maxsize=256)
def _host_key(scheme: str, host: str, port: str | None) -> str | None:
    """``com,example:8080)`` of a plain host (a run fetches from a few); None if not plain."""
    if not _plain_host(host) or int(port or 0) > 65535:
        return None
    host = re.sub(r"^www\d*\.", "", host.lower()).strip(".")
    if not host:
        return None
    port = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
    return ",".join(reversed(host.split("."))) + port + ")"


def surt_key(url: str) -> str:
    """The SURT form of ``url``, as pywb and the cdxj-indexer sort and look it up."""
    simple = _SIMPLE_URL.fullmatch(url)
    if simple:
        scheme, host, port, path, query = simple.groups()
        host_key = _host_key(scheme, host, port)
        if host_key is not None:
            path = (path or "/").lower()
            if len(path) > 1 and path.endswith("/"):
                path = path[:-1]
            return host_key + path + (f"?{query.lower()}" if query else "")
    from surt import surt

    try:
        return surt(url)
    except Exception:  # noqa: BLE001 (surt's own errors on odd URLs: the URL as it is)
        return url
