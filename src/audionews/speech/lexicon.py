"""Editors' pronunciations: TOML lines, applied whole-word to the speech text. Pure.

The lines are kept in the database, so that every machine speaks with the same lexicon
(publish/pronunciations.py reads and edits them there; an older version's voices/lexicon.toml
is taken in once). They map a word or phrase to a respelling ("Guterres" = "goo-TEH-resh") or
to Piper phonemes in double brackets ("Zelenski" = "[[ zɛlˈɛnski ]]"), which Piper passes to
the model unchanged.
Each entry is one TOML line, read on its own: a broken line is skipped and reported with its
number (Lexicon.problems) while every other entry applies, so one bad entry never stops
publishing and the editor can still list and remove it.

Matching rules (so editors can predict them):
- whole words only: "Bruce" does not touch "Bruces" or "Brucefield";
- a key written all in lower case matches any case ("nato" matches "NATO" and "Nato");
  a key with a capital letter matches exactly that spelling ("Nice" the city, not "nice");
- the longest key wins where keys overlap ("New York Times" before "New York"), in one pass, so
  a replacement is never itself rewritten.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

LEXICON_FILE = "lexicon.toml"


@dataclass(frozen=True)
class Lexicon:
    """Pronunciation entries and the one regex that applies them."""

    entries: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    problems: tuple[LexiconProblem, ...] = ()  # lines of the file that are skipped

    def apply(self, speech: str) -> str:
        """Return `speech` with every entry replaced, whole-word, longest first."""
        if not self.entries:
            return speech
        pattern, exact, folded = _compiled(tuple(sorted(self.entries.items())))
        return pattern.sub(lambda m: exact.get(m.group(0)) or folded[m.group(0).lower()], speech)


@cache
def _compiled(
    items: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], dict[str, str], dict[str, str]]:
    exact = {k: v for k, v in items if k != k.lower()}
    folded = {k: v for k, v in items if k == k.lower()}
    keys = sorted((k for k, _ in items), key=len, reverse=True)
    alternatives = [re.escape(k) if k in exact else f"(?i:{re.escape(k)})" for k in keys]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    return pattern, exact, folded


def lexicon_path(voices_dir: Path) -> Path:
    """Return where the lexicon of a voices directory lives."""
    return voices_dir / LEXICON_FILE


@dataclass(frozen=True)
class LexiconLine:
    """One line of the lexicon file: an entry, a comment or blank line, or a broken line."""

    number: int  # 1-based
    raw: bytes  # exactly as in the file, without its line break
    text: str  # decoded (undecodable bytes shown as U+FFFD)
    entry: tuple[str, str] | None = None  # (word, spoken) of a readable entry
    problem: str = ""  # why the line is skipped; "" if it is fine


@dataclass(frozen=True)
class LexiconProblem:
    """A line of the lexicon file that is skipped, and why."""

    path: Path | None
    line: int
    text: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path or 'the lexicon'}"
        if not self.line:  # the whole file
            return f"{where}: {self.message}; no entry is used"
        return f"{where}, line {self.line}: {self.message}; the line is skipped"


#: Characters a word or its pronunciation may not hold: control characters (U+0000-U+001F,
#: U+007F-U+009F: TOML forbids them unescaped, and no article text holds them), line and
#: paragraph separators, and the bidi embeddings, overrides and isolates (they reorder text
#: on screen). Zero-width joiners and non-joiners are letters' business and stay allowed.
FORBIDDEN_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def text_problem(text: str) -> str:
    """Return why `text` cannot be a lexicon word or pronunciation ("" if it can)."""
    found = FORBIDDEN_CHARS.search(text)
    if found is None:
        return ""
    return f"it contains the invisible control character U+{ord(found.group(0)):04X}"


def parse_lines(data: bytes) -> list[LexiconLine]:
    """Read the lexicon file's lines: each entry is one TOML line, `word = "spoken"`.

    A line that is not valid TOML, not a word mapped to a non-empty string, holds a control
    character or repeats an earlier word is skipped with the reason, and the other entries are
    read as usual: one bad entry never stops publishing, and can still be edited away.
    """
    lines: list[LexiconLine] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            problem = "it is not UTF-8 text (save the file as UTF-8)"
            lines.append(LexiconLine(number, raw, text, problem=problem))
            continue
        if not text.strip() or text.lstrip().startswith("#"):
            lines.append(LexiconLine(number, raw, text))
            continue
        try:
            entry = _entry(text)
        except ValueError as exc:
            lines.append(LexiconLine(number, raw, text, problem=str(exc)))
            continue
        word = entry[0]
        if word in seen:
            problem = f"{word!r} is already given on line {seen[word]}, which is used"
            lines.append(LexiconLine(number, raw, text, problem=problem))
            continue
        seen[word] = number
        lines.append(LexiconLine(number, raw, text, entry))
    if lines and not lines[-1].raw:
        lines.pop()  # the newline that ends the file opens no line
    return lines


def _entry(text: str) -> tuple[str, str]:
    """Return (word, spoken) of one entry line, or raise ValueError saying what is wrong."""
    example = 'write word = "respelling" or word = "[[ phonemes ]]"'
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = text_problem(text.replace("\t", " "))  # a tab is TOML whitespace
        if problem:
            raise ValueError(f"{problem}: retype the entry without it") from exc
        reason = str(exc).split(" (at ", 1)[0]
        raise ValueError(f"it is not valid TOML ({reason}): {example}") from exc
    if len(raw) != 1:
        raise ValueError(f"it is not one entry: {example}")
    ((key, value),) = raw.items()
    if not isinstance(value, str) or not value.strip() or not key.strip():
        raise ValueError(
            f"entry {key!r} must map a word to a non-empty string "
            '(e.g. Guterres = "goo-TEH-resh" or "[[ phonemes ]]")'
        )
    for part in (key, value):
        problem = text_problem(part)
        if problem:
            raise ValueError(f"{problem}: retype the entry without it")
    return key.strip(), value.strip()


def load_lexicon(path: Path) -> Lexicon:
    """Read a lexicon file; a missing file is an empty lexicon, broken lines are skipped and
    listed in `problems` (see parse_lines)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Lexicon(path=path)
    except OSError as exc:
        return unreadable(path, exc)
    return _load(path, stat.st_size, stat.st_mtime_ns)


def unreadable(path: Path, exc: OSError) -> Lexicon:
    """Return the empty lexicon of a file that cannot be read, with the reason as a problem."""
    problem = LexiconProblem(path, 0, "", f"cannot be read ({exc.strerror or exc})")
    return Lexicon(path=path, problems=(problem,))


@cache
def _load(path: Path, size: int, mtime_ns: int) -> Lexicon:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return unreadable(path, exc)
    return read_lexicon(data, path)


@lru_cache(maxsize=8)
def read_lexicon(data: bytes, path: Path | None = None) -> Lexicon:
    """Return the lexicon of these lines (see parse_lines); `path` names where they are from,
    if a file (a lexicon read from the database has none)."""
    lines = parse_lines(data)
    entries = dict(line.entry for line in lines if line.entry is not None)
    problems = tuple(
        LexiconProblem(path, line.number, line.text, line.problem) for line in lines if line.problem
    )
    return Lexicon(entries, path, problems)
