"""Find a page's main text with trafilatura, and say which of our blocks belong to it.

Main-content detection is a field of its own, and trafilatura (Apache-2.0, maintained, the best
open extractor on the article-extraction benchmarks) does it better than the class-name rules we
had: bench/extraction.py measures both on public corpora side by side. What trafilatura cannot
give is what only audionews does (kicker, standfirst, key points, notices, captions, bylines, the
list of what was dropped and why), so the HTML reader still walks the page itself and asks this
module one question per block: is this text part of the article?

The answer compares word trigrams, not strings: trafilatura and our walker cut, join and space
blocks differently ("<br>" lines, inline boxes), but a block of the article shares most of its
trigrams with trafilatura's text, and a teaser or a menu shares few.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audionews.ingest.rules import word_trigrams, words

#: Below this many words, trafilatura found no article (an index page, a teaser): our own
#: scoping rules read the page instead.
MIN_CONTENT_WORDS = 40
#: A block belongs to the article when this share of its word trigrams is in the main text.
MIN_SHARED = 0.5


@dataclass(frozen=True)
class MainText:
    """The words of the page's main text, as trafilatura found it."""

    trigrams: frozenset[tuple[str, ...]]
    short_blocks: frozenset[tuple[str, ...]]  # whole blocks of one or two words ("Background")
    word_count: int
    #: Answers so far: the prose count and the walker ask about the same blocks.
    answers: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def holds(self, text: str) -> bool:
        """Say whether `text` (one block as our walker read it) is part of the main text."""
        answer = self.answers.get(text)
        if answer is None:
            answer = self.answers[text] = self.share(text) >= MIN_SHARED
        return answer

    def share(self, text: str) -> float:
        """Return the share of `text`'s word trigrams found in the main text (0.0 to 1.0)."""
        tokens, own = word_trigrams(text)
        if len(tokens) < 3:
            return 1.0 if tokens in self.short_blocks else 0.0
        return len(own & self.trigrams) / len(own)


def _words_within(element: Any, short: set[tuple[str, ...]]) -> list[str]:
    """Return the words of `element`'s text (tails inside it included), in order, adding every
    inner element and tail of fewer than three words to `short`.

    One pass from the leaves up: joining each element's itertext() anew reads every text once
    per element above it.
    """
    found = words(element.text or "")
    for child in element:
        inner = _words_within(child, short)
        tail = words(child.tail or "")
        for piece in (inner, tail):
            if 0 < len(piece) < 3:
                short.add(tuple(piece))
        found += inner
        found += tail
    return found


def main_text(html: str) -> MainText | None:
    """Return the page's main text, or None when trafilatura finds no article in it."""
    # Imported here: trafilatura and its date and URL helpers cost ~0.25 s to import, which a
    # text or Markdown article never needs.
    from trafilatura import bare_extraction

    try:
        # fast: without trafilatura's fallback comparison with readability and jusText, most of
        # its time (bench/extraction.py compares the result); comments are never the article.
        # output_format "txt" leaves the body tree as it is (we read the tree); "python" would
        # also render it as text, which we never read.
        document = bare_extraction(
            html,
            fast=True,
            include_comments=False,
            include_tables=True,
            with_metadata=False,
            output_format="txt",
        )
    except (ValueError, TypeError, RecursionError):  # trafilatura's own failures on odd markup
        return None
    body = getattr(document, "body", None)
    if body is None:
        return None
    grams: set[tuple[str, ...]] = set()
    short: set[tuple[str, ...]] = set()
    total = len(words(body.text or ""))
    # A block's trigrams are among its parent's, so the top-level blocks give them all, with the
    # text after each (its tail: "<head>...</head>The price of ...").
    for element in body:
        for tokens in (_words_within(element, short), words(element.tail or "")):
            if 0 < len(tokens) < 3:
                short.add(tuple(tokens))
            grams.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
            total += len(tokens)
    if total < MIN_CONTENT_WORDS:
        return None
    return MainText(frozenset(grams), frozenset(short), total)
