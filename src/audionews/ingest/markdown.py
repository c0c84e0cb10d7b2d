"""Read a Markdown article with optional YAML front matter.

Front matter gives the metadata (title, kicker, summary, author, published, key_points,
notices, language); the body is parsed with markdown-it-py (CommonMark): `##`/`###` headings are
subheadings, lists are LIST blocks (KEY_POINTS under a summary heading such as "At a glance"),
blockquotes are QUOTE blocks, images become captions. Inline markup is dropped: emphasis and
code keep their text, links keep their link text. Paragraphs go through the same tables as the
other formats, so "Correction: ..." in the body is a notice and "Advertisement" is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from audionews.errors import InputError
from audionews.ingest import rules
from audionews.ingest.assemble import (
    ArticleParts,
    Element,
    Heading,
    ListElement,
    Paragraph,
    Quote,
    assemble,
)
from audionews.models import Article, BlockKind, Caption, DropKind
from audionews.vocabulary import NoticeKind

_FRONT_MATTER_RE = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_FRONT_MATTER_START_RE = re.compile(r"\A---[ \t]*\n")

#: Front-matter keys for each field, first found wins (editors use different names).
FRONT_MATTER_KEYS: dict[str, tuple[str, ...]] = {
    "headline": ("title", "headline"),
    "kicker": ("kicker", "section", "category", "eyebrow", "rubric"),
    "standfirst": ("summary", "standfirst", "dek", "description", "subtitle", "lede"),
    "byline": ("author", "authors", "byline", "by"),
    "published": ("published", "date", "published_at", "pubdate", "datetime"),
    "key_points": ("key_points", "keypoints", "key-points", "takeaways", "highlights"),
    "key_points_title": ("key_points_title", "key_points_heading", "takeaways_title"),
    "notices": ("notices", "notice", "corrections", "correction", "notes"),
    "language": ("language", "lang", "locale"),
}
DEFAULT_KEY_POINTS_TITLE = "Key points"
#: Kind names accepted in `notices: [{kind: ..., text: ...}]`.
NOTICE_KIND_NAMES: dict[str, NoticeKind] = {
    "translation": NoticeKind.TRANSLATION,
    "machine_translation": NoticeKind.TRANSLATION,
    "correction": NoticeKind.CORRECTION,
    "clarification": NoticeKind.CORRECTION,
    "update": NoticeKind.UPDATE,
    "editors_note": NoticeKind.EDITORS_NOTE,
    "editor's note": NoticeKind.EDITORS_NOTE,
    "editor_note": NoticeKind.EDITORS_NOTE,
    "note": NoticeKind.EDITORS_NOTE,
}

_MARKDOWN = MarkdownIt("commonmark")


def parse_markdown(text: str) -> Article:
    """Parse a Markdown article (front matter optional) into an Article."""
    meta, body = split_front_matter(text)
    parts = ArticleParts(source_format="markdown")
    _apply_front_matter(meta, parts)
    _read_body(body, parts, heading_is_headline=not parts.headline)
    return parts.build()


# --------------------------------------------------------------------------- front matter


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter, body); raise InputError naming the line of invalid YAML."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not _FRONT_MATTER_START_RE.match(text):
        return {}, text
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        raise InputError(
            "front matter opened with '---' on line 1 is never closed: end it with a '---' line"
        )
    try:
        loaded = yaml.safe_load(match.group("yaml"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 2 if mark is not None else 1  # +1 for "---", +1 for 1-based
        problem = rules.clean_text(str(exc.problem or "invalid syntax"))
        raise InputError(
            f"invalid YAML front matter at line {line}: {problem}: fix that line "
            "(quote values that contain ':' or '#')"
        ) from None
    except (yaml.YAMLError, ValueError, RecursionError, OverflowError) as exc:
        # PyYAML also raises ValueError for impossible dates such as 2026-02-30.
        problem = rules.clean_text(str(exc))[:120]
        raise InputError(f"invalid YAML front matter ({problem}): fix the front matter") from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise InputError(
            "front matter must be a YAML mapping (key: value lines): fix the front matter"
        )
    return {str(k).strip().lower(): v for k, v in loaded.items()}, text[match.end() :]


def _first(meta: dict[str, Any], field_name: str) -> Any:
    """Return the first present value among the keys for `field_name`, or None."""
    for key in FRONT_MATTER_KEYS[field_name]:
        if meta.get(key) not in (None, "", [], {}):
            return meta[key]
    return None


def _as_text(value: Any) -> str:
    """Turn a YAML scalar or list of scalars into one line of text."""
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(t for t in (_as_text(v) for v in value) if t)
    return rules.clean_text(str(value))


def _as_texts(value: Any) -> list[str]:
    """Turn a YAML scalar or list into a list of non-empty lines."""
    values = value if isinstance(value, list | tuple) else [value]
    return [t for t in (_as_text(v) for v in values) if t]


def _apply_front_matter(meta: dict[str, Any], parts: ArticleParts) -> None:
    """Copy the front matter's fields into `parts`."""
    parts.headline = _as_text(_first(meta, "headline"))
    parts.kicker = _as_text(_first(meta, "kicker"))
    parts.standfirsts.extend(_as_texts(_first(meta, "standfirst")))
    authors = _as_texts(_first(meta, "byline"))
    parts.byline = " and ".join(authors)
    parts.published = _published(_first(meta, "published"))
    parts.language = _as_text(_first(meta, "language"))
    points = _as_texts(_first(meta, "key_points"))
    if points:
        title = _as_text(_first(meta, "key_points_title")) or DEFAULT_KEY_POINTS_TITLE
        parts.add_block(BlockKind.KEY_POINTS, rules.strip_title(title), tuple(points))
    raw_notices = _first(meta, "notices")
    for notice in raw_notices if isinstance(raw_notices, list) else [raw_notices]:
        _add_front_matter_notice(notice, parts)


