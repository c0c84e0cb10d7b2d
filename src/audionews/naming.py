"""Slugs and other names derived from article text. Pure."""

from __future__ import annotations

import hashlib
import re

from anyascii import anyascii

MAX_SLUG_LENGTH = 60
#: The slug of a text that has nothing to name it by (empty).
FALLBACK_SLUG = "article"
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NOT_LETTERS = re.compile(r"[\W_]+")


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Return a URL- and file-safe slug: ascii lowercase words joined by '-', cut at a word.

    Any script is transliterated (anyascii's tables: "Привет, мир" -> "privet-mir",
    "北京" -> "beijing"), so headlines in other alphabets get slugs of their own. Text with
    nothing to transliterate (only symbols) gets "article-" and a short id stable for that
    text, never one slug shared by every such headline.
    """
    slug = _NON_WORD.sub("-", anyascii(text).lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    if slug:
        return slug
    bare = " ".join(text.split())
    if not bare:
        return FALLBACK_SLUG
    return f"{FALLBACK_SLUG}-{hashlib.sha256(bare.encode('utf-8')).hexdigest()[:8]}"


def same_headline(one: str, other: str) -> bool:
    """Return True when two headlines are the same words (case, spacing, punctuation aside)."""

    def words(text: str) -> str:
        return " ".join(_NOT_LETTERS.sub(" ", text.casefold()).split())

    return words(one) == words(other)
