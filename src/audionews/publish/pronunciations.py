"""Keep and edit the pronunciation lexicon, hear an entry, find where it is said.

The lexicon is kept in the database (storage/shared.py, LEXICON), so an entry saved on one web
machine is spoken by every worker. Its format and matching rules are speech/lexicon.py's: TOML
lines, as the file voices/lexicon.toml held them before; that file is taken into the database
the first time the database has no lexicon, and not read after that (`audionews lexicon
--import FILE` replaces the lexicon by a file's lines on purpose). This module edits it line by
line (an edited entry is written by tomli-w, a TOML writer; comments and lines it cannot read
stay as they are until an editor removes them), each edit one compare-and-set, so two editors
saving at once on two machines both keep their entry. It also synthesizes a short preview WAV,
and lists the published episodes whose current script contains a term, to re-publish them.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from audionews.config import Settings
from audionews.errors import ConfigError, InputError
from audionews.speech.lexicon import (
    FORBIDDEN_CHARS,
    Lexicon,
    LexiconLine,
    LexiconProblem,
    lexicon_path,
    parse_lines,
    read_lexicon,
    text_problem,
    unreadable,
)
from audionews.speech.normalize import speech_sentences

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer

MAX_WORD = 100
MAX_SPOKEN = 300
MAX_SENTENCE = 400
_PHONEMES = re.compile(r"^\[\[.+\]\]$", re.S)


def load(settings: Settings) -> Lexicon:
    """Return the lexicon every machine speaks with (broken lines skipped, in `problems`)."""
    try:
        data = stored(settings) if _library_exists(settings) else _file_lines(settings)
    except OSError as exc:  # an older version's file, not taken in yet, cannot be read
        return unreadable(lexicon_path(settings.voices_dir), exc)
    return read_lexicon(data)


def _library_exists(settings: Settings) -> bool:
    """Say whether the library database may hold a lexicon: False only for a default SQLite
    file not made yet. Then `audionews build` (which only reads the lexicon) speaks the file's
    lines without making the library, and without the database layer's imports and migrations
    on the way to its first sentence; the first publish or edit takes the file in."""
    if settings.database_url:
        return True
    return settings.default_database_file.exists()


def _file_lines(settings: Settings) -> bytes:
    """Return an older version's voices/lexicon.toml, not taken into a library yet (b"": none)."""
    try:
        return lexicon_path(settings.voices_dir).read_bytes()
    except FileNotFoundError:
        return b""


def stored(settings: Settings) -> bytes:
    """Return the lexicon's lines as kept in the database (b"" when there is none).

    The first time the database has none, an older version's voices/lexicon.toml is taken in
    (when two machines do it at once, both keep the first one's); raises OSError if that file
    is there but cannot be read.
    """
    from audionews.storage import shared  # the database layer, imported only when it is asked

    data = shared.read(settings, shared.LEXICON)
    if data is not None:
        return data
    try:
        found = lexicon_path(settings.voices_dir).read_bytes()
    except FileNotFoundError:  # none yet: the first saved entry makes it
        return b""
    return shared.first(settings, shared.LEXICON, lambda: found)


def import_file(settings: Settings, path: Path) -> Lexicon:
    """Replace the lexicon by the lines of the file at `path`; return the new lexicon.

    Lines it cannot read are kept (and skipped when speaking), as when it was the lexicon file.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise InputError(f"cannot read {path}: {reason}; the lexicon is unchanged") from None
    from audionews.storage import shared

    shared.write(settings, shared.LEXICON, data)
    return read_lexicon(data)


def entries(settings: Settings) -> dict[str, str]:
    """Return the lexicon's entries, sorted case-insensitively (broken lines are left out)."""
    found = load(settings).entries
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def problems(settings: Settings) -> tuple[LexiconProblem, ...]:
    """Return the lines of the lexicon that are skipped, with why."""
    return load(settings).problems


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
    """Add or replace one entry.

    The entry keeps its line; other lines (comments, broken entries) stay as they are.
    """
    errors = check_entry(word, spoken)
    if errors:
        raise InputError(" ".join(errors.values()))
    word, spoken = word.strip(), spoken.strip()
    new = _entry_line(word, spoken)

    def edit(lines: list[LexiconLine]) -> list[bytes]:
        at = next((i for i, ln in enumerate(lines) if ln.entry and ln.entry[0] == word), None)
        raws = [line.raw for line in lines] or [HEADER.encode()]
        if at is None:
            raws.append(new)
        else:
            raws[at] = new
        return raws

    _edit(settings, edit)


def remove_entry(settings: Settings, word: str) -> None:
    """Delete one entry (nothing happens if it is not there)."""
    _edit(
        settings,
        lambda lines: [ln.raw for ln in lines if not (ln.entry and ln.entry[0] == word.strip())],
    )


def line_digest(text: str) -> str:
    """Return a short fingerprint of a line, so a form can name it without carrying its
    (possibly invisible) characters."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def shown(text: str) -> str:
    """Return a line with its invisible control characters written out, e.g. "⟨U+007F⟩"."""
    return FORBIDDEN_CHARS.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", text)


def remove_line(settings: Settings, number: int, digest: str) -> None:
    """Delete line `number` of the lexicon if it still is the line `digest` names."""

    def edit(lines: list[LexiconLine]) -> list[bytes]:
        if not 1 <= number <= len(lines) or line_digest(lines[number - 1].text) != digest:
            raise InputError(
                f"line {number} of the lexicon has changed since the page was shown: look again"
            )
        return [line.raw for i, line in enumerate(lines, 1) if i != number]

    _edit(settings, edit)


#: First line of a lexicon file the editor creates.
HEADER = "# Pronunciations: word = respelling or [[ phonemes ]] (see speech/lexicon.py)"


def _edit(settings: Settings, edit: Callable[[list[LexiconLine]], list[bytes]]) -> None:
    """Replace the lexicon's lines by `edit(lines)`, in one compare-and-set: when another
    machine saved meanwhile, `edit` runs again on its lines, so neither edit is lost."""
    try:
        stored(settings)  # an older version's file is taken in before its first edit
    except OSError as exc:
        path = lexicon_path(settings.voices_dir)
        raise ConfigError(
            f"cannot read {path} to take it into the database ({exc.strerror or exc}): make it "
            "readable, or remove it to start an empty lexicon; the lexicon is unchanged"
        ) from exc

    def apply(data: bytes | None) -> bytes:
        raws = edit(parse_lines(data) if data else [])
        return b"".join(raw + b"\n" for raw in raws)

    from audionews.storage import shared

    shared.change(settings, shared.LEXICON, apply)


def _entry_line(word: str, spoken: str) -> bytes:
    # tomli_w quotes and escapes the key and value as TOML requires (our own quoting once let
    # a U+007F through unescaped, which made the whole file unreadable)
    return tomli_w.dumps({word: spoken}).rstrip("\n").encode("utf-8")


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
    from audionews.publish.library import Library  # the library only for this question

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
