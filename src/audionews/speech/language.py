"""Which language an article is in, and which passages are in another. Pure, offline.

Uses py3langid, whose model ships inside the package (no download, no network). Loading that
model takes most of a second (it is LZMA-compressed), so a cheap check comes first: text in which
common function words of the expected language are frequent is taken to be in that language, and
the model is only consulted when that check fails.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

#: Below this many words, detection is a guess: trust the declared language or the default.
MIN_WORDS_TO_DETECT: Final = 12
#: A passage this long in another language is replaced by a spoken note (shorter ones are read).
FOREIGN_PASSAGE_WORDS: Final = 24
#: How sure detection must be before it overrides a declared language or flags a passage.
CONFIDENT: Final = 0.95

#: Names spoken in language notes and shown in errors (ISO 639-1 -> English name).
LANGUAGE_NAMES: Final[dict[str, str]] = {
    "ar": "Arabic", "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "he": "Hebrew", "hi": "Hindi",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "nl": "Dutch", "no": "Norwegian", "nb": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sv": "Swedish", "sw": "Swahili",
    "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


#: Function words that are frequent in running text of a language and rare in others (words
#: shared with neighbouring languages, like "a", "in", "on", "is", are left out on purpose).
MARKER_WORDS: Final[dict[str, frozenset[str]]] = {
    "en": frozenset(
        {
            "the",
            "of",
            "and",
            "to",
            "that",
            "was",
            "for",
            "with",
            "his",
            "her",
            "have",
            "has",
            "from",
            "this",
            "by",
            "were",
            "which",
            "would",
            "their",
            "been",
            "will",
            "said",
            "after",
            "they",
            "it",
            "at",
            "be",
            "are",
            "not",
            "but",
            "who",
            "had",
            "its",
            "than",
            "more",
            "about",
            "when",
            "there",
            "she",
            "he",
            "we",
            "you",
            "our",
            "also",
            "into",
            "could",
            "should",
        }
    ),
}
#: Share of marker words from which text is taken to be in the expected language.
MARKER_SHARE: Final = 0.15


def looks_like(text: str, language: str) -> bool:
    """Return True when `text` is plainly in `language` by its function words (no model)."""
    markers = MARKER_WORDS.get(language)
    words = [w.strip(".,;:!?\"'“”‘’()").lower() for w in text.split()]
    if not markers or not words:
        return False
    return sum(w in markers for w in words) / len(words) >= MARKER_SHARE


def language_name(code: str) -> str:
    """Return the English name of a language code, or the code itself when unknown."""
    return LANGUAGE_NAMES.get(code, code)


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """Return (language code, probability) for `text`."""
    language, probability = _identifier().classify(text)
    return str(language), float(probability)


def article_language(declared: str, text: str, default: str) -> str:
    """Return the article's language: the declared one unless the text clearly says otherwise."""
    declared = declared.replace("_", "-").split("-")[0].lower()
    if len(text.split()) < MIN_WORDS_TO_DETECT or looks_like(text, declared or default):
        return declared or default
    detected, probability = identify(text)
    if declared and (declared == detected or probability < CONFIDENT):
        return declared
    return detected if probability >= CONFIDENT or not declared else declared


def foreign_language(passage: str, language: str) -> str | None:
    """Return the language of a long passage not in `language`, or None if it should be read."""
    if len(passage.split()) < FOREIGN_PASSAGE_WORDS or looks_like(passage, language):
        return None
    detected, probability = identify(passage)
    return detected if detected != language and probability >= CONFIDENT else None
