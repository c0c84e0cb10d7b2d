"""Property tests: ingest raises only AudionewsError, whatever bytes or text it is given."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audionews.errors import AudionewsError
from audionews.ingest.detect import read_article
from audionews.ingest.rules import match_boilerplate
from audionews.models import Article
from audionews.vocabulary import InputFormat

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TAGS = [
    "p",
    "div",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "aside",
    "nav",
    "span",
    "em",
    "br",
    "section",
    "time",
    "table",
]
_ATTRS = [
    "",
    ' class="dek"',
    ' class="cookie-banner"',
    ' class="section"',
    ' class="byline"',
    ' class="correction"',
    ' lang="en"',
    ' datetime="2026-01-02"',
    ' role="navigation"',
]
_WORDS = [
    "Advertisement",
    "Read more:",
    "By Jane Doe",
    "Correction: fixed.",
    "• item",
    "1. first",
    "Key takeaways",
    "May 11, 2026",
    "“Quoted.”",
    "Photo: A / Getty Images",
    "The council voted on Tuesday.",
    "📌 Points:",
    "---",
    "# Title",
    "\n",
    "\n\n",
    " ",
    "<",
    ">",
    "&amp;",
    "Scroll to Top",
    "EFE/EPA/NAME",
    "UPDATE (3:45 p.m.): more.",
]

html_fragments = st.lists(
    st.one_of(
        st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(_TAGS), st.sampled_from(_ATTRS)),
        st.builds(lambda t: f"</{t}>", st.sampled_from(_TAGS)),
        st.sampled_from(_WORDS),
        st.text(max_size=20),
    ),
    max_size=40,
).map("".join)
article_like_text = st.lists(
    st.one_of(st.sampled_from(_WORDS), st.text(max_size=30)), max_size=40
).map("\n".join)


def _read(data: bytes, source_format: str | None) -> Article | None:
    """Read `data`; return None when ingest refused it with one of our errors."""
    try:
        article = read_article(data, source_format=source_format)
    except AudionewsError as exc:
        message = str(exc)
        assert message and "\n" not in message
        return None
    assert article.headline.strip()
    for block in article.body:
        for text in (block.text, *block.items):
            assert match_boilerplate(text) is None, f"boilerplate {text!r} in {block.kind}"
    return article


@pytest.mark.parametrize("source_format", [None, *InputFormat])
@FAST
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_our_errors(source_format: str | None, data: bytes) -> None:
    _read(data, source_format)


@pytest.mark.parametrize("source_format", [None, *InputFormat])
@FAST
@given(text=st.one_of(st.text(max_size=300), article_like_text))
def test_arbitrary_text_raises_only_our_errors(source_format: str | None, text: str) -> None:
    _read(text.encode("utf-8", "surrogatepass"), source_format)


@pytest.mark.parametrize("source_format", [None, "html"])
@FAST
@given(text=html_fragments)
def test_arbitrary_html_raises_only_our_errors(source_format: str | None, text: str) -> None:
    _read(text.encode("utf-8", "surrogatepass"), source_format)