def _published(value: Any) -> str:
    """Return a front-matter date as ISO 8601 (YAML may already have parsed it)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = _as_text(value)
    return rules.iso_date(text) or text


def _add_front_matter_notice(value: Any, parts: ArticleParts) -> None:
    """Add a notice given as "Label: text" or as {kind: ..., text: ..., label: ...}."""
    if isinstance(value, dict):
        text = _as_text(value.get("text"))
        kind_name = _as_text(value.get("kind")).lower().replace("-", "_")
        label = _as_text(value.get("label"))
    else:
        text, kind_name, label = _as_text(value), "", ""
    if not text:
        return
    found = rules.match_notice(text)
    if label and not text.startswith(label):
        text = f"{label}: {text}"
    kind = NOTICE_KIND_NAMES.get(kind_name) or (found.kind if found else None)
    kind = kind or rules.notice_kind_for_label(label) or NoticeKind.EDITORS_NOTE
    label = label or (found.label if found else "")
    parts.add_notice(text, rules.NoticeMatch(kind, label))


# --------------------------------------------------------------------------- body


def _read_body(body: str, parts: ArticleParts, *, heading_is_headline: bool) -> None:
    """Parse the Markdown body and add its blocks to `parts` in order."""
    elements = list(_elements(_MARKDOWN.parse(body), parts))
    if heading_is_headline and elements and isinstance(elements[0], Heading):
        parts.headline = elements[0].text
        del elements[0]
    assemble(elements, parts)


def _elements(tokens: list[Token], parts: ArticleParts) -> Iterator[Element]:
    """Turn the token stream into top-level elements (headings, paragraphs, lists, quotes)."""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = _closing_index(tokens, index)
        if token.type == "heading_open":
            yield Heading(_inline_text(tokens[index + 1])[0])
        elif token.type == "paragraph_open":
            text, images = _inline_text(tokens[index + 1])
            yield Paragraph(text, images)
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            yield ListElement(_list_items(tokens[index:end]))
        elif token.type == "blockquote_open":
            inner = [_inline_text(t)[0] for t in tokens[index:end] if t.type == "inline"]
            yield Quote(rules.clean_text(" ".join(inner)))
        elif token.type in ("fence", "code_block"):
            parts.drop(DropKind.OTHER, token.content, "code block")
        elif token.type == "html_block":
            parts.drop(DropKind.OTHER, re.sub(r"<[^>]{0,500}>", " ", token.content), "raw HTML")
        index = end + 1


def _closing_index(tokens: list[Token], index: int) -> int:
    """Return the index of the token that closes tokens[index] (itself if it does not nest)."""
    if tokens[index].nesting != 1:
        return index
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _list_items(tokens: list[Token]) -> list[str]:
    """Return the items of a list, nested items flattened in reading order."""
    items: list[str] = []
    open_items: list[int] = []
    for token in tokens:
        if token.type == "list_item_open":
            items.append("")
            open_items.append(len(items) - 1)
        elif token.type == "list_item_close" and open_items:
            open_items.pop()
        elif token.type == "inline" and open_items:
            slot = open_items[-1]
            items[slot] = f"{items[slot]} {_inline_text(token)[0]}".strip()
    return [item for item in items if item]


def _inline_text(token: Token) -> tuple[str, list[Caption]]:
    """Return an inline token's plain text (markup removed) and the captions of its images."""
    pieces: list[str] = []
    images: list[Caption] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif child.type == "image":
            caption = _image_caption(child)
            if caption is not None:
                images.append(caption)
    return rules.clean_text("".join(pieces)), images


def _image_caption(token: Token) -> Caption | None:
    """Return an image's caption from its title, else its alt text; split a photo credit."""
    title = rules.clean_text(str(token.attrGet("title") or ""))
    alt = rules.clean_text(token.content or "")
    text = title or alt
    if not text:
        return None
    return rules.split_caption(text) or Caption(text=text)
