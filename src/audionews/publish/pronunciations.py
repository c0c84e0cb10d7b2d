"""Edit the pronunciation lexicon (voices/lexicon.toml), hear an entry, find where it is said.

The file format and matching rules are speech/lexicon.py's; this module writes the file
(files.atomic_write, so a reader never sees half of it), synthesizes a short preview WAV, and lists
the published episodes whose current script contains a term, to re-publish them.
"""

from __future__ import annotations

import io
import json
import re
import wave
from typing import TYPE_CHECKING

from audionews.config import Settings
from audionews.errors import InputError
from audionews.publish.files import atomic_write
from audionews.publish.library import Library
from audionews.speech.lexicon import Lexicon, lexicon_path, load_lexicon
from audionews.speech.normalize import speech_sentences

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer

MAX_WORD = 100
MAX_SPOKEN = 300
MAX_SENTENCE = 400
_PHONEMES = re.compile(r"^\[\[.+\]\]$", re.S)


def entries(settings: Settings) -> dict[str, str]:
    """Return the lexicon's entries, sorted case-insensitively."""
    found = load_lexicon(lexicon_path(settings.voices_dir)).entries
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def check_entry(word: str, spoken: str) -> dict[str, str]:
    """Return field -> error message for an entry an editor typed ({} when it is fine)."""
    errors = {}
    if not word.strip() or len(word) > MAX_WORD or "\n" in word:
        errors["word"] = f"Enter the word or phrase as written (one line, at most {MAX_WORD})."
    if not spoken.strip() or len(spoken) > MAX_SPOKEN or "\n" in spoken:
        errors["spoken"] = (
            "Enter how to say it: a respelling such as goo-TEH-resh, or phonemes in double "
            f"brackets such as [[ ɡuˈtɛʁɛʃ ]] (one line, at most {MAX_SPOKEN})."
        )
    elif spoken.strip().startswith("[[") and not _PHONEMES.match(spoken.strip()):
        errors["spoken"] = "Phonemes must be written between [[ and ]]."
    return errors


def save_entry(settings: Settings, word: str, spoken: str) -> None:
    """Add or replace one entry and write the lexicon file atomically."""
    errors = check_entry(word, spoken)
    if errors:
        raise InputError(" ".join(errors.values()))
    found = entries(settings)
    found[word.strip()] = spoken.strip()
    _write(settings, found)


def remove_entry(settings: Settings, word: str) -> None:
    """Delete one entry (nothing happens if it is not there)."""
    found = entries(settings)
    if found.pop(word, None) is not None:
        _write(settings, found)


def _write(settings: Settings, found: dict[str, str]) -> None:
    path = lexicon_path(settings.voices_dir)
    # JSON strings are valid TOML basic strings, so json.dumps quotes keys and values safely
    lines = ["# Pronunciations: word = respelling or [[ phonemes ]] (see speech/lexicon.py)\n"]
    lines += [
        f"{json.dumps(k, ensure_ascii=False)} = {json.dumps(v, ensure_ascii=False)}\n"
        for k, v in found.items()
    ]
    atomic_write(path, "".join(lines).encode("utf-8"))


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
        from audionews.audio.synth import piper_synthesizer
        from audionews.audio.voices import voice_for_language

        voice = piper_synthesizer(voice_for_language(settings.default_language, settings), settings)
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
