"""A third corpus for article extraction, judged by its own snippet annotations, beside trafilatura.

    .venv/bin/python bench/extraction_snippets.py [--worst N] [--all-languages] [--json]

The corpus is trafilatura's evaluation set (tests/evaldata.json and the pages under tests/eval
and tests/cache of https://github.com/adbar/trafilatura, about 990 pages of news sites, blogs,
magazines and institutional pages): each page names up to six passages that the main text must
hold ("with") and up to six that it must not ("without": menus, dates, bylines, teasers,
footers, comments). It has no full ground truth, so it is scored as trafilatura scores it
(tests/eval_common.py there): a passage counts when it occurs in the output, whitespace
normalised; over all pages, precision = found "with" / (found "with" + found "without"), recall
= found "with" / all "with", F1 of the two. Counts are pooled over passages, not averaged per
page, as in trafilatura's table.

It is material audionews's rules were never tuned to (bench/extraction.py's corpora were), so
it checks that the rules generalise. trafilatura itself was developed against this set, which
favours it here.

Two outputs of audionews are scored per page:
  - body: what bench/extraction.py scores (the script's body segments, no opening or closing);
  - heard: every segment of the script a listener hears, the opening (headline, standfirst,
    byline, date) included: a "with" passage that audionews reads as the standfirst is heard,
    and a "without" date or byline that it reads in the opening is heard too.
Each is scored for the HTML and for the page as copied text (html-text, as bench/extraction.py
does), beside trafilatura.extract with default settings. Headline figures are over pages whose
text py3langid calls English (audionews refuses languages it has no voice for);
`--all-languages` scores every page (refusals then count as empty output).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import extraction  # bench/extraction.py: the readers and the copy of a page

ROOT = extraction.CACHE / "trafilatura" / "tests"
SOURCE = "https://github.com/adbar/trafilatura"
READERS = {  # key: label, in table order
    "html-body": "audionews HTML, body",
    "html-heard": "audionews HTML, heard",
    "trafilatura": "trafilatura",
    "copied-body": "audionews copied, body",
    "copied-heard": "audionews copied, heard",
    "copied-raw": "copied text, no cleaning",
}


@dataclass
class Snippets:
    page: extraction.Page
    url: str
    with_: list[str]
    without: list[str]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load() -> list[Snippets]:
    import py3langid

    annotations = json.loads((ROOT / "evaldata.json").read_text(encoding="utf-8"))
    found = []
    for url, item in sorted(annotations.items()):
        path = next(
            (
                p
                for p in (ROOT / "cache" / item["file"], ROOT / "eval" / item["file"])
                if p.exists()
            ),
            None,
        )
        if path is None:
            continue
        html = path.read_bytes().decode("utf-8", errors="replace")
        page = extraction.Page("trafilatura", Path(item["file"]).stem, html, "")
        found.append(Snippets(page, url, item["with"], item["without"]))
    for item in found:
        text = extraction.html_text_copy(item.page)[:5000]
        item.page.language = py3langid.classify(text)[0] if text.strip() else ""
    return found


def heard_text(script: Any) -> str:
    if script is None:
        return ""
    return "\n".join(
        segment.text for chapter in script.chapters for segment in chapter.segments if segment.text
    )


def read_page(item: Snippets) -> dict[str, str]:
    """Return each reader's output for one page (run in a worker)."""
    import trafilatura

    script, _ = extraction.run_audionews(item.page.html, "html")
    copied = extraction.html_text_copy(item.page)
    copied_script, _ = extraction.run_audionews(copied, "text")
    try:
        extracted = trafilatura.extract(item.page.html) or ""
    except Exception:
        extracted = ""
    return {
        "html-body": extraction.body_text(script),
        "html-heard": heard_text(script),
        "trafilatura": extracted,
        "copied-body": extraction.body_text(copied_script),
        "copied-heard": heard_text(copied_script),
        "copied-raw": copied,
    }


def counts(item: Snippets, output: str) -> tuple[int, int, int]:
    """Return (with found, with missed, without found) for one output."""
    text = norm(output)
    found = sum(1 for w in item.with_ if norm(w) in text)
    leaked = sum(1 for w in item.without if norm(w) in text)
    return found, len(item.with_) - found, leaked


def scores(rows: list[tuple[int, int, int]]) -> dict[str, float]:
    tp, fn, fp = (sum(column) for column in zip(*rows, strict=True)) if rows else (0, 0, 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pages": len(rows), "f1": f1, "precision": precision, "recall": recall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    worst_help = "list the N pages where audionews HTML (heard) misses or leaks most"
    parser.add_argument("--worst", type=int, default=10, metavar="N", help=worst_help)
    parser.add_argument("--all-languages", action="store_true", help="score every page")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (ROOT / "evaldata.json").exists():
        print(f"missing corpus: run `git clone {SOURCE} {ROOT.parent}` (or set "
              "AUDIONEWS_BENCH_CACHE to the folder that holds it)", file=sys.stderr)  # fmt: skip
        return 2
    items = load()
    languages = collections.Counter(i.page.language or "none" for i in items)
    if not args.all_languages:
        items = [i for i in items if i.page.language == "en"]
    with (
        tempfile.TemporaryDirectory(prefix="audionews-bench-") as tmp,
        ProcessPoolExecutor(
            extraction.WORKERS, initializer=extraction.init_worker, initargs=(tmp,)
        ) as pool,
    ):
        outputs = list(pool.map(read_page, items, chunksize=4))
    table = {
        reader: scores(
            [counts(item, out[reader]) for item, out in zip(items, outputs, strict=True)]
        )
        for reader in READERS
    }
    if args.json:
        print(json.dumps({"code": extraction.code_state(), "figures": table}, indent=2))
        return 0
    print(f"trafilatura's evaluation set: {sum(languages.values())} pages "
          f"({', '.join(f'{k} {n}' for k, n in languages.most_common(6))}, ...); "
          f"scored {len(items)}; {extraction.code_state()}")  # fmt: skip
    print(f"  {'reader':<26} {'pages':>5}  {'F1':>6}  {'precision':>9}  {'recall':>6}")
    for reader, label in READERS.items():
        row = table[reader]
        print(f"  {label:<26} {row['pages']:>5}  {row['f1']:>6.3f}  {row['precision']:>9.3f}  "
              f"{row['recall']:>6.3f}")  # fmt: skip
    ranked = sorted(
        zip(items, outputs, strict=True),
        key=lambda pair: -sum(counts(pair[0], pair[1]["html-heard"])[1:]),
    )
    print(f"\nworst {args.worst} pages for audionews HTML (heard): missed 'with', leaked 'without'")
    for item, out in ranked[: args.worst]:
        text = norm(out["html-heard"])
        missed = [w for w in item.with_ if norm(w) not in text]
        leaked = [w for w in item.without if norm(w) in text]
        print(f"  {item.page.id}: {len(missed)} missed, {len(leaked)} leaked")
        for label, passages in (("missed", missed), ("leaked", leaked)):
            for passage in passages:
                print(f"      {label}: {norm(passage)[:90]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
