"""The CDXJ index key (SURT) of a URL, as pywb and the cdxj-indexer look it up."""

from __future__ import annotations

import re

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


def surt_key(url: str) -> str:
    """The SURT form of ``url``, as pywb and the cdxj-indexer sort and look it up."""
    simple = _SIMPLE_URL.fullmatch(url)
    if simple and _plain_host(simple.group(2)) and int(simple.group(3) or 0) <= 65535:
        scheme, host, port, path, query = simple.groups()
        host = re.sub(r"^www\d*\.", "", host.lower()).strip(".")
        if host:
            port = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
            path = (path or "/").lower()
            if len(path) > 1 and path.endswith("/"):
                path = path[:-1]
            key = ",".join(reversed(host.split("."))) + port + ")" + path
            return key + (f"?{query.lower()}" if query else "")
    from surt import surt

    try:
        return surt(url)
    except Exception:  # noqa: BLE001 (surt's own errors on odd URLs: the URL as it is)
        return url
