"""Benchmark article extraction on two public corpora with ground truth, beside trafilatura.

    .venv/bin/python bench/extraction.py [--corpus readability|scrapinghub|all] [--worst N]
        [--show PAGE_ID] [--copy html-text|chromium] [--json]

Scores, per page and in one run, four readers of the same HTML against the page's ground truth:
  - audionews HTML: `make_script(html, source_format="html")`;
  - trafilatura: `trafilatura.extract(html)`, default settings (its version is printed);
  - audionews copied text: `make_script(copied, source_format="text")`, where `copied` is the
    text a reader gets by selecting the page in a browser and copying it: html-text's
    `extract_text(html, guess_layout=True)` by default, or with `--copy chromium`
    `document.body.innerText` in Debian's Chromium (JavaScript off, every request aborted);
  - copied text, no cleaning: the copied text itself, the floor any cleaning must beat.
Our output is the script's body: the `text` of every paragraph, subheading, key point, list
item, notice and quote segment of every chapter but the opening (kicker, headline, standfirst,
byline) and the closing, one segment a line.

The metric is the Article Extraction Benchmark's (tests/shingles.py: 4-word shingles, per-page
precision and recall averaged over pages, F1 of the two means), so the scrapinghub figures
compare with its published table. Headline figures are over English pages only (py3langid on
the ground truth): audionews refuses languages it has no voice for, so other pages are skipped
and only counted. On an English page, a refusal (UnsupportedLanguageError) or any other error
counts as empty output and is listed at the end; InputError "no article text" / "input is
empty" is just empty output. An empty output costs recall only, as in the benchmark.

Ground truth: scrapinghub, `articleBody` of ground-truth.json (no headline). Readability, the
text of expected.html, one line per block element (lxml); Readability already leaves out the
headline on almost every page, so where the first line still equals the title of
expected-metadata.json it is dropped too: no corpus then counts the headline, which audionews
reads in the opening, not the body.

Also timed, per page in the same run (TIMERS): audionews reading the HTML (read_article, what
ingest does) and making its script, beside trafilatura.extract with and without metadata
(audionews reads the headline, byline and date too), as ratios of the totals to plain
trafilatura.extract. Each audionews timing starts with ingest's remembered text answers
forgotten, so the read is not warmed by the script made of the same page just before.
`--worst N` lists the N lowest-F1 pages of audionews HTML and
of audionews copied text with the longest missed or added passage; `--show PAGE_ID` (a page id,
`corpus/id` or a unique prefix) prints that page's ground truth, our outputs and every missed
and added passage in full, each missed one with what audionews did with it (dropped as what,
read in the opening, kept as a caption) when that can be found. `--json` prints every figure
as one JSON object.

Corpora live outside the repo in $AUDIONEWS_BENCH_CACHE (default ~/.cache/audionews-bench):
    readability/   git clone https://github.com/mozilla/readability
    scrapinghub/   git clone https://github.com/scrapinghub/article-extraction-benchmark
    copied/<corpus>/<id>.txt, copied-chromium/<corpus>/<id>.txt   copied text, made on first use
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from shingles import (  # noqa: E402
    SHINGLE,
    TOKEN_RE,
    Match,
    f1_score,
    match,
    mean_prf,
    precision_score,
    recall_score,
    shingle_counts,
    tokenize,
)

CACHE = Path(os.environ.get("AUDIONEWS_BENCH_CACHE") or "~/.cache/audionews-bench").expanduser()
SOURCES = {
    "readability": "https://github.com/mozilla/readability",
    "scrapinghub": "https://github.com/scrapinghub/article-extraction-benchmark",
}
WORKERS = 2
#: What is timed per page, side by side in one run (the ratios are to trafilatura.extract).
TIMERS = {
    "read": "audionews reading (read_article: HTML -> Article)",
    "script": "audionews script (make_script: + language, plan)",
    "trafilatura": "trafilatura.extract (default settings)",
    "trafilatura-metadata": "trafilatura.extract(with_metadata=True)",
}
READERS = {  # key: label, in table order
    "html": "audionews HTML",
    "trafilatura": "trafilatura",
    "copied": "audionews copied text",
    "copied-raw": "copied text, no cleaning",
}
BODY_SEGMENTS = {"paragraph", "subheading", "key_point", "list_item", "notice", "quote"}
NOT_BODY_CHAPTERS = {"opening", "closing"}
QUIET_ERRORS = ("InputError: no article text", "InputError: input is empty")  # = empty output
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div",
    "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
}  # fmt: skip
SKIP_TAGS = {"script", "style", "noscript", "template"}


# --------------------------------------------------------------------------- corpora


@dataclass
class Page:
    corpus: str
    id: str
    html: str
    truth: str
    language: str = ""

    @property
    def key(self) -> str:
        return f"{self.corpus}/{self.id}"

    @property
    def short(self) -> str:
        """The key with scrapinghub's 64-hex ids cut to 12 characters (still unique)."""
        return f"{self.corpus}/{self.id[:12]}" if len(self.id) == 64 else self.key


