"""Editors' pronunciations: voices/lexicon.toml, applied whole-word to the speech text. Pure.

The file maps a word or phrase to a respelling ("Guterres" = "goo-TEH-resh") or to Piper phonemes
in double brackets ("Zelenski" = "[[ zɛlˈɛnski ]]"), which Piper passes to the model unchanged.

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
from functools import cache
from pathlib import Path

from audionews.errors import ConfigError

LEXICON_FILE = "lexicon.toml"


@dataclass(frozen=True)
class Lexicon:
    """Pronunciation entries and the one regex that applies them."""

    entries: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

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


def load_lexicon(path: Path) -> Lexicon:
    """Read a lexicon file; a missing file is an empty lexicon, a broken one a ConfigError."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Lexicon(path=path)
    return _load(path, stat.st_size, stat.st_mtime_ns)


@cache
def _load(path: Path, size: int, mtime_ns: int) -> Lexicon:
    try:
        source = path.read_text(encoding="utf-8")
        raw = tomllib.loads(source)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}): fix that line") from exc
    entries: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip() or not key.strip():
            line = _line_of(source, key)
            raise ConfigError(
                f"{path}, line {line}: entry {key!r} must map a word to a non-empty string "
                '(e.g. Guterres = "goo-TEH-resh" or "[[ phonemes ]]")'
            )
        entries[key.strip()] = value.strip()
    return Lexicon(entries, path)


def _line_of(source: str, key: str) -> int:
    """Return the 1-based line where `key` is defined (a section header counts), else 1."""
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip().lstrip("[").strip("\"'")
        if stripped.startswith(key) or stripped.startswith(f'"{key}"'):
            return number
    return 1
