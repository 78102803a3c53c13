"""From what the finews site serves to an :class:`Article`.

Pure functions: bytes or text in, data out. Nothing here imports Scrapy, so
each function is tested on saved inputs under ``tests/fixtures/``.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape

from parsel import Selector
from w3lib.encoding import html_to_unicode

from newsarchiver.finews import (  # noqa: F401 (the grammar, read from here too)
    BEIJING,
    CODE_RE,
    DATA_PATH,
    SHARE_PATH,
    ExtractError,
    data_url,
    parse_share_url,
    share_url,
)
from newsarchiver.items import Article

MAX_TITLE = 1000

# 2022-05-20 02:56:47, 2022-05-20 02:56, 2022年05月20日 02:56 (and / or . as
# separators), optionally with an offset: Z, UTC, GMT, UTC+8, +05:00, -0700.
# No digit may touch the date or the time: 12022-05-01 is not 2022-05-01.
TIME_RE = re.compile(
    r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*|T)"
    r"(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2})(?:[.,]\d{1,9})?)?(?![\d:：])"
    r"(?:\s*(Z|(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}(?::?\d{2})?)(?![\w:]))?"
)
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?$")
YEARS = (1970, 2099)  # an article dated outside these is refused, never guessed at
ATTRIBUTION_RE = re.compile(r"文章来源\s*[：:]\s*(.+?)\s*[）)]\s*$", re.S)
_TAG = re.compile(r"<[^>]*>")  # to read a paragraph's text, not to clean anything
EM_MEDIA = "//p[contains(concat(' ', normalize-space(@class), ' '), ' em_media ')]"


def parse_time(text: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time for any of the site's time formats.

    A time with an explicit offset is converted to Beijing time; one without
    is Beijing time already. A date outside ``YEARS`` fails.
    """
    match = TIME_RE.search(text or "")
    if not match:
        raise ExtractError(f"no parseable date in {text[:60]!r}" if text else "no date")
    *fields, offset = match.groups()
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in fields)
    if not YEARS[0] <= year <= YEARS[1]:
        raise ExtractError(
            f"date {match.group(0)!r} outside the years {YEARS[0]}-{YEARS[1]} the archive takes"
        )
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=_zone(offset))
    except ValueError as exc:
        raise ExtractError(f"invalid date {match.group(0)!r} ({exc})") from None
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _zone(offset: str | None) -> timezone:
    if not offset:
        return BEIJING
    found = _OFFSET.search(offset.replace(" ", ""))
    if not found:
        return UTC  # Z, UTC, GMT
    sign, hours, minutes = found.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= timedelta(hours=24):
        raise ValueError(f"offset {offset!r}")
    return timezone(-delta if sign == "-" else delta)


def outlet_from_body(html: str) -> str:
    """The outlet named by the body's ``（文章来源：X）`` line, or ``""``."""
    if "文章来源" not in html or "em_media" not in html:
        return ""
    # The line closes the body: read the last em_media paragraph's text
    # directly, and parse the whole body only if that paragraph is unusual.
    start = html.rfind("<p", 0, html.rfind("em_media"))
    end = html.find("</p>", start)
    if start >= 0 and end > start:
        text = unescape(_TAG.sub("", html[start:end]))
        match = ATTRIBUTION_RE.search(text)
        if match:
            return " ".join(match.group(1).split())
    for node in reversed(Selector(text=html).xpath(EM_MEDIA)):
        match = ATTRIBUTION_RE.search(node.xpath("string()").get(""))
        if match:
            return " ".join(match.group(1).split())
    return ""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL, and the bidi embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069): never written raw into a title, an outlet,
# a page or a file name. White-space controls become a space.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACING = frozenset("\t\n\r\x0b\x0c")


def plain_text(text: str) -> str:
    """``text`` with control and bidi characters out (a space for white-space ones)."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: " " if m.group() in _SPACING else "", text)


def _text(value: object) -> str:
    # JSON may escape half a surrogate pair ("\ud800"); no UTF-8 file can hold one.
    return _LONE_SURROGATE.sub("\ufffd", value).strip() if isinstance(value, str) else ""


def _first(data: dict, *keys: str) -> str:
    for key in keys:
        value = _text(data.get(key))
        if value:
            return value
    return ""


def _json(body: bytes, what: str) -> object:
    """``body`` parsed as JSON, or ExtractError naming ``what`` and why not."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtractError(f"malformed {what} ({exc})") from None
    except RecursionError:  # a hostile answer nested thousands of levels deep
        raise ExtractError(f"malformed {what} (nested too deep)") from None


def article_from_json(body: bytes, code: str, url: str) -> Article:
    """Read the data endpoint's JSON answer for ``code``."""
    data = _json(body, "JSON from the data endpoint")
    if not isinstance(data, dict):
        raise ExtractError("malformed JSON from the data endpoint (not an object)")
    html = _text(data.get("text")) or _text(data.get("content"))
    if not html:
        raise ExtractError("unknown article: the data endpoint has no text for it")
    named = _first(data, "infoCode", "infocode")
    if named and named != code:
        raise ExtractError(f"the answer is another article ({named[:64]!r})")
    return Article(
        code=code,
        url=url,
        title=_first(data, "title"),
        published=_first(data, "showtime", "datetime"),
        body=html,
        outlet=_first(data, "medianame", "from"),
        via="data",
    )


