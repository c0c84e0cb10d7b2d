"""Entry point of ingest: decode the source bytes, pick the format, run its parser.

Only this module decides the format; the parsers take text. Everything that can go wrong with
the input is raised as InputError with a one-line message that says how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from pathlib import PurePath

from audionews.errors import InputError
from audionews.models import Article
from audionews.vocabulary import InputFormat

#: Format -> (module, function) of its parser, imported when first needed: the HTML and
#: Markdown parsers pull in lxml, selectolax and markdown-it (~0.15 s a command otherwise).
PARSERS: dict[InputFormat, tuple[str, str]] = {
    InputFormat.TEXT: ("audionews.ingest.text", "parse_text"),
    InputFormat.HTML: ("audionews.ingest.html", "parse_html"),
    InputFormat.MARKDOWN: ("audionews.ingest.markdown", "parse_markdown"),
}


def parser(fmt: InputFormat) -> Callable[[str], Article]:
    """Return the parser of a format."""
    module, function = PARSERS[fmt]
    parse: Callable[[str], Article] = getattr(import_module(module), function)
    return parse


#: File extensions (lowercase, with dot) and the format they name.
EXTENSIONS: dict[str, InputFormat] = {
    ".txt": InputFormat.TEXT,
    ".text": InputFormat.TEXT,
    ".html": InputFormat.HTML,
    ".htm": InputFormat.HTML,
    ".xhtml": InputFormat.HTML,
    ".md": InputFormat.MARKDOWN,
    ".markdown": InputFormat.MARKDOWN,
    ".mdown": InputFormat.MARKDOWN,
    ".mkd": InputFormat.MARKDOWN,
}
#: Other names people use for the formats (`--format md`).
FORMAT_ALIASES: dict[str, InputFormat] = {
    "txt": InputFormat.TEXT,
    "plain": InputFormat.TEXT,
    "htm": InputFormat.HTML,
    "md": InputFormat.MARKDOWN,
}

#: Only the start of a document is sniffed: enough to see a doctype, a tag or front matter.
SNIFF_CHARS = 4096
_HTML_START_RE = re.compile(r"\s*(?:<!doctype html|<html\b|<\?xml[^>]*>\s*<html\b)", re.IGNORECASE)
_HTML_TAG_RE = re.compile(
    r"<(?:p|div|article|main|body|h[1-6]|section|span|ul|ol|li|figure|blockquote|br|a)\b[^>]{0,300}>",
    re.IGNORECASE,
)
_FRONT_MATTER_RE = re.compile(r"---[ \t]*\r?\n")
_MARKDOWN_RE = re.compile(
    r"^(?:#{1,6} \S|> \S|```)|\[[^\]\n]{1,200}\]\([^)\s]{1,500}\)",
    re.MULTILINE,
)
#: Control bytes that never occur in text (NUL and friends): their presence means binary data.
_BINARY_RE = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def read_article(
    data: bytes, *, filename: str | None = None, source_format: str | None = None
) -> Article:
    """Decode `data` (UTF-8, BOM allowed), detect or take its format, and parse it."""
    text = decode(data)
    chosen = _normalise_format(source_format) if source_format else detect_format(text, filename)
    return parser(chosen)(text)


def decode(data: bytes) -> str:
    """Return `data` as text, or raise InputError saying why it is not a readable article."""
    if not data.strip():
        raise InputError("input is empty: give an article's text, HTML or Markdown")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise InputError(
            f"input is not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}): "
            "save the article as UTF-8"
        ) from None
    binary = _BINARY_RE.search(text[:SNIFF_CHARS])
    if binary:
        raise InputError(
            f"input looks binary (control character 0x{ord(binary.group()):02x} at offset "
            f"{binary.start()}): give a text, HTML or Markdown article, not a binary file"
        )
    if not text.strip():
        raise InputError("input is empty: give an article's text, HTML or Markdown")
    return text


def detect_format(data_text: str, filename: str | None) -> InputFormat:
    """Return the article's format from the file extension, else from the content."""
    if filename:
        by_extension = EXTENSIONS.get(PurePath(filename).suffix.lower())
        if by_extension:
            return by_extension
    head = data_text[:SNIFF_CHARS].lstrip("\ufeff")
    if _HTML_START_RE.match(head) or len(_HTML_TAG_RE.findall(head)) >= 2:
        return InputFormat.HTML
    if _FRONT_MATTER_RE.match(head) or _MARKDOWN_RE.search(head):
        return InputFormat.MARKDOWN
    return InputFormat.TEXT


def _normalise_format(source_format: str) -> InputFormat:
    """Return the canonical format, or raise InputError listing the accepted ones."""
    name = source_format.strip().lower()
    try:
        return FORMAT_ALIASES.get(name) or InputFormat(name)
    except ValueError:
        formats = ", ".join(InputFormat)
        raise InputError(f"unknown format {source_format!r}: use one of {formats}") from None