def missing_corpora(names: Iterable[str]) -> list[str]:
    """Return one line per corpus that is not in the cache, saying how to fetch it."""
    checks = {"readability": "test/test-pages", "scrapinghub": "ground-truth.json"}
    return [
        f"missing corpus {name}: run `git clone {SOURCES[name]} {CACHE / name}` "
        "(or set AUDIONEWS_BENCH_CACHE to the folder that holds it)"
        for name in names
        if not (CACHE / name / checks[name]).exists()
    ]


def block_text(root: Any) -> str:
    """Return the text of an lxml element, one line per block element, spaces collapsed."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIP_TAGS or not tag:
            return  # the tail, which is not the element's, is added by the parent
        block = tag in BLOCK_TAGS
        if block:
            parts.append("\n")
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        if block:
            parts.append("\n")

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def load_readability() -> list[Page]:
    import lxml.html

    pages = []
    for folder in sorted((CACHE / "readability" / "test" / "test-pages").iterdir()):
        source, expected = folder / "source.html", folder / "expected.html"
        if not (source.exists() and expected.exists()):
            continue
        truth = block_text(lxml.html.fromstring(expected.read_text(encoding="utf-8")))
        meta_path = folder / "expected-metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        first, _, rest = truth.partition("\n")
        if first and first == " ".join((meta.get("title") or "").split()):
            truth = rest
        html = source.read_bytes().decode("utf-8", errors="replace")
        pages.append(Page("readability", folder.name, html, truth))
    return pages


def load_scrapinghub() -> list[Page]:
    root = CACHE / "scrapinghub"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as f:
            html = f.read()
        pages.append(Page("scrapinghub", page_id, html, truth[page_id].get("articleBody") or ""))
    return pages


def load_pages(corpora: list[str]) -> list[Page]:
    import py3langid

    loaders = {"readability": load_readability, "scrapinghub": load_scrapinghub}
    pages = [page for name in corpora for page in loaders[name]()]
    for page in pages:
        page.language = py3langid.classify(page.truth)[0] if page.truth.strip() else ""
    return pages


# --------------------------------------------------------------------------- copied text


def copied_path(page: Page, method: str) -> Path:
    folder = "copied" if method == "html-text" else "copied-chromium"
    return CACHE / folder / page.corpus / f"{page.id}.txt"


def write_cached(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)


def html_text_copy(page: Page) -> str:
    """Return (and cache) html-text's rendering of the page: what a browser copy gives."""
    path = copied_path(page, "html-text")
    if path.exists():
        return path.read_text(encoding="utf-8")
    import html_text

    text = html_text.extract_text(page.html, guess_layout=True)
    write_cached(path, text)
    return text