LISTING_KEYS = ("nodeList", "record", "records", "data")
LISTING_CODE_KEYS = ("infocode", "infoCode")


MAX_LISTING_DEPTH = 64


def _at_entries(frames: list[list]) -> bool:
    """Whether an array opened inside ``frames`` holds a listing's entries.

    The listing itself as an array, or an array reached from the top through
    at most three objects by listing keys (``{"data": {"records": [...]}}``).
    """
    return len(frames) <= 3 and all(kind == "map" and key in LISTING_KEYS for kind, key in frames)


def codes_from_listing(body: bytes) -> list[str]:
    """The article codes of a listing endpoint's JSON, in the listing's order.

    Entries sit under ``nodeList``, ``record``, ``records`` or ``data`` (also
    one inside another, as in ``{"data": {"records": [...]}}``); the code is
    ``infocode`` or ``infoCode``. Entries without a code are skipped; codes are
    returned as written, to be validated like any share URL's.

    The JSON is read as a stream of events (ijson) keeping only the codes and
    one entry's code fields: a listing of 200,000 entries costs its codes, not a
    tree of 200,000 dicts (about 17 MB instead of 290 MB), and one nested
    100,000 deep fails at once.
    """
    import ijson

    frames: list[list] = []  # [kind, current key] of each open object or array
    entries: int | None = None  # how many frames enclose the entries array
    entry: dict[str, str] | None = None
    codes: list[str] = []
    try:
        for event, value in ijson.basic_parse(body.removeprefix(codecs.BOM_UTF8)):
            if event == "map_key":
                frames[-1][1] = value
            elif event in ("start_map", "start_array"):
                if len(frames) >= MAX_LISTING_DEPTH:
                    raise ExtractError("malformed listing JSON (nested too deep)")
                if entries is None and event == "start_array" and _at_entries(frames):
                    entries = len(frames)
                elif entries is not None and event == "start_map" and len(frames) == entries + 1:
                    entry = {}
                frames.append(["map" if event == "start_map" else "array", None])
            elif event in ("end_map", "end_array"):
                frames.pop()
                if entry is not None and entries is not None and len(frames) == entries + 1:
                    if code := _first(entry, *LISTING_CODE_KEYS):
                        codes.append(code)
                    entry = None
            elif (
                entry is not None and entries is not None and event == "string"
                and len(frames) == entries + 2
            ):  # fmt: skip
                if frames[-1][1] in LISTING_CODE_KEYS:
                    entry[frames[-1][1]] = value
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise ExtractError(f"malformed listing JSON ({exc})") from None
    if entries is None:
        raise ExtractError("malformed listing: no entries under " + ", ".join(LISTING_KEYS))
    return codes


def inner_html(text: str, element_id: str) -> str | None:
    """The inner HTML of the element with ``element_id``, exactly as in ``text``.

    Sliced out of the source, not re-serialised: the body must stay as served.
    Read with the sanitiser's tokenizer, in one pass (the standard library's
    parser rescans an unclosed quote from every tag: 100 KB of ``<a b='`` took
    25 s). None if there is no such element; ExtractError if it is never
    closed, as in a page cut short.
    """
    if element_id not in text:
        return None
    from newsarchiver.sanitize import VOID, BrokenMarkup, tokens

    name, start, depth = "", -1, 0
    try:
        for kind, begin, end, tag in tokens(text):
            if tag is None:
                continue
            if start < 0:
                if kind == "start" and any(
                    attribute == "id" and value == element_id
                    for attribute, value, _, _ in tag.attributes
                ):
                    if tag.name in VOID:
                        return ""
                    name, start, depth = tag.name, end, 1
            elif tag.name == name:
                depth += -1 if kind == "end" else (0 if tag.self_closing else 1)
                if depth == 0:
                    return text[start:begin]
    except BrokenMarkup:
        pass  # what follows cannot be read: the element is not seen closed
    if start < 0:
        return None
    raise ExtractError(f"the page is cut short: #{element_id} is never closed")


def _guess_encoding(body: bytes) -> str | None:
    # A page that declares nothing: UTF-8 if it decodes as such, else the
    # Chinese superset of GBK and GB2312 (w3lib's own guess would be cp1252).
    for encoding in ("utf-8", "gb18030"):
        try:
            body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def decode_page(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML page by its BOM, header or meta charset, else by its content.

    w3lib reads GBK and GB2312 declarations as GB18030, their superset.
    """
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_guess_encoding)
    return text


def article_from_page(text: str, code: str, url: str) -> Article:
    """Read a rendered share page (eastmoney article markup), already decoded."""
    html = (inner_html(text, "ContentBody") or "").strip()
    if not html:
        raise ExtractError("unknown article: the share page has an empty #ContentBody")
    page = Selector(text=text)
    title = " ".join(page.css("div.newsContent > h1").xpath("string()").get("").split())
    when = " ".join(page.css("div.time").xpath("string()").get("").split())
    source = " ".join(page.css("div.source").xpath("string()").get("").split())
    source = re.sub(r"^(来源|文章来源)\s*[：:]\s*", "", source)
    return Article(
        code=code, url=url, title=title, published=when, body=html, outlet=source, via="page"
    )
