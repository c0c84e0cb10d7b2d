"""Slugs and other names derived from article text. Pure."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 60
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Return a URL- and file-safe slug: ascii lowercase words joined by '-', cut at a word."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "article"
