"""Extraction quality on a small golden set, scored like the extraction benchmark.

tests/data/extraction/<page>.html is a complete, realistic page (site header and menus,
sidebars, related links, comments, galleries, footers around the story) and <page>.body.txt is
the article body a listener should hear, one block a line: paragraphs, subheadings, quotes, list
items, key points and notices, but not the headline, kicker, byline or standfirst, which are
read in the opening. The pages differ in shape from the class articles of
test_ingest_classes.py: a wire story on a newspaper site, a long read with pull quotes, a live
blog, a blog post with responses, a local page with many sidebars, a page with an inline gallery
and a data table.

Each page is read twice, as `audionews script` would: as HTML, and as the text a reader gets by
selecting the page in a browser and copying it (html-text's `extract_text(guess_layout=True)`,
as in bench/extraction.py). What is scored is the script's body: the `text` of the paragraph,
subheading, key point, list item, notice and quote segments of every chapter but the opening
and the closing. The metric is the Article Extraction Benchmark's word-shingle precision,
recall and F1 (tests/shingles.py), so a figure here means the same as in bench/extraction.py.

Thresholds: F1 >= 0.9 per page and a mean F1 (over pages) >= 0.97 for HTML; for copied text,
which has lost the markup, >= 0.85 per page and >= 0.92 on average.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import html_text
import pytest

from audionews.config import Settings
from audionews.errors import AudionewsError
from audionews.models import ChapterKind, Script, SegmentKind
from audionews.pipeline import make_script
from shingles import prf

PAGES_DIR = Path(__file__).parent / "data" / "extraction"
PAGES = sorted(PAGES_DIR.glob("*.html"))

BODY_SEGMENTS = frozenset(
    {
        SegmentKind.PARAGRAPH,
        SegmentKind.SUBHEADING,
        SegmentKind.KEY_POINT,
        SegmentKind.LIST_ITEM,
        SegmentKind.NOTICE,
        SegmentKind.QUOTE,
    }
)
NOT_BODY_CHAPTERS = frozenset({ChapterKind.OPENING, ChapterKind.CLOSING})

MIN_HTML_F1 = 0.9
MIN_HTML_MEAN_F1 = 0.97
MIN_TEXT_F1 = 0.85
MIN_TEXT_MEAN_F1 = 0.92


@dataclass(frozen=True)
class Score:
    """One page read one way: what was heard and how it compares with body.txt."""

    page: str
    reader: str  # "html" or "copied text"
    truth: str
    heard: str
    error: str  # the error that made the output empty, "" if none
    precision: float
    recall: float
    f1: float

    def explain(self) -> str:
        """Return the figures and the lines missed or added, for the assertion message."""
        truth_lines = [line for line in self.truth.splitlines() if line.strip()]
        heard_lines = [line for line in self.heard.splitlines() if line.strip()]
        missed = [line for line in truth_lines if line not in self.heard]
        added = [line for line in heard_lines if line not in self.truth]
        parts = [
            f"{self.page} read as {self.reader}: precision {self.precision:.3f}, "
            f"recall {self.recall:.3f}, F1 {self.f1:.3f}"
        ]
        if self.error:
            parts.append(f"error: {self.error}")
        parts += [f"  missed: {line[:100]}" for line in missed[:6]]
        parts += [f"  added:  {line[:100]}" for line in added[:6]]
        return "\n".join(parts)


def body_text(script: Script) -> str:
    """Return the script's body as heard, one segment a line (see the module docstring)."""
    return "\n".join(
        segment.text
        for chapter in script.chapters
        if chapter.kind not in NOT_BODY_CHAPTERS
        for segment in chapter.segments
        if segment.kind in BODY_SEGMENTS and segment.text.strip()
    )


def copied_text(html: str) -> str:
    """Return the text a reader gets by selecting the whole page and copying it."""
    return str(html_text.extract_text(html, guess_layout=True))


def score(page: Path, reader: str, settings: Settings) -> Score:
    html = page.read_text(encoding="utf-8")
    truth = page.with_suffix(".body.txt").read_text(encoding="utf-8")
    if reader == "html":
        data, filename = html.encode("utf-8"), page.name
    else:
        data, filename = copied_text(html).encode("utf-8"), page.stem + ".txt"
    heard, error = "", ""
    try:
        heard = body_text(make_script(data, settings, filename=filename))
    except AudionewsError as exc:
        error = f"{type(exc).__name__}: {exc}"
    precision, recall, f1 = prf(truth, heard)
    return Score(page.stem, reader, truth, heard, error, precision, recall, f1)


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Score]:
    """Read every page both ways once for the whole module."""
    root = tmp_path_factory.mktemp("extraction")
    settings = Settings(
        instance_dir=root / "instance", feed_dir=root / "feed", voices_dir=root / "voices"
    )
    return {
        (page.stem, reader): score(page, reader, settings)
        for page in PAGES
        for reader in ("html", "copied text")
    }


def test_golden_set_is_complete() -> None:
    """Every page has its body.txt, and there are the six shapes the set is meant to cover."""
    assert len(PAGES) >= 6, f"expected at least 6 pages in {PAGES_DIR}"
    missing = [p.name for p in PAGES if not p.with_suffix(".body.txt").exists()]
    assert not missing, f"pages without a .body.txt: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_html_page_f1(page: Path, scores: dict[tuple[str, str], Score]) -> None:
    """Reading the page's HTML gives its body (per-page F1 floor)."""
    result = scores[(page.stem, "html")]
    assert result.f1 >= MIN_HTML_F1, result.explain()


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_copied_text_page_f1(page: Path, scores: dict[tuple[str, str], Score]) -> None:
    """Reading the page copied as text gives its body (per-page F1 floor)."""
    result = scores[(page.stem, "copied text")]
    assert result.f1 >= MIN_TEXT_F1, result.explain()


def test_html_mean_f1(scores: dict[tuple[str, str], Score]) -> None:
    """Over the set, HTML reading is close to perfect."""
    results = [s for (_, reader), s in scores.items() if reader == "html"]
    mean = statistics.mean(s.f1 for s in results)
    table = "\n".join(f"  {s.page}: F1 {s.f1:.3f}" for s in results)
    assert mean >= MIN_HTML_MEAN_F1, f"mean HTML F1 {mean:.3f} < {MIN_HTML_MEAN_F1}\n{table}"


def test_copied_text_mean_f1(scores: dict[tuple[str, str], Score]) -> None:
    """Over the set, reading copied text is nearly as good as reading the HTML."""
    results = [s for (_, reader), s in scores.items() if reader == "copied text"]
    mean = statistics.mean(s.f1 for s in results)
    table = "\n".join(f"  {s.page}: F1 {s.f1:.3f}" for s in results)
    assert mean >= MIN_TEXT_MEAN_F1, f"mean copied-text F1 {mean:.3f} < {MIN_TEXT_MEAN_F1}\n{table}"