class ChromiumCopier:
    """Debian's Chromium, driven by Playwright: the page's innerText, JavaScript off, offline."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        self._context = self._browser.new_context(java_script_enabled=False)
        self._context.route("**/*", lambda route: route.abort())
        self._page = self._context.new_page()

    def copy(self, html: str) -> str:
        self._page.set_content(html, wait_until="load", timeout=30_000)
        text = self._page.evaluate("document.body ? document.body.innerText : ''")
        return str(text or "")

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


def chromium_copies(pages: list[Page], errors: list[str]) -> dict[str, str]:
    """Return page key -> Chromium's copied text for `pages`, from the cache or made now."""
    copies: dict[str, str] = {}
    todo = []
    for page in pages:
        path = copied_path(page, "chromium")
        if path.exists():
            copies[page.key] = path.read_text(encoding="utf-8")
        else:
            todo.append(page)
    if not todo:
        return copies
    copier = ChromiumCopier()
    try:
        for page in todo:
            try:
                text = copier.copy(page.html)
            except Exception as exc:  # a page that will not load is empty, not fatal
                errors.append(f"{page.key} [chromium copy]: {first_line(exc)}")
                copies[page.key] = ""
                continue
            write_cached(copied_path(page, "chromium"), text)
            copies[page.key] = text
    finally:
        copier.close()
    return copies


# --------------------------------------------------------------------------- readers

_worker: dict[str, Any] = {}


def init_worker(instance_root: str) -> None:
    """Make one Settings per process and warm the imports so page timings are steady."""
    import trafilatura

    from audionews.config import Settings

    root = Path(tempfile.mkdtemp(dir=instance_root))
    _worker["settings"] = Settings(
        instance_dir=root / "instance", feed_dir=root / "feed", voices_dir=REPO / "voices"
    )
    warm = "<html lang=en><body><article><h1>Warm</h1><p>Warm up the readers now.</p>"
    run_audionews(warm, "html")
    run_audionews("Warm\n\nWarm up the readers now.\n", "text")
    trafilatura.extract(warm)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def run_audionews(source: str, source_format: str) -> tuple[Any, str]:
    """Return (script or None, error line or "") for make_script on `source`."""
    from audionews.pipeline import make_script

    try:
        script = make_script(
            source.encode("utf-8"), _worker["settings"], source_format=source_format
        )
    except Exception as exc:
        return None, first_line(exc)
    return script, ""


def body_segments(script: Any) -> list[tuple[str, str]]:
    """Return (segment kind, text) for the body of the script, in reading order."""
    if script is None:
        return []
    return [
        (str(segment.kind), segment.text)
        for chapter in script.chapters
        if str(chapter.kind) not in NOT_BODY_CHAPTERS
        for segment in chapter.segments
        if str(segment.kind) in BODY_SEGMENTS and segment.text.strip()
    ]


def body_text(script: Any) -> str:
    return "\n".join(text for _, text in body_segments(script))


@dataclass
class Result:
    """One page's outputs and matches per reader (keys of READERS) and its two timings."""

    key: str
    outputs: dict[str, str]
    matches: dict[str, Match]
    notes: dict[str, str] = field(default_factory=dict)  # reader -> error line, quiet ones too
    seconds: dict[str, float] = field(default_factory=dict)  # TIMERS key -> time on this page

    @property
    def errors(self) -> dict[str, str]:
        """Reader -> error line, for errors that are more than an empty output."""
        return {k: v for k, v in self.notes.items() if not v.startswith(QUIET_ERRORS)}


def forget_remembered_texts() -> None:
    """Empty ingest's caches of text answers (clean_text, trigrams, rules), so each timed read
    of a page starts cold, as a page read once does, not warm from the read before it."""
    from audionews.ingest import html, rules

    for module in (rules, html):
        for value in vars(module).values():
            getattr(value, "cache_clear", lambda: None)()


