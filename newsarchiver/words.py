"""Words the CLI prints: counts with their noun in the right number."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 page``, ``2 pages`` (``nouns``: the plural when it is not noun + s)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
