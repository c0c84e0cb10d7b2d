"""Golden files for ingest: tests/data/articles/<case>.<ext> -> <case>.expected.json.

Each input file is read with `read_article` (format from its extension) and compared with the
expected `Article.to_dict()`. A new case is two new files. To (re)write the expected files after
an intended change, run

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_ingest_golden.py

and review every changed expected.json by eye: it must be what a listener should get.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from audionews.ingest.detect import read_article

ARTICLES = Path(__file__).parent / "data" / "articles"
INPUT_SUFFIXES = (".txt", ".html", ".htm", ".md", ".markdown")
CASES = sorted(p for p in ARTICLES.iterdir() if p.suffix in INPUT_SUFFIXES)


def _expected_path(source: Path) -> Path:
    return source.with_name(source.stem + ".expected.json")


@pytest.mark.parametrize("source", CASES, ids=[p.name for p in CASES])
def test_article_matches_golden(source: Path) -> None:
    actual = read_article(source.read_bytes(), filename=source.name).to_dict()
    expected_path = _expected_path(source)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        expected_path.write_text(text, encoding="utf-8")
    assert expected_path.exists(), f"missing {expected_path.name}: run with UPDATE_GOLDEN=1"
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


def test_no_two_inputs_share_an_expected_file() -> None:
    """Two inputs with one stem (case.html, case.txt) would overwrite each other's golden."""
    stems = [source.stem for source in CASES]
    assert len(stems) == len(set(stems)), sorted(s for s in stems if stems.count(s) > 1)