def score_page(page: Page, copied: str | None) -> Result:
    """Run the four readers on one page (in a worker) and match each against the truth."""
    import trafilatura

    from audionews.errors import AudionewsError
    from audionews.ingest.detect import read_article

    seconds = {}
    forget_remembered_texts()
    start = time.perf_counter()
    script, html_error = run_audionews(page.html, "html")
    seconds["script"] = time.perf_counter() - start
    forget_remembered_texts()
    start = time.perf_counter()
    with contextlib.suppress(AudionewsError):
        read_article(page.html.encode(), source_format="html")
    seconds["read"] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        extracted = trafilatura.extract(page.html) or ""
    except Exception as exc:
        extracted, traf_error = "", first_line(exc)
    else:
        traf_error = ""
    seconds["trafilatura"] = time.perf_counter() - start
    start = time.perf_counter()
    with contextlib.suppress(Exception):
        trafilatura.extract(page.html, with_metadata=True)
    seconds["trafilatura-metadata"] = time.perf_counter() - start
    if copied is None:
        copied = html_text_copy(page)
    copied_script, copied_error = run_audionews(copied, "text")
    outputs = {
        "html": body_text(script),
        "trafilatura": extracted,
        "copied": body_text(copied_script),
        "copied-raw": copied,
    }
    errors = {"html": html_error, "trafilatura": traf_error, "copied": copied_error}
    return Result(
        page.key,
        outputs,
        {reader: match(page.truth, text) for reader, text in outputs.items()},
        {reader: error for reader, error in errors.items() if error},
        seconds,
    )


def score_all(pages: list[Page], copies: dict[str, str] | None) -> list[Result]:
    """Score `pages` in a pool of WORKERS processes, in page order."""
    copied = [copies.get(p.key, "") if copies is not None else None for p in pages]
    with (
        tempfile.TemporaryDirectory(prefix="audionews-bench-") as tmp,
        ProcessPoolExecutor(WORKERS, initializer=init_worker, initargs=(tmp,)) as pool,
    ):
        return list(pool.map(score_page, pages, copied, chunksize=4))


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True)
class Span:
    """A passage of one text with no shingle matched in the other: chars [start, end)."""

    start: int
    end: int
    words: int


def unmatched_spans(text: str, other: str) -> list[Span]:
    """Return the passages of `text` that no matched shingle covers, longest first.

    Each shingle of `text` is matched, left to right, while `other` still has an unused copy
    of it (the metric's min(count, count)); the words no matched shingle covers are the
    missing (or, for the prediction, the extra) words, grouped into maximal runs.
    """
    words = list(TOKEN_RE.finditer(text))
    budget = shingle_counts(other)
    covered = [False] * len(words)
    tokens = [w.group() for w in words]
    for i in range(max(1, len(tokens) - SHINGLE + 1)):
        shingle = tuple(tokens[i : i + SHINGLE])
        if shingle and budget[shingle] > 0:
            budget[shingle] -= 1
            covered[i : i + len(shingle)] = [True] * len(shingle)
    spans = []
    i = 0
    while i < len(words):
        if covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and not covered[j + 1]:
            j += 1
        spans.append(Span(words[i].start(), words[j].end(), j - i + 1))
        i = j + 1
    return sorted(spans, key=lambda s: (-s.words, s.start))


