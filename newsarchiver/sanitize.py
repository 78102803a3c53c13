"""Clean an article body the way the archive needs it: pure functions.

The contract: delete the paragraph indentation ``　　``; remove ``script``,
``style``, ``iframe``, ``object``, ``embed`` and ``form`` elements, comments,
``on*`` attributes, ``javascript:`` URLs and ad blocks; leave everything else
exactly as served. nh3 (ammonia) does the sanitising. Because any HTML
sanitiser re-serialises what it keeps, the body is run through nh3 twice, once
allowing everything and once with the contract's removals: when both agree,
nothing had to go and the served bytes are kept as they were.
"""

from __future__ import annotations

import re

import lxml.html
import nh3

INDENT = "\u3000\u3000"
DANGEROUS_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "form"})
# Elements removed with all they contain (nh3 unwraps other disallowed tags).
REMOVED_WITH_CONTENT = DANGEROUS_TAGS | {"noscript", "frameset", "frame", "applet", "template"}
AD_CLASSES = ("ad_context", "em_handle_adv")
URL_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "tel", "data"})
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript"})
# A candidate tag name as an HTML tokenizer reads one; used only to build
# the allow-list, so a superset is harmless.
_TAG_NAME = re.compile(r"</?([A-Za-z][^\t\n\f\r />]*)")
_AD_XPATH = " | ".join(f"//*[contains(@class, '{name}')]" for name in AD_CLASSES)


def _script_url(value: str) -> bool:
    squashed = "".join(ch for ch in value if ch > " ").lower()
    return squashed.split(":", 1)[0] in SCRIPT_SCHEMES if ":" in squashed else False


def _drop_script(tag: str, attribute: str, value: str) -> str | None:
    if attribute.lower().startswith("on"):
        return None
    if _script_url(value):
        return None
    return value


def _remove_ad_blocks(html: str) -> str:
    if not any(name in html for name in AD_CLASSES):
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    ads = root.xpath(_AD_XPATH)
    if not ads:
        return html
    for element in ads:
        element.drop_tree()
    inner = [root.text or ""]
    inner += [lxml.html.tostring(child, encoding="unicode") for child in root]
    return "".join(inner)


def sanitize_body(html: str) -> str:
    """``html`` with the contract's removals applied; unchanged if none apply."""
    html = html.replace(INDENT, "")
    tags = {name.lower() for name in _TAG_NAME.findall(html)}
    stripped = _remove_ad_blocks(html)
    if stripped is not html:
        tags = {name.lower() for name in _TAG_NAME.findall(stripped)}
    cleaned = nh3.clean(
        stripped,
        tags=tags - REMOVED_WITH_CONTENT,
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        generic_attribute_prefixes={""},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_drop_script,
        strip_comments=True,
        link_rel=None,
    )
    if cleaned == html:
        return html  # the common case: clean input that nh3 writes back as it was
    # Did nh3 remove something, or only write the same markup its own way?
    kept_as_is = nh3.clean(
        html,
        tags={name.lower() for name in _TAG_NAME.findall(html)},
        clean_content_tags=set(),
        generic_attribute_prefixes={""},
        url_schemes=set(URL_SCHEMES | SCRIPT_SCHEMES),
        strip_comments=False,
        link_rel=None,
    )
    return html if cleaned == kept_as_is else cleaned.strip()
