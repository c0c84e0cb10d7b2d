"""The one place that wires the stages together: script, build, publish, regenerate.

ingest (source -> Article) -> speech (Article -> Script) -> audio (Script -> files)
-> publish (files -> library and feeds). CLI commands and web views call only these functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from audionews.audio.voices import find_voice, voice_for_language
from audionews.config import Settings
from audionews.errors import InputError, UnsupportedLanguageError
from audionews.ingest.detect import read_article
from audionews.models import Article, BlockKind, BuildResult, Script
from audionews.naming import slugify
from audionews.speech.language import article_language, language_name
from audionews.speech.plan import plan_script

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer


# --------------------------------------------------------------------------- build (audio)


def build(
    data: bytes,
    out_dir: Path,
    settings: Settings,
    *,
    filename: str | None = None,
    source_format: str | None = None,
    voice_name: str | None = None,
    slug: str | None = None,
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Turn an article into <slug>.mp3, .chapters.json, .vtt, .srt and .txt in out_dir.

    Only sentences missing from the clip cache are synthesized. `slug` defaults to the
    headline's slug; `synthesizer` defaults to the script's Piper voice.
    """
    script = make_script(
        data, settings, filename=filename, source_format=source_format, voice_name=voice_name
    )
    return build_script(
        script,
        out_dir,
        settings,
        source_sha256=hashlib.sha256(data).hexdigest(),
        slug=slug,
        synthesizer=synthesizer,
        progress=progress,
    )


def build_script(
    script: Script,
    out_dir: Path,
    settings: Settings,
    *,
    source_sha256: str = "",
    slug: str | None = None,
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the episode files of an already planned script (see `build`)."""
    from audionews.audio.episode import make_episode

    if synthesizer is None:
        from audionews.audio.synth import piper_synthesizer
        from audionews.audio.voices import find_voice

        synthesizer = piper_synthesizer(find_voice(script.voice, settings), settings)
    return make_episode(
        script,
        out_dir,
        slug or slugify(script.title),
        settings,
        synthesizer,
        source_sha256=source_sha256,
        progress=progress,
    )


# --------------------------------------------------------------------------- script


def read_article_file(path: Path, source_format: str | None) -> Article:
    """Read an article file and parse it; a missing or unreadable file is an InputError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_article(data, filename=path.name, source_format=source_format)


def make_script(
    data: bytes,
    settings: Settings,
    *,
    filename: str | None = None,
    source_format: str | None = None,
    voice_name: str | None = None,
) -> Script:
    """Parse an article and plan its speech script: ingest -> language -> voice -> plan."""
    article = read_article(data, filename=filename, source_format=source_format)
    return script_for_article(article, settings, voice_name=voice_name)


def script_for_article(
    article: Article, settings: Settings, *, voice_name: str | None = None
) -> Script:
    """Plan the script of an already parsed article (language, voice, then plan)."""
    running_text = " ".join(
        [article.headline, *article.standfirsts]
        + [b.text for b in article.body if b.kind is BlockKind.PARAGRAPH]
    )
    language = article_language(article.language, running_text, settings.default_language)
    if voice_name:
        voice = find_voice(voice_name, settings)
    else:
        try:
            voice = voice_for_language(language, settings)
        except UnsupportedLanguageError as exc:
            raise UnsupportedLanguageError(
                f"the article is in {language_name(language)}: {exc}"
            ) from exc
    return plan_script(article, settings, voice=voice.name, language=language)