def opening(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def reason(truth: str, output: str, m: Match, error: str) -> str:
    """Return a one-line reason for a page's score: its longest missed or added passage."""
    if not output.strip():
        error = error.split(": give ")[0]  # the message without its advice
        return f"no output ({error})" if error else "no output"
    missed = unmatched_spans(truth, output)
    added = unmatched_spans(output, truth)
    missed_words, added_words = sum(s.words for s in missed), sum(s.words for s in added)
    _tp, fp, fn = m
    if fn >= fp and missed:
        span, other = missed[0], f"; added {added_words} words" if added_words else ""
        text = truth[span.start : span.end]
        return f"missed {missed_words} words, longest {span.words}: '{opening(text)}'{other}"
    if added:
        span, other = added[0], f"; missed {missed_words} words" if missed_words else ""
        text = output[span.start : span.end]
        return f"added {added_words} words, longest {span.words}: '{opening(text)}'{other}"
    return "same shingles, different order"


# --------------------------------------------------------------------------- report


def figures(results: Iterable[Result]) -> dict[str, dict[str, float]]:
    results = list(results)
    table = {}
    for reader in READERS:
        precision, recall, f1 = mean_prf(r.matches[reader] for r in results)
        empty = sum(1 for r in results if not r.outputs[reader].strip())
        table[reader] = {
            "pages": len(results),
            "f1": f1,
            "precision": precision,
            "recall": recall,
            "empty": empty,
        }
    return table


def page_prf(m: Match) -> tuple[float, float, float]:
    precision, recall = precision_score(*m), recall_score(*m)
    return precision, recall, f1_score(precision, recall)


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(
        f"  {'reader':<26} {'pages':>5}  {'F1':>6}  {'precision':>9}  {'recall':>6}  {'empty':>5}"
    )
    for reader, label in READERS.items():
        row = table[reader]
        print(
            f"  {label:<26} {row['pages']:>5}  {row['f1']:>6.3f}  {row['precision']:>9.3f}  "
            f"{row['recall']:>6.3f}  {row['empty']:>5}"
        )


def worst(pages: dict[str, Page], results: list[Result], reader: str, n: int) -> list[dict]:
    ranked = sorted(results, key=lambda r: (page_prf(r.matches[reader])[2], r.key))[:n]
    rows = []
    for r in ranked:
        page = pages[r.key]
        precision, recall, f1 = page_prf(r.matches[reader])
        why = reason(page.truth, r.outputs[reader], r.matches[reader], r.notes.get(reader, ""))
        rows.append(
            {"page": page.key, "f1": f1, "precision": precision, "recall": recall, "reason": why}
        )
    return rows


def describe_languages(pages: list[Page]) -> str:
    counts = collections.Counter(p.language or "none" for p in pages)
    return ", ".join(f"{lang} {n}" for lang, n in counts.most_common())


def code_state() -> str:
    """Return the commit measured, and whether src/ had uncommitted changes then."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        return run.stdout.strip() if run.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "src")
    return f"{commit} + uncommitted changes in src/" if dirty else commit


def report(args: argparse.Namespace, pages: list[Page], results: list[Result], extra: dict) -> None:
    import trafilatura

    by_key = {p.key: p for p in pages}
    english = {r.key for r in results}
    corpora = sorted({p.corpus for p in pages}, key=list(SOURCES).index)
    tables = {name: figures(r for r in results if by_key[r.key].corpus == name) for name in corpora}
    tables["all"] = figures(results)
    others = [p for p in pages if p.key not in english]
    totals = {name: sum(r.seconds[name] for r in results) for name in TIMERS}
    worst_pages = {
        reader: worst(by_key, results, reader, args.worst) for reader in ("html", "copied")
    }
    errors = [
        f"{r.key} [{READERS[reader]}]: {error}"
        for r in results
        for reader, error in r.errors.items()
    ] + extra["copy_errors"]
    data = {
        "audionews": code_state(),
        "trafilatura_version": trafilatura.__version__,
        "copy": args.copy,
        "cache": str(CACHE),
        "figures": tables,
        "english_pages": len(results),
        "other_language_pages": {
            name: dict(collections.Counter(p.language for p in others if p.corpus == name))
            for name in corpora
        },
        "timing": {"pages": len(results), "seconds": totals},
        "worst": worst_pages,
        "errors": errors,
        "elapsed_s": extra["elapsed_s"],
    }
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    copy = "html-text extract_text(guess_layout=True)" if args.copy == "html-text" else "Chromium"
    print(f"audionews {code_state()}; trafilatura {trafilatura.__version__}")
    print(f"copied text: {copy}; cache: {CACHE}")
    for name in corpora:
        mine = [p for p in pages if p.corpus == name]
        skipped = [p for p in mine if p.key not in english]
        print_table(
            f"{name}: {len(mine) - len(skipped)} English pages of {len(mine)} "
            f"(skipped, other languages: {describe_languages(skipped) or 'none'})",
            tables[name],
        )
    if len(corpora) > 1:
        print_table(f"all English pages: {len(results)}", tables["all"])
    print("\n  F1 = harmonic mean of the mean precision and mean recall (evaluate.py); empty")
    print("  outputs count in recall only, as in the benchmark.")
    if results:
        print(f"\ntime, {len(results)} HTML pages, one after another in each worker:")
        for name, label in TIMERS.items():
            median = 1000 * statistics.median(r.seconds[name] for r in results)
            print(
                f"  {label:<52} {totals[name]:6.2f} s  median {median:5.1f} ms/page"
                f"  x{totals[name] / totals['trafilatura']:.2f} of trafilatura.extract"
            )
    for reader, rows in worst_pages.items():
        print(f"\nworst {len(rows)} pages, {READERS[reader]} (F1 P R: reason):")
        width = max((len(by_key[row["page"]].short) for row in rows), default=0)
        for row in rows:
            name = by_key[row["page"]].short
            print(
                f"  {name:<{width}} {row['f1']:.3f} {row['precision']:.3f} "
                f"{row['recall']:.3f}  {row['reason']}"
            )
    if errors:
        print(f"\nerrors ({len(errors)}; scored as empty output):")
        for line in errors:
            print(f"  {line}")
    else:
        print("\nerrors: none")
    print(f"\nrun: {extra['elapsed_s']:.1f} s ({WORKERS} processes)")


# --------------------------------------------------------------------------- --show


def find_page(pages: list[Page], wanted: str) -> Page:
    exact = [p for p in pages if wanted in (p.key, p.id)]
    if exact:
        return exact[0]
    found = [p for p in pages if p.key.startswith(wanted) or p.id.startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(p.short for p in found[:8])
        raise SystemExit(f"page {wanted!r} is ambiguous: {names}{' …' if len(found) > 8 else ''}")
    raise SystemExit(f"no page {wanted!r}: give a page id as --worst prints it (corpus/id)")


def origins(script: Any) -> list[tuple[str, str]]:
    """Return (what audionews did, text) for everything it read but did not put in the body."""
    if script is None:
        return []
    article = script.article
    found = [
        (f"read in the opening as {segment.kind}", segment.text)
        for chapter in script.chapters
        if str(chapter.kind) == "opening"
        for segment in chapter.segments
    ]
    found += [("kept as a caption", c.text) for c in article.captions]
    found += [
        (f"dropped as {d.kind}" + (f" ({d.reason})" if d.reason else ""), d.text)
        for d in article.dropped
    ]
    return found


def token_ranges(needle: list[str], haystack: list[str]) -> list[range]:
    """Return the token ranges where `needle` occurs, whole words, in `haystack`."""
    if not needle:
        return []
    joined, wanted = f" {' '.join(haystack)} ", f" {' '.join(needle)} "
    ranges, at = [], joined.find(wanted)
    while at >= 0:
        first = joined.count(" ", 0, at)
        ranges.append(range(first, first + len(needle)))
        at = joined.find(wanted, at + 1)
    return ranges


def explain(truth: str, span: Span, script: Any) -> list[str]:
    """Return what audionews did with a missed passage of the truth.

    An item it read elsewhere or dropped explains the passage when the item occurs in the truth
    over some of the passage's words, or when the passage (a shingle or more) lies inside it.
    """
    words = [w.group() for w in TOKEN_RE.finditer(truth)]
    first = len(TOKEN_RE.findall(truth[: span.start]))
    passage = range(first, first + span.words)
    notes: dict[str, list[str]] = {}
    for what, text in origins(script):
        item = tokenize(text)
        inside = span.words >= SHINGLE and token_ranges(words[passage.start : passage.stop], item)
        overlaps = any(
            r.start < passage.stop and passage.start < r.stop for r in token_ranges(item, words)
        )
        if inside or overlaps:
            notes.setdefault(text, []).append(what)
    return [f"{'; '.join(whats)}: '{opening(text, 10)}'" for text, whats in notes.items()]


def segment_kinds(segments: list[tuple[str, str]], start: int, end: int) -> str:
    """Return the kinds of the body segments that chars [start, end) of the body fall in."""
    kinds, offset = [], 0
    for kind, text in segments:
        if offset < end and start < offset + len(text) and kind not in kinds:
            kinds.append(kind)
        offset += len(text) + 1
    return "/".join(kinds)


def show_passages(
    label: str, truth: str, segments: list[tuple[str, str]], script: Any, error: str
) -> None:
    output = "\n".join(text for _, text in segments)
    precision, recall, f1 = page_prf(match(truth, output))
    print(f"\n=== {label}: F1 {f1:.3f}  P {precision:.3f}  R {recall:.3f} ===")
    if error:
        print(f"error: {error}")
    if script is not None:
        article = script.article
        print(
            f"headline: {article.headline!r}; language {script.language}; "
            f"{len(script.chapters)} chapters; {len(article.dropped)} dropped; "
            f"{len(article.captions)} captions"
        )
    print(f"\n--- output ({len(tokenize(output))} words; [kind] per segment) ---")
    for kind, text in segments:
        print(f"[{kind}] {text}")
    missed = sorted(unmatched_spans(truth, output), key=lambda s: s.start)
    print(f"\n--- missed: {sum(s.words for s in missed)} words in {len(missed)} passages ---")
    for span in missed:
        print(f"\n[{span.words} words] {truth[span.start : span.end]}")
        notes = explain(truth, span, script) if script is not None else []
        for note in notes or ["not in the script, its dropped items or its captions"]:
            print(f"    <- {note}")
    added = sorted(unmatched_spans(output, truth), key=lambda s: s.start)
    print(f"\n--- added: {sum(s.words for s in added)} words in {len(added)} passages ---")
    for span in added:
        kinds = segment_kinds(segments, span.start, span.end)
        print(f"\n[{span.words} words, {kinds}] {output[span.start : span.end]}")


def show(args: argparse.Namespace, pages: list[Page]) -> None:
    import trafilatura

    page = find_page(pages, args.show)
    with tempfile.TemporaryDirectory(prefix="audionews-bench-") as tmp:
        init_worker(tmp)
        errors: list[str] = []
        if args.copy == "chromium":
            copied = chromium_copies([page], errors).get(page.key, "")
        else:
            copied = html_text_copy(page)
        result = score_page(page, copied)
        script, _ = run_audionews(page.html, "html")
        copied_script, _ = run_audionews(copied, "text")
    print(f"{page.key}  (ground truth language: {page.language or 'none'})")
    print(f"  {'reader':<26}  {'F1':>6}  {'P':>6}  {'R':>6}")
    for reader, label in READERS.items():
        precision, recall, f1 = page_prf(result.matches[reader])
        print(f"  {label:<26}  {f1:>6.3f}  {precision:>6.3f}  {recall:>6.3f}")
    print(f"  (trafilatura {trafilatura.__version__}; copied text: {args.copy})")
    for line in errors:
        print(f"  error: {line}")
    print(f"\n--- ground truth ({len(tokenize(page.truth))} words) ---\n{page.truth}")
    show_passages(
        "audionews HTML", page.truth, body_segments(script), script, result.notes.get("html", "")
    )
    show_passages(
        f"audionews copied text ({args.copy})",
        page.truth,
        body_segments(copied_script),
        copied_script,
        result.notes.get("copied", ""),
    )
    print(f"\n--- copied text ({args.copy}), as given to audionews ---\n{copied}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=[*SOURCES, "all"], default="all")
    parser.add_argument("--worst", type=int, default=10, metavar="N")
    parser.add_argument("--show", metavar="PAGE_ID")
    parser.add_argument("--copy", choices=["html-text", "chromium"], default="html-text")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpora = list(SOURCES) if args.corpus == "all" else [args.corpus]
    if args.show and args.corpus == "all":
        corpora = [c for c in corpora if not missing_corpora([c])] or corpora
    missing = missing_corpora(corpora)
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    if args.copy == "chromium" and not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: run `apt-get install chromium`", file=sys.stderr)
        return 2
    started = time.perf_counter()
    pages = load_pages(corpora)
    if args.show:
        show(args, pages)
        return 0
    english = [p for p in pages if p.language == "en"]
    copy_errors: list[str] = []
    copies = chromium_copies(english, copy_errors) if args.copy == "chromium" else None
    results = score_all(english, copies)
    extra = {"copy_errors": copy_errors, "elapsed_s": time.perf_counter() - started}
    report(args, pages, results, extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
