"""The one place that wires the stages together: script, build, publish, regenerate.

ingest (source -> Article) -> speech (Article -> Script) -> audio (Script -> files)
-> publish (files -> library and feeds). CLI commands and web views call only these functions.
"""

from __future__ import annotations

from pathlib import Path

from audionews.audio.voices import find_voice, voice_for_language
from audionews.config import Settings
from audionews.errors import InputError, UnsupportedLanguageError
from audionews.ingest.detect import read_article
from audionews.models import Article, BlockKind, Script
from audionews.speech.language import article_language, language_name
from audionews.speech.plan import plan_script

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
