"""Edit the pronunciation lexicon (voices/lexicon.toml), hear an entry, find where it is said.

The file format and matching rules are speech/lexicon.py's; this module edits the file line by
line (an edited entry is written by tomli-w, a TOML writer; comments and lines it cannot read
stay as they are until an editor removes them) and writes it with files.atomic_write, so a
reader never sees half of it. It also synthesizes a short preview WAV, and lists the published
episodes whose current script contains a term, to re-publish them.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import wave
from typing import TYPE_CHECKING

import tomli_w

from audionews.config import Settings
from audionews.errors import ConfigError, InputError
from audionews.publish.files import atomic_write
from audionews.publish.library import Library
from audionews.speech.lexicon import (
    FORBIDDEN_CHARS,
    Lexicon,
    LexiconLine,
    LexiconProblem,
    lexicon_path,
    load_lexicon,
    parse_lines,
    text_problem,
)
from audionews.speech.normalize import speech_sentences

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer

MAX_WORD = 100
MAX_SPOKEN = 300
MAX_SENTENCE = 400
_PHONEMES = re.compile(r"^\[\[.+\]\]$", re.S)


def entries(settings: Settings) -> dict[str, str]:
    """Return the lexicon's entries, sorted case-insensitively (broken lines are left out)."""
    found = load_lexicon(lexicon_path(settings.voices_dir)).entries
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def problems(settings: Settings) -> tuple[LexiconProblem, ...]:
    """Return the lines of the lexicon file that are skipped, with why."""
    return load_lexicon(lexicon_path(settings.voices_dir)).problems


def check_entry(word: str, spoken: str) -> dict[str, str]:
    """Return field -> error message for an entry an editor typed ({} when it is fine)."""
    errors = {}
    if not word.strip() or len(word) > MAX_WORD or "\n" in word:
        errors["word"] = f"Enter the word or phrase as written (one line, at most {MAX_WORD})."
    elif text_problem(word):
        errors["word"] = f"The word cannot be saved: {text_problem(word)}. Type it again."
    if not spoken.strip() or len(spoken) > MAX_SPOKEN or "\n" in spoken:
        errors["spoken"] = (
            "Enter how to say it: a respelling such as goo-TEH-resh, or phonemes in double "
            f"brackets such as [[ ɡuˈtɛʁɛʃ ]] (one line, at most {MAX_SPOKEN})."
        )
    elif text_problem(spoken):
        errors["spoken"] = f"The pronunciation cannot be saved: {text_problem(spoken)}."
    elif spoken.strip().startswith("[[") and not _PHONEMES.match(spoken.strip()):
        errors["spoken"] = "Phonemes must be written between [[ and ]]."
    return errors


def save_entry(settings: Settings, word: str, spoken: str) -> None:
    """Add or replace one entry and write the lexicon file atomically.

    The entry keeps its line; other lines (comments, broken entries) stay as they are.
    """
    errors = check_entry(word, spoken)
    if errors:
        raise InputError(" ".join(errors.values()))
    word, spoken = word.strip(), spoken.strip()
    lines = _lines(settings)
    new = _entry_line(word, spoken)
    at = next((i for i, line in enumerate(lines) if line.entry and line.entry[0] == word), None)
    raws = [line.raw for line in lines] or [HEADER.encode()]
    if at is None:
        raws.append(new)
    else:
        raws[at] = new
    _write(settings, raws)


def remove_entry(settings: Settings, word: str) -> None:
    """Delete one entry (nothing happens if it is not there)."""
    lines = _lines(settings)
    kept = [line.raw for line in lines if not (line.entry and line.entry[0] == word.strip())]
    if len(kept) != len(lines):
        _write(settings, kept)


def line_digest(text: str) -> str:
    """Return a short fingerprint of a line, so a form can name it without carrying its
    (possibly invisible) characters."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def shown(text: str) -> str:
    """Return a line with its invisible control characters written out, e.g. "⟨U+007F⟩"."""
    return FORBIDDEN_CHARS.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", text)


def remove_line(settings: Settings, number: int, digest: str) -> None:
    """Delete line `number` of the lexicon file if it still is the line `digest` names."""
    lines = _lines(settings)
    if not 1 <= number <= len(lines) or line_digest(lines[number - 1].text) != digest:
        raise InputError(
            f"line {number} of the lexicon has changed since the page was shown: look again"
        )
    _write(settings, [line.raw for i, line in enumerate(lines, 1) if i != number])


#: First line of a lexicon file the editor creates.
HEADER = "# Pronunciations: word = respelling or [[ phonemes ]] (see speech/lexicon.py)"


def _lines(settings: Settings) -> list[LexiconLine]:
    path = lexicon_path(settings.voices_dir)
    try:
        return parse_lines(path.read_bytes())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _entry_line(word: str, spoken: str) -> bytes:
    # tomli_w quotes and escapes the key and value as TOML requires (our own quoting once let
    # a U+007F through unescaped, which made the whole file unreadable)
    return tomli_w.dumps({word: spoken}).rstrip("\n").encode("utf-8")


def _write(settings: Settings, raws: list[bytes]) -> None:
    """Write the file's lines, each as it was unless edited, atomically (a failed write
    leaves the previous file)."""
    path = lexicon_path(settings.voices_dir)
    try:
        atomic_write(path, b"".join(raw + b"\n" for raw in raws))
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror or exc}; the lexicon is unchanged"
        ) from exc


def preview_speech(settings: Settings, sentence: str, word: str, spoken: str) -> str:
    """Return what the voice would say for `sentence` with the entry word -> spoken added."""
    sentence = " ".join(sentence.split())[:MAX_SENTENCE] or word
    merged = {**entries(settings), word.strip(): spoken.strip()}
    lexicon = Lexicon(merged)
    return " ".join(lexicon.apply(speech) for _written, speech in speech_sentences(sentence))


def preview_wav(
    settings: Settings,
    sentence: str,
    word: str,
    spoken: str,
    synthesizer: Synthesizer | None = None,
) -> bytes:
    """Return a WAV of `sentence` said with the (unsaved) entry, for the browser to play."""
    import numpy as np

    errors = check_entry(word, spoken)
    if errors:
        raise InputError(" ".join(errors.values()))
    if synthesizer is not None:
        voice: Synthesizer = synthesizer
    else:
        from audionews.audio.engines import engine
        from audionews.audio.voices import voice_for_language

        chosen = voice_for_language(settings.default_language, settings)
        voice = engine(settings).synthesizer(chosen, settings)
    samples = np.asarray(voice.synthesize(preview_speech(settings, sentence, word, spoken)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(voice.sample_rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def episodes_saying(settings: Settings, word: str) -> list[tuple[str, str, int]]:
    """Return (slug, title, passages) of published episodes whose current text has `word`.

    Matching follows the lexicon's rules (whole words; a lower-case key matches any case).
    """
    probe = Lexicon({word.strip(): "\x00"})
    library = Library(settings)
    found = []
    for episode in library.list_episodes():
        script = json.loads(library.script_json_of(episode.slug))
        count = sum(
            "\x00" in probe.apply(segment["text"])
            for chapter in script["chapters"]
            for segment in chapter["segments"]
        )
        if count:
            found.append((episode.slug, episode.title, count))
    return found
