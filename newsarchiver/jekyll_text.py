"""What Jekyll does to a post's text, and the least that keeps it from doing it.

Jekyll runs Liquid over every post, then kramdown reads the result as
Markdown; Ruby's YAML (Psych) reads the front matter. An article's text must
come out of all three as written. Protection is added only where one of them
would otherwise act, so the bytes of every ordinary article stay as served.
The rules here follow kramdown 2.x's parser (``parser/kramdown/html.rb``,
``parser/html.rb``) and Psych's ``ScalarScanner``; the tests check them
against a real ``jekyll build`` and a real ``ruby -rpsych``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

# --- Liquid -----------------------------------------------------------------

_LIQUID_START = re.compile(r"\{(?=[{%])")


def neutralise_liquid(text: str) -> str:
    """``text`` with every ``{{`` and ``{%`` written as Liquid output of a plain ``{``.

    ``{{ '{' }}`` renders as ``{`` in every Liquid version Jekyll has used (3.x
    on GitHub Pages, 4.x), and unlike ``{% raw %}`` it needs no closing tag, so
    ``{% endraw %}`` in an article and Jekyll's excerpt cuts cannot break it.
    """
    if "{{" not in text and "{%" not in text:
        return text
    return _LIQUID_START.sub("{{ '{' }}", text)


# --- kramdown ---------------------------------------------------------------

_NAME = r"[A-Za-z_\u00c0-\uffff][\w\-.\u00b7\u00c0-\uffff]*(?::[A-Za-z_\u00c0-\uffff][\w\-.\u00b7\u00c0-\uffff]*)?"
# A quoted value ends at its first closing quote. kramdown's own pattern
# (``(["']).*?\3``) may backtrack past it, rescanning the rest of the body from
# every '<' (quadratic); a tag it reads that way is read here as text, which
# only ever adds protection.
_TAG = re.compile(
    rf"<({_NAME})\s*((?:\s+{_NAME}(?:\s*=\s*(?:\w+|()(?:\"[^\"]*\"|'[^']*')))?)*)\s*(/)?>", re.S
)
_CLOSE = re.compile(rf"</({_NAME})\s*>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INSTRUCTION = re.compile(r"<\?.*?\?>", re.S)
_RAW_START = re.compile(rf"<(?:{_NAME}|/|!--|\?)")
# ``<p>`` with no attributes: what _TAG reads with an empty attribute list.
_BARE_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9]*)>")
# The usual article paragraph, read whole: ``<p>text</p>`` with no markup inside.
_TEXT_BLOCK = re.compile(r" {0,3}<([a-z][a-z0-9]*)>[^<]*</\1>")
_BLANK = re.compile(r"(?:[ \t]*(?:\n|\Z))*")
_TRAILING = re.compile(r"[ \t]*\n")
_INDENT = re.compile(r" {0,3}")
# A markdown attribute that turns Markdown on (markdown="0" keeps it off).
_MARKDOWN_ATTRIBUTE = re.compile(r"(?:^|\s)markdown(?!\s*=\s*(?:\"0\"|'0'|0(?!\w)))", re.I)
SPAN_ELEMENTS = frozenset(
    """a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark
    option q rb rbc rp rt rtc ruby samp select small span strong sub sup tt u var""".split()
)
WITHOUT_BODY = frozenset(
    "area base br col command embed hr img input keygen link meta param source track wbr".split()
)
WRAP_START = '<div markdown="0">\n'
WRAP_END = "\n</div>"


def _next_closes(text: str, pos: int, name: str) -> int | None:
    """Where ``</name>`` ends if it is the next markup from ``pos`` on (the usual case)."""
    nxt = text.find("<", pos)
    closing = f"</{name}>"
    return nxt + len(closing) if nxt >= 0 and text.startswith(closing, nxt) else None


def _raw_element_end(text: str, pos: int, name: str) -> int | None:
    """Where kramdown's raw HTML parser closes ``name`` opened before ``pos``; None: never."""
    stack = [name]
    while stack:
        if (end := _next_closes(text, pos, stack[-1])) is not None:
            stack.pop()
            pos = end
            continue
        found = _RAW_START.search(text, pos)
        if not found:
            return None  # kramdown auto-closes at the end, swallowing what follows
        pos = found.start()
        if match := _COMMENT.match(text, pos) or _INSTRUCTION.match(text, pos):
            pos = match.end()
        elif match := _TAG.match(text, pos):
            pos = match.end()
            if _MARKDOWN_ATTRIBUTE.search(match.group(2)):
                return None
            tag = match.group(1).lower()
            if not match.group(4) and tag not in WITHOUT_BODY:
                stack.append(tag)
        elif match := _CLOSE.match(text, pos):
            pos = match.end()
            if match.group(1).lower() == stack[-1]:
                stack.pop()
        else:
            pos += 1
    return pos


def _end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern`` (one that matches the empty string too) ends at ``pos``."""
    match = pattern.match(text, pos)
    assert match is not None
    return match.end()


def kramdown_keeps(body: str) -> bool:
    """True when kramdown reads all of ``body`` as raw HTML blocks, each closed.

    Anything else (text or a span element at a block's start, a line indented
    as code, an unclosed block that would swallow the footer, a ``markdown``
    attribute) means kramdown would parse Markdown somewhere.
    """
    # kramdown reads CR LF and a lone CR as LF before anything else
    # (Kramdown::Document's adapt_source): real archive bodies have CR LF.
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    pos, length = 0, len(body)
    while True:
        pos = _end(_BLANK, body, pos)
        if pos >= length:
            return True
        block = _TEXT_BLOCK.match(body, pos)
        if block and block[1] not in SPAN_ELEMENTS and block[1] not in WITHOUT_BODY:
            pos = block.end()  # what the general reading below would find, sooner
        elif match := _COMMENT.match(body, pos := _end(_INDENT, body, pos)):
            pos = match.end()
        else:
            match = _BARE_TAG.match(body, pos) or _TAG.match(body, pos)
            if not match or match.group(1).lower() in SPAN_ELEMENTS:
                return False
            if match.re is _TAG and _MARKDOWN_ATTRIBUTE.search(match.group(2)):
                return False
            pos = match.end()
            name = match.group(1).lower()
            if (match.re is _BARE_TAG or not match.group(4)) and name not in WITHOUT_BODY:
                end = _raw_element_end(body, pos, name)
                if end is None:
                    return False
                pos = end
        if trailing := _TRAILING.match(body, pos):
            pos = trailing.end()


def wrap_raw(body: str) -> str | None:
    """``body`` inside a block kramdown copies as HTML, or None if it would not close."""
    wrapped = f"{WRAP_START}{body}{WRAP_END}"
    return wrapped if kramdown_keeps(wrapped) else None


# --- Markdown text ----------------------------------------------------------

# What kramdown reads in running text: emphasis, code, links, IALs and
# extensions, math, table cells, escapes, smart quotes and dashes, raw HTML.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]!|$\"']|-(?=-)|\.(?=\.\.)|[<>&]")
# A heading, quote, list item or rule marker where a line starts.
_LINE_START_MARKER = re.compile(
    r"^([ \t]*(?:\d+(?=[.)](?:\s|$)))?)([#>]|[-+=.)](?=\s|$|[-=]))", re.M
)
_HTML_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _escape_special(match: re.Match[str]) -> str:
    char = match.group(0)
    return _HTML_ESCAPES.get(char) or "\\" + char


@lru_cache(maxsize=4096)
def markdown_text(text: str) -> str:
    """``text`` as Markdown that kramdown shows exactly as written (link text, body text)."""
    text = _MARKDOWN_SPECIAL.sub(_escape_special, text)
    return _LINE_START_MARKER.sub(r"\1\\\2", text)


# What would end a Markdown link's URL, start something else in it, or change
# what the URL means: white space and controls, brackets, < > % \ ` | " { } ? #.
_URL_UNSAFE = "".join(chr(c) for c in range(0x21)) + "\x7f[]<>%\\`|\"{}?#'"


@lru_cache(maxsize=4096)
def url_path(segment: str) -> str:
    """``segment`` for a Markdown link's URL: only what would break it is percent-encoded."""
    unsafe = _URL_UNSAFE
    if segment.count("(") != segment.count(")") or re.search(r"\)[^(]*\(", segment):
        unsafe += "()"
    if not any(ch in unsafe or ch.isspace() or ord(ch) in range(0x80, 0xA0) for ch in segment):
        return segment
    return "".join(
        quote(ch, safe="") if ch in unsafe or ch.isspace() or 0x80 <= ord(ch) < 0xA0 else ch
        for ch in segment
    )


# --- Psych ------------------------------------------------------------------

_PSYCH_STRINGY = re.compile(r"[^\d.:-]?(?:[^\W\d_]|[_\s!@#$%^&*(){}<>|/\\~;=])")
_PSYCH_TYPED = re.compile(
    r"-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?"
    r"|\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)"
    r"|[-+]?\.(?:inf|nan)"
    r"|:.+"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}(?:\.[0-9_]*)?"
    r"|[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)"
    r"|[-+]?0x[0-9a-fA-F_,]+",
    re.I | re.S,
)
_PSYCH_WORDS = re.compile(r"~|null|yes|true|on|no|false|off", re.I)


def psych_retypes(text: str) -> bool:
    """True when Psych (Jekyll's YAML) reads the plain scalar ``text`` as no string."""
    if not text:
        return True
    if _PSYCH_STRINGY.match(text) or "\n" in text:
        return len(text) <= 5 and bool(_PSYCH_WORDS.fullmatch(text))
    return bool(_PSYCH_TYPED.fullmatch(text))
