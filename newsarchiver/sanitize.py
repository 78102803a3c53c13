"""Clean an article body the way the archive needs it: pure functions.

The contract: delete the paragraph indentation ``　　``; remove ``script``,
``style``, ``iframe``, ``object``, ``embed`` and ``form`` elements (and the
other elements that load or run something: ``meta``, ``base``, ``link``,
``svg``, ``math``, ...), comments, ``on*`` attributes, script URLs, kramdown's
``markdown`` attributes and ad blocks; leave every other byte as served.

Removals are cuts: the body is tokenised the way an HTML5 parser reads it and
the unsafe spans are sliced out of the served text, so ``<br />`` stays
``<br />`` and ``&`` in a URL stays ``&``. The result is then checked with nh3
(html5ever, a real HTML5 parser) and against what other readers (kramdown)
would take for a tag. Markup too broken to cut safely is rewritten whole by
nh3 instead: safety first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from html.entities import html5 as html5_entities

import nh3

INDENT = "\u3000\u3000"
# Elements removed with all they contain.
REMOVED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "form", "noscript", "frameset",
        "frame", "applet", "template", "svg", "math", "title", "textarea", "xmp",
        "noembed", "noframes", "plaintext", "meta", "base", "link", "param", "portal",
    }
)  # fmt: skip
VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr frame keygen".split()
)
# Elements whose content an HTML5 parser reads as text up to their end tag.
RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
RCDATA = frozenset({"title", "textarea"})
_STATEFUL = RAW_TEXT | RCDATA | {"plaintext"}  # tags that change how what follows is read
AD_CLASSES = ("ad_context", "em_handle_adv")
URL_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "tel", "data"})
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})
SAFE_DATA_URL = re.compile(r"data:image/(?:png|gif|jpe?g|webp|bmp|avif)[;,]")
REMOVED_ATTRIBUTES = frozenset({"markdown", "srcdoc", "formaction", "xmlns"})
# Markup nh3 writes back when the tokeniser and html5ever disagree are left to
# nh3; these catch what another reader (kramdown, a browser's quirks) would
# still take for a tag or a handler after the cuts. Each is one linear pass:
# no pattern here may rescan the text from every ``<`` (a body of 40,000 ``<``
# took 11 s with one that did).
_RISKY_ELEMENT = re.compile(
    r"<\s*/?\s*(?:" + "|".join(sorted(REMOVED_WITH_CONTENT)) + r")(?![\w-])", re.I
)
_RISKY_ATTRIBUTE = re.compile(r"[\s/\"'](?:on[a-z]+|markdown|srcdoc|formaction)\s*=", re.I)
# Elements html5ever keeps open and checks on each new block: nested this deep,
# its cost grows with the square of their number (64,000 <div> took 26 s).
_CONTAINER = re.compile(
    r"<(/?)(?:div|ul|ol|dl|blockquote|section|article|aside|header|footer|nav|main|figure|"
    r"details|center|fieldset|address|menu|dir|hgroup|table)(?![\w-])",
    re.I,
)
MAX_NESTING = 256
# What a rewrite may keep (tags outside it are unwrapped, their text kept).
SAFE_TAGS = frozenset(nh3.ALLOWED_TAGS) | frozenset(
    """a abbr b bdi bdo big blockquote br caption center cite code col colgroup dd del details
    dfn div dl dt em figcaption figure font h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p
    picture pre q rp rt ruby s samp section small source span strike strong sub summary sup
    table tbody td tfoot th thead time tr tt u ul var wbr article aside header footer nav main
    audio video track label""".split()
)

_WS = "\t\n\f\r "
_TAG_OPEN = re.compile(r"<(/?)([A-Za-z][^\t\n\f\r />]*)")
# Most tags of an article are ``<p>`` and ``</p>``: read without the attribute loop.
_BARE_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)>")
# The attribute-less tags an article is made of. A run of them (and text) is
# passed over in one search to the next '<' that starts anything else, as long
# as none of these names is wanted (an ad element of that name being removed).
_PLAIN_NAMES = frozenset(
    "p br b i u em strong span div h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody "
    "tr td th center font small big sub sup blockquote pre code hr".split()
)
_NEXT_NOT_PLAIN = re.compile(
    r"<(?!/?(?i:p|br|" + "|".join(sorted(_PLAIN_NAMES - {"p", "br"})) + r")>)"
)
_NO_ATTRIBUTES: tuple = ()
_ATTRIBUTE = re.compile(
    r"[\t\n\f\r /]*(?:([^\t\n\f\r />][^\t\n\f\r /=>]*)"
    r"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*))?)?"
)
_COMMENT_END = re.compile(r"--!?>")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.I) for name in RAW_TEXT | RCDATA}
_TAG_NAME = re.compile(r"</?([A-Za-z][^\t\n\f\r />]*)")


class BrokenMarkup(ValueError):
    """The body cannot be cut safely (an unclosed comment or removed element)."""


class TooComplex(ValueError):
    """The body cannot be cleaned in time proportional to its size; the message says why."""


def _risky(html: str) -> bool:
    """Whether a tag removed with its content, or a handler inside a tag, is still there."""
    if _RISKY_ELEMENT.search(html):
        return True
    if not _RISKY_ATTRIBUTE.search(html):
        return False  # the usual case: one pass
    # A handler counts inside what a reader takes for a tag: after a '<' and
    # before the next '>'. Each piece between two '>' is read once.
    for piece in html.split(">"):
        start = piece.find("<")
        if start >= 0 and _RISKY_ATTRIBUTE.search(piece, start):
            return True
    return False


def check_nesting(html: str, limit: int = MAX_NESTING) -> None:
    """TooComplex when block containers nest deeper than ``limit`` (one pass)."""
    if html.count("<") <= limit:
        return  # each level opens with a '<': too few to nest deeper
    depth = 0
    for match in _CONTAINER.finditer(html):
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > limit:
                raise TooComplex(f"markup nested deeper than {limit} block elements")


@dataclass(slots=True)
class Tag:
    start: int
    end: int
    name: str  # lower case
    closing: bool
    self_closing: bool = False
    # (name lower case, value as written without quotes, span start, span end)
    attributes: Sequence[tuple[str, str, int, int]] = field(default_factory=list)


def _read_tag(html: str, pos: int, match: re.Match[str]) -> Tag:
    attributes: list[tuple[str, str, int, int]] = []
    tag = Tag(pos, pos, match.group(2).lower(), bool(match.group(1)), attributes=attributes)
    at = match.end()
    while True:
        attribute = _ATTRIBUTE.match(html, at)
        assert attribute is not None  # the pattern matches the empty string
        if attribute.group(1) is None:
            at = attribute.end()
            if at < len(html) and html[at] == ">":
                tag.end = at + 1
                tag.self_closing = html[at - 1] == "/"
                return tag
            raise BrokenMarkup(f"unclosed tag at {pos}")
        value = attribute.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes.append((attribute.group(1).lower(), value, at, attribute.end()))
        at = attribute.end()


def tokens(
    html: str, wanted: frozenset[str] | set[str] | None = None
) -> Iterator[tuple[str, int, int, Tag | None]]:
    """``(kind, start, end, tag)`` for comments and tags, as an HTML5 tokenizer reads them.

    With ``wanted``, a tag without attributes (``<p>``, ``</p>``) is passed over
    unless its name is in ``wanted`` (read at each tag, so the caller may change
    it as it goes): such a tag has nothing to cut and changes no state.
    """
    pos = 0
    length = len(html)
    while True:
        pos = html.find("<", pos)
        if pos < 0 or pos + 1 >= length:
            return
        nxt = html[pos + 1]
        if html.startswith("<!--", pos):
            if html.startswith(("<!-->", "<!--->"), pos):
                end = html.index(">", pos) + 1
            else:
                found = _COMMENT_END.search(html, pos + 4)
                if not found:
                    raise BrokenMarkup(f"unclosed comment at {pos}")
                end = found.end()
            yield "comment", pos, end, None
            pos = end
            continue
        if nxt in "!?" or (nxt == "/" and not html[pos + 2 : pos + 3].isalpha()):
            if html.startswith("</>", pos):
                yield "comment", pos, pos + 3, None
                pos += 3
                continue
            end = html.find(">", pos)
            if end < 0:
                raise BrokenMarkup(f"unclosed markup declaration at {pos}")
            yield "comment", pos, end + 1, None
            pos = end + 1
            continue
        if bare := _BARE_TAG.match(html, pos):
            name = bare[2].lower()
            if wanted is not None and name not in wanted and name not in _STATEFUL:
                pos = bare.end()
                if name in _PLAIN_NAMES and _PLAIN_NAMES.isdisjoint(wanted):
                    found = _NEXT_NOT_PLAIN.search(html, pos)
                    pos = found.start() if found else length
                continue
            tag = Tag(pos, bare.end(), name, bool(bare[1]), False, _NO_ATTRIBUTES)
        elif match := _TAG_OPEN.match(html, pos):
            tag = _read_tag(html, pos, match)
        else:
            pos += 1  # a lone '<' is text
            continue
        yield ("end" if tag.closing else "start"), tag.start, tag.end, tag
        pos = tag.end
        if not tag.closing and (tag.name in RAW_TEXT or tag.name in RCDATA):
            close = _RAW_TEXT_END[tag.name].search(html, pos)
            if not close:
                raise BrokenMarkup(f"unclosed <{tag.name}> at {tag.start}")
            pos = close.start()
        elif not tag.closing and tag.name == "plaintext":
            raise BrokenMarkup("<plaintext> takes the rest of the page")


def _script_url(value: str) -> bool:
    squashed = "".join(ch for ch in unescape(value) if ch > " ").lower()
    scheme = squashed.split(":", 1)[0] if ":" in squashed else ""
    if scheme in SCRIPT_SCHEMES:
        return True
    return scheme == "data" and not SAFE_DATA_URL.match(squashed)


def _unsafe_attribute(name: str, value: str) -> bool:
    if name.startswith("on") or name in REMOVED_ATTRIBUTES:
        return True
    if name == "style":
        squashed = "".join(ch for ch in unescape(value) if ch > " ").lower()
        return any(word in squashed for word in ("expression(", "javascript:", "behavior:"))
    return _script_url(value)


def _is_ad(tag: Tag) -> bool:
    return any(
        name == "class" and any(ad in value for ad in AD_CLASSES)
        for name, value, _, _ in tag.attributes
    )


def cuts(html: str) -> list[tuple[int, int]]:
    """The spans of ``html`` the contract removes, in order; BrokenMarkup if unsure."""
    spans: list[tuple[int, int]] = []
    removing: tuple[str, int, int] | None = None  # (tag name, depth, start)
    wanted = set(REMOVED_WITH_CONTENT)  # and, while removing, the removed element's name
    for kind, start, end, tag in tokens(html, wanted):
        if removing is not None:
            name, depth, begin = removing
            if tag is not None and tag.name == name:
                if kind == "start" and not tag.self_closing:
                    depth += 1
                elif kind == "end":
                    depth -= 1
                if depth == 0:
                    spans.append((begin, end))
                    removing = None
                    if name not in REMOVED_WITH_CONTENT:
                        wanted.discard(name)
                    continue
            removing = (name, depth, begin)
            continue
        if tag is None:
            spans.append((start, end))  # comment
            continue
        if tag.closing:
            if tag.name in REMOVED_WITH_CONTENT:
                spans.append((start, end))  # stray end tag
            continue
        if tag.name in REMOVED_WITH_CONTENT or _is_ad(tag):
            if tag.name in VOID or (tag.self_closing and tag.name not in RAW_TEXT | RCDATA):
                spans.append((start, end))
            else:
                removing = (tag.name, 1, start)
                wanted.add(tag.name)  # its nested namesakes count, bare or not
            continue
        for name, value, begin, finish in tag.attributes:
            if _unsafe_attribute(name, value):
                spans.append((begin, finish))
    if removing is not None:
        raise BrokenMarkup(f"<{removing[0]}> at {removing[2]} is never closed")
    return spans


def _cut(html: str, spans: list[tuple[int, int]]) -> str:
    kept, at = [], 0
    for start, end in spans:
        kept.append(html[at:start])
        at = end
    kept.append(html[at:])
    return "".join(kept)


def _drop_attribute(tag: str, attribute: str, value: str) -> str | None:
    return None if _unsafe_attribute(attribute.lower(), value) else value


@lru_cache(maxsize=64)
def _strict_cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    # Built once per set of tag names (articles share a few): a third of nh3's cost.
    return nh3.Cleaner(
        tags=set(tags - REMOVED_WITH_CONTENT),
        clean_content_tags=set(REMOVED_WITH_CONTENT) - {"meta", "base", "link", "param"},
        generic_attribute_prefixes={""},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_drop_attribute,
        strip_comments=True,
        link_rel=None,
    )


# nh3 writes each literal '&' as '&amp;' in time growing with the square of
# their number in a text (400 KB of '&' took 3.7 s). Each '&' that stands for
# itself (bare, not starting a character reference, or a reference to '&') is
# handed to it as a private-use character instead and put back as '&amp;'
# after: the same output, in linear time.
_AMPERSAND = re.compile(
    r"&(?:#[xX]([0-9A-Fa-f]{1,8});?|#([0-9]{1,10});?|([A-Za-z][A-Za-z0-9]{0,31});?)?"
)
_STAND_IN = "\ue000"


def _stand_in(match: re.Match[str]) -> str:
    hexadecimal, decimal, name = match.groups()
    if hexadecimal or decimal:
        value = int(hexadecimal, 16) if hexadecimal else int(decimal)
        return _STAND_IN if value == 38 else match.group()
    if name is None:
        return _STAND_IN + match.group()[1:]
    text = match.group()
    if text.endswith(";") and name + ";" in html5_entities:
        return _STAND_IN if name.lower() == "amp" else text
    # Without ';', an HTML5 reader takes the longest legacy name that starts it.
    for end in range(len(name), 1, -1):
        if name[:end] in html5_entities:
            return (_STAND_IN + text[1 + end :]) if name[:end].lower() == "amp" else text
    return _STAND_IN + text[1:]  # no reference: a literal '&'


def _nh3(clean, html: str) -> str:
    """``clean(html)`` with literal ampersands passed through as a stand-in."""
    if "&" not in html or _STAND_IN in html:
        return clean(html)
    return clean(_AMPERSAND.sub(_stand_in, html)).replace(_STAND_IN, "&amp;")


@lru_cache(maxsize=64)
def _as_is_cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    # nh3 writing the same markup its own way, removing nothing.
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags=set(),
        generic_attribute_prefixes={""},
        url_schemes=set(URL_SCHEMES | SCRIPT_SCHEMES),
        strip_comments=False,
        link_rel=None,
    )


def _strict(html: str, tags: set[str]) -> str:
    return _nh3(_strict_cleaner(frozenset(tags)).clean, html)


def _nothing_unsafe(html: str) -> bool:
    """True when neither html5ever nor a looser reader finds anything to remove."""
    if _risky(html):
        return False
    tags = {name.lower() for name in _TAG_NAME.findall(html)}
    cleaned = _strict(html, tags)
    if cleaned == html:
        return True
    # Did nh3 remove something, or only write the same markup its own way?
    as_is = _nh3(_as_is_cleaner(frozenset(tags)).clean, html)
    return cleaned == as_is


def rewrite(html: str) -> str:
    """The whole body written anew by nh3, keeping only known-safe tags."""
    tags = {name.lower() for name in _TAG_NAME.findall(html)} & SAFE_TAGS
    return _strict(html, set(tags)).strip()


def clean_body(html: str) -> tuple[str, str]:
    """``(body, how)``: how is ``clean`` (as served), ``cut`` or ``rewritten`` (by nh3).

    TooComplex for markup no reader should be made to walk (nested too deep).
    """
    html = html.replace(INDENT, "")
    check_nesting(html)
    try:
        spans = cuts(html)
    except BrokenMarkup:
        return rewrite(html), "rewritten"
    result = _cut(html, spans).strip() if spans else html
    if _nothing_unsafe(result):
        return result, ("cut" if spans else "clean")
    return rewrite(result), "rewritten"
