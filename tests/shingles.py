"""Word-shingle precision, recall and F1 of an extracted article body against its ground truth.

The metric of the Article Extraction Benchmark (scrapinghub/article-extraction-benchmark,
evaluate.py: `string_shingle_matching`, `precision_score`, `recall_score` and
`metrics_from_tp_fp_fns`), reproduced exactly so our figures compare with its published table:

  - tokens are the `\\w+` runs of the text, case kept (its IGNORECASE flag changes nothing);
  - shingles are the runs of 4 consecutive tokens (a text of 1-3 tokens is one shorter shingle,
    an empty text has none), counted with a Counter;
  - per page, tp/fp/fn sum min(true, pred), pred - true and true - pred over the shingles, then
    are divided by tp + fp + fn so that long pages weigh no more than short ones;
  - precision is 1 when nothing is wrong (fp = fn = 0) and 0 when nothing was predicted;
    recall likewise;
  - over pages, precision is the mean of the per-page precisions of the pages where something
    was predicted (tp + fp > 0; an empty prediction only costs recall), recall the mean of the
    per-page recalls of the pages with a ground truth (tp + fn > 0), and F1 the harmonic mean of
    those two means (not the mean of per-page F1s).

Pure and stdlib-only: used by tests and by bench/extraction.py.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable

SHINGLE = 4
TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)

Match = tuple[float, float, float]  # (tp, fp, fn), normalised to sum to 1 unless all are 0


def tokenize(text: str | None) -> list[str]:
    """Return the words of `text` as evaluate.py sees them: `\\w+` runs, case kept."""
    return TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE) -> list[tuple[str, ...]]:
    """Return the n-token shingles of `text` in order (one shorter shingle for a short text)."""
    tokens = tokenize(text)
    found = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return [shingle for shingle in found if shingle]


def shingle_counts(text: str | None, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Return how many times each shingle of `text` occurs."""
    return Counter(shingles(text, n))


def match(true: str | None, pred: str | None, n: int = SHINGLE) -> Match:
    """Return a page's (tp, fp, fn) over shingles, normalised to sum to 1 (0s if both empty)."""
    true_counts = shingle_counts(true, n)
    pred_counts = shingle_counts(pred, n)
    tp = fp = fn = 0.0
    for key in true_counts.keys() | pred_counts.keys():
        t, p = true_counts.get(key, 0), pred_counts.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total > 0:
        return tp / total, fp / total, fn / total
    return tp, fp, fn


def precision_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def f1_score(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def prf(true: str | None, pred: str | None) -> tuple[float, float, float]:
    """Return one page's (precision, recall, F1), F1 being the harmonic mean of the two."""
    tp, fp, fn = match(true, pred)
    precision, recall = precision_score(tp, fp, fn), recall_score(tp, fp, fn)
    return precision, recall, f1_score(precision, recall)


def mean_prf(matches: Iterable[Match]) -> tuple[float, float, float]:
    """Return (precision, recall, F1) over pages from their `match` values, as evaluate.py does.

    Unlike evaluate.py, which raises, a set with no predicted page has precision 0 (and with
    no ground truth, recall 0), so that an empty selection prints rather than crashes.
    """
    matches = list(matches)
    predicted = [precision_score(*m) for m in matches if m[0] + m[1] > 0]
    expected = [recall_score(*m) for m in matches if m[0] + m[2] > 0]
    precision = statistics.mean(predicted) if predicted else 0.0
    recall = statistics.mean(expected) if expected else 0.0
    return precision, recall, f1_score(precision, recall)
