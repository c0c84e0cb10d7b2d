"""Written text -> sentences -> the words the voice says. Pure, table-driven.

Piper phonemizes with espeak-ng, which ends a sentence at every "word." followed by a capital
("Dr. Smith" becomes two sentences with a pause), reads "$12 million" as "dollar twelve million"
and runs "Wait... what" together. So we split sentences ourselves (abbreviation-aware), then
rewrite each one so that espeak reads it the way a newsreader would. One Sentence = one clip.

Every rule lives in a table below; the functions only apply the tables in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Final

# --------------------------------------------------------------------------- sentence splitting

#: Abbreviations that stand before a name or number: a period after them never ends a sentence.
NEVER_FINAL: Final = frozenset(
    {
        "dr", "mr", "mrs", "ms", "mx", "prof", "st", "mt", "ft", "gov", "sen",
        "rep", "gen", "lt", "col", "capt", "cpt", "sgt", "maj", "adm", "cmdr", "pres",
        "supt", "insp", "rev", "fr", "hon", "vs", "v", "e.g", "i.e", "cf", "approx", "dept",
        "ave", "blvd",
    }
)  # fmt: skip
#: Abbreviations that stand before a number ("No. 5", "Jan. 6"); otherwise ordinary words.
BEFORE_NUMBER: Final = frozenset(
    {"no", "nos", "fig", "vol", "pp", "ch", "art", "sec", "jan", "feb", "mar", "apr", "jun",
     "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)  # fmt: skip
#: Abbreviations often found at the end of a sentence: they end one when a capital follows.
MAY_BE_FINAL: Final = frozenset({"inc", "co", "corp", "ltd", "llc", "plc", "jr", "sr", "etc"})
#: Words after "a.m."/"p.m." that continue the same sentence (time zones).
TIME_ZONES: Final = frozenset(
    {"ET", "EST", "EDT", "CT", "CST", "CDT", "MT", "MST", "MDT", "PT", "PST", "PDT", "GMT",
     "BST", "UTC", "CET", "CEST", "Eastern", "Central", "Mountain", "Pacific", "local"}
)  # fmt: skip

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_TERMINAL = re.compile(r"(?:[.!?]+|…)$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # U.S. U.N. a.m. p.m. e.g.
_INITIAL = re.compile(r"^[A-Z]\.$")


def split_sentences(text: str) -> list[str]:
    """Split written text into sentences, keeping abbreviations, initials and decimals whole."""
    tokens = text.split()
    sentences: list[str] = []
    start = 0
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is None or _ends_sentence(token, following):
            sentences.append(" ".join(tokens[start : i + 1]))
            start = i + 1
    return sentences


def _ends_sentence(token: str, following: str) -> bool:
    bare = token.rstrip(_CLOSERS)
    if not _TERMINAL.search(bare):
        return False
    if not _starts_sentence(following):
        return False
    if bare.endswith(("!", "?", "…", "...")):
        return True
    word = bare[:-1].lstrip(_OPENERS)
    if word.lower() in NEVER_FINAL or _INITIAL.match(bare.lstrip(_OPENERS)):
        return False
    if word.lower() in BEFORE_NUMBER and following[:1].isdigit():
        return False
    if _DOTTED_ACRONYM.match(bare.lstrip(_OPENERS)):
        # "U.S. Secretary" continues; only a.m./p.m. end a sentence, unless a time zone follows
        return word.lower() in ("a.m", "p.m") and following not in TIME_ZONES
    return True  # MAY_BE_FINAL words and ordinary words end a sentence before a capital


def _starts_sentence(token: str) -> bool:
    first = token.lstrip(_OPENERS + "¿¡")[:1]
    return first.isupper() or first.isdigit() or first in "$£€¥"


# --------------------------------------------------------------------------- speech tables

#: Characters the voice must never see: pictographs, bullets, checkmarks, arrows, dingbats.
_UNSPOKEN_CHARS = re.compile(
    "["
    "\U0001f000-\U0001faff"  # emoji, pictographs, symbols and pictographs extended
    "\u2600-\u27bf"  # misc symbols, dingbats (✅ ✔ ➤ ★)
    "\u2190-\u21ff"  # arrows
    "\u25a0-\u25ff"  # geometric shapes (■ ▪ ► ●)
    "\u2022\u2023\u2043\u2219\u00b7\u204c\u204d\u2b00-\u2bff"  # bullets
    "\ufe0f\u200d\u20e3"  # emoji variation selector, zero-width joiner, keycap
    "\U000e0000-\U000e007f"  # tag characters (flag sequences)
    "]"
)

#: Abbreviations spelled out so espeak neither pauses after them nor misreads them.
#: Keys are regexes (the period included); order matters only where one key contains another.
ABBREVIATIONS: Final[dict[str, str]] = {
    r"\bDr\.": "Doctor",
    r"\bMr\.": "Mister",
    r"\bMrs\.": "Missus",
    r"\bMs\.": "Miz",
    r"\bProf\.": "Professor",
    r"\bSt\.(?=\s+[A-Z])": "Saint",  # before a name: St. Paul's
    r"\bSt\.": "Street",  # after a name: Elm St.
    r"\bMt\.": "Mount",
    r"\bAve\.": "Avenue",
    r"\bBlvd\.": "Boulevard",
    r"\bNo\.(?=\s*\d)": "number",
    r"\bNos\.(?=\s*\d)": "numbers",
    r"\bGov\.": "Governor",
    r"\bSen\.": "Senator",
    r"\bRep\.": "Representative",
    r"\bGen\.": "General",
    r"\bLt\.": "Lieutenant",
    r"\bCol\.": "Colonel",
    r"\bCapt\.": "Captain",
    r"\bSgt\.": "Sergeant",
    r"\bMaj\.": "Major",
    r"\bAdm\.": "Admiral",
    r"\bPres\.": "President",
    r"\bRev\.": "Reverend",
    r"\bJr\.": "Junior",
    r"\bSr\.": "Senior",
    r"\bInc\.": "Incorporated",
    r"\bCorp\.": "Corporation",
    r"\bCo\.": "Company",
    r"\bLtd\.": "Limited",
    r"\bDept\.": "Department",
    r"\bapprox\.": "approximately",
    r"\bvs?\.": "versus",
    r"\betc\.": "et cetera",
    r"\be\.g\.": "for example",
    r"\bi\.e\.": "that is",
    r"\bJan\.": "January",
    r"\bFeb\.": "February",
    r"\bAug\.": "August",
    r"\bSept?\.": "September",
    r"\bOct\.": "October",
    r"\bNov\.": "November",
    r"\bDec\.": "December",
}

#: Time zones after a clock time, said in full.
TIME_ZONE_WORDS: Final[dict[str, str]] = {
    "ET": "Eastern time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CT": "Central time",
    "CST": "Central Standard Time",
    "MT": "Mountain time",
    "PT": "Pacific time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "GMT": "G M T",
    "BST": "British Summer Time",
    "UTC": "U T C",
    "CET": "Central European Time",
}

#: Currency symbol -> (one, many, hundredth). espeak would say "dollar twelve million".
CURRENCIES: Final[dict[str, tuple[str, str, str]]] = {
    "$": ("dollar", "dollars", "cents"),
    "US$": ("US dollar", "US dollars", "cents"),
    "£": ("pound", "pounds", "pence"),
    "€": ("euro", "euros", "cents"),
    "¥": ("yen", "yen", ""),
    "₹": ("rupee", "rupees", "paise"),
}
#: Scale words after an amount ("$2.5bn").
SCALES: Final[dict[str, str]] = {
    "thousand": "thousand", "k": "thousand",
    "million": "million", "m": "million", "mn": "million",
    "billion": "billion", "bn": "billion", "b": "billion",
    "trillion": "trillion", "tn": "trillion",
}  # fmt: skip

#: Symbols read as words.
SYMBOLS: Final[dict[str, str]] = {
    "%": " percent",
    "&": " and ",
    "+": " plus ",
    "°C": " degrees Celsius",
    "°F": " degrees Fahrenheit",
    "°": " degrees",
    "№": "number ",
}

#: Punctuation espeak ignores or misreads, replaced by the pause it should make.
PAUSES: Final[list[tuple[str, str]]] = [
    (r"\s*(?:\.\.\.|…)\s*$", "."),  # an ellipsis ending the sentence
    (r"\s*(?:\.\.\.|…)\s*", ", "),  # a trailing-off mid-sentence: a short pause
    (r"\s*[—―]\s*", ", "),  # em dash
    (r"\s+[–-]\s+", ", "),  # spaced en dash or hyphen
    (r"\s*[–]\s*(?=\D)", ", "),  # en dash between words
    (r"[“”„«»\"]", ""),  # double quotes: espeak reads them silently, but they confuse rules
    (r"(?<!\w)[‘’']|[‘’'](?!\w)", ""),  # single quotes that are not apostrophes
    (r"’", "'"),  # typographic apostrophe
    (r"\s*[;:]\s*$", "."),
    (r"\(\s*\)", ""),
    (r"\s+([,.;:!?])", r"\1"),
    (r"([,;:])(?:\s*[,;:])+", r"\1"),
    (r"^[\s,;:.]+", ""),
    (r"\s{2,}", " "),
]

#: Footnote markers and editorial brackets that are not spoken.
FOOTNOTES = re.compile(r"\[(?:\d+|[a-z]|citation needed|note \d+|clarification needed)\]", re.I)

#: Acronyms kept in capitals in speech (espeak spells or says them right).
ACRONYMS: Final = frozenset(
    {
        "UN", "US", "USA", "UK", "EU", "NHS", "BBC", "CNN", "NATO", "FBI", "CIA", "NASA", "WHO",
        "IMF", "OPEC", "UNICEF", "UNESCO", "AI", "CEO", "CFO", "GDP", "MP", "MPS", "TV", "PM",
        "AM", "ID", "IT", "ICU", "COVID", "EFE", "AFP", "AP", "IPO", "LGBTQ", "NGO", "NFL",
        "NBA", "FIFA", "UEFA", "ONU", "OTAN", "DC", "LA", "NYC", "GMT", "UTC", "ET", "PT",
    }
)  # fmt: skip
#: Small words kept lower case when a run of capitals is turned into normal case.
SMALL_WORDS: Final = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on",
     "or", "over", "the", "to", "up", "with", "vs"}
)  # fmt: skip

_CAPS_RUN = re.compile(r"\b[A-Z][A-Z'’]*\b(?:[\s,:]+\b[A-Z][A-Z'’]*\b)+")

_TLDS = "com|org|net|gov|edu|int|mil|io|co|uk|us|eu|de|fr|es|it|nl|info|news|tv|ai|app|ly|me"
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_URL = re.compile(
    rf"\b(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:{_TLDS}))\b(/[^\s,;)\"”]*)?",
    re.I,
)
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?(?:\s+([A-Z]{2,4})\b)?", re.I)
_MONEY = re.compile(
    r"(?:\b(?P<det>a|an|the|this|that|its|their|his|her|our|your|whose|each)\s+)?"
    r"(US\$|[$£€¥₹])\s?(\d[\d,]*)(?:\.(\d+))?(?:\s?(thousand|million|billion|trillion|bn|mn|tn|m|b|k)\b)?"
    r"(?=\s+(?P<next>[a-z]+))?",
    re.I,
)
#: Words after an amount that show it is not used as an adjective ("$9 million a year").
NOT_A_NOUN: Final = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or",
     "over", "per", "the", "this", "to", "was", "were", "will", "with", "each", "last", "next",
     "more", "less", "than", "would", "has", "had", "have", "be", "been", "through",
     "after", "before", "since", "until", "so", "but", "it", "they", "he", "she", "we"}
)  # fmt: skip
_INITIALS = re.compile(r"\b([A-Z])\.(?=\s+[A-Z])")
_RANGE = re.compile(r"(?<![\d./:-])(\d[\d,.]*)\s?[–-]\s?(\d[\d,.]*)(?![\d/:-])")
_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,})(?=\W|$)")
#: A bare four-digit year. News style writes counts of 1,000 and more with a comma, so a bare
#: 1100..2099 is a year; espeak would read 2023 as "two thousand twenty three".
_CURRENCY_WORDS = "|".join(sorted({w for names in CURRENCIES.values() for w in names[:2]}))
_YEAR = re.compile(
    rf"(?<![\d$£€¥,.:/-])(1[1-9]|20)(\d\d)(?![\d,%]|\.\d|\s?percent|\s(?:{_CURRENCY_WORDS})\b)"
)


# --------------------------------------------------------------------------- speech rules


def _say_url(match: re.Match[str]) -> str:
    host = match.group(1).lower().replace(".", " dot ")
    path = (match.group(2) or "").strip("/")
    path = re.split(r"[?#]", path)[0]
    spoken_path = " slash ".join(re.sub(r"[-_.]+", " ", p) for p in path.split("/") if p)
    return f"{host} slash {spoken_path}" if spoken_path else host


def _say_email(match: re.Match[str]) -> str:
    name = re.sub(r"[._-]+", " dot ", match.group(1))
    return f"{name} at {match.group(2).lower().replace('.', ' dot ')}"


def _say_time(match: re.Match[str]) -> str:
    hour, minute, half, zone = match.groups()
    clock = f"{hour}:{minute}" if minute and minute != "00" else hour
    spoken = f"{clock} {half.upper()}M"
    if zone:
        spoken += " " + TIME_ZONE_WORDS.get(zone.upper(), zone)
    return spoken


def _say_money(match: re.Match[str]) -> str:
    determiner, symbol, whole, fraction, scale, following = match.groups()
    one, many, hundredth = CURRENCIES[symbol.upper()]
    whole = whole.rstrip(",")
    prefix = f"{determiner} " if determiner else ""
    # "the $12 million project" is a twelve-million-dollar project, not "million dollars project"
    adjective = bool(determiner) and bool(following) and following.lower() not in NOT_A_NOUN
    if scale:
        amount = f"{whole}.{fraction}" if fraction else whole
        return f"{prefix}{amount} {SCALES[scale.lower()]} {one if adjective else many}"
    if adjective:
        return f"{prefix}{whole} {one}"
    unit = one if whole == "1" and not fraction else many
    if fraction and len(fraction) == 2 and fraction != "00":
        if whole == "0" and hundredth:
            return f"{prefix}{int(fraction)} {hundredth}"
        return f"{prefix}{whole} {unit} {int(fraction)}"
    return f"{prefix}{whole} {unit}"


def _say_range(match: re.Match[str]) -> str:
    # "between 10 and 15", otherwise "from 2020 to 2024" / "10 to 15 people"
    joiner = "and" if match.string[: match.start()].rstrip().lower().endswith("between") else "to"
    return f"{match.group(1)} {joiner} {match.group(2)}"


def _say_year(match: re.Match[str]) -> str:
    """Read a year the way a newsreader does: 1998 -> 19 98, 2023 -> 20 23, 1905 -> 19 oh 5."""
    century, year = match.groups()
    if century == "20" and year < "10":
        return match.group(0)  # "two thousand seven" is how 2007 is said
    if year == "00":
        return f"{century} hundred"
    if year.startswith("0"):
        return f"{century} oh {year[1]}"
    return f"{century} {year}"


def _undot_acronym(match: re.Match[str]) -> str:
    return match.group(1).replace(".", "")


def _calm_caps_run(match: re.Match[str]) -> str:
    """Turn a run of shouted words into normal case, keeping acronyms ("WAR IN THE UN")."""
    run = match.group(0)
    words = re.findall(r"[A-Z][A-Z'’]*", run)
    if all(w in ACRONYMS or (len(w) < 4 and w.lower() not in SMALL_WORDS) for w in words):
        return run  # a row of acronyms ("NHS GP"), not shouting
    return calm_caps(run)


def calm_caps(text: str) -> str:
    """Return `text` with words in capitals in normal case, acronyms and dotted forms kept."""
    out: list[str] = []
    first = True
    for piece in re.split(r"([^\w'’.]+)", text):
        if piece and piece[0].isalpha():
            out.append(_calm_word(piece, first))
            first = False
        else:
            out.append(piece)
    return "".join(out)


def _calm_word(word: str, first: bool) -> str:
    if word in ACRONYMS or not word.isupper() or "." in word:
        return word  # UN, U.S., mixed case "iPhone"
    lower = word.lower()
    return lower if lower in SMALL_WORDS and not first else lower.capitalize()


Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _rules(table: dict[str, str], escape: bool = False) -> list[Rule]:
    return [(re.compile(re.escape(k) if escape else k), v) for k, v in table.items()]


#: The rewrite in stages, in order: later stages see the output of earlier ones. Each stage has
#: a guard: one regex search that must match before its (many) rules are tried, which keeps a
#: 10,000-word article well under a second.
STAGES: Final[list[tuple[re.Pattern[str], list[Rule]]]] = [
    (re.compile(r"."), [(_UNSPOKEN_CHARS, ""), (FOOTNOTES, "")]),
    (re.compile(r"@|\.[a-z]", re.I), [(_EMAIL, _say_email), (_URL, _say_url)]),
    (re.compile("|".join(f"(?:{k})" for k in ABBREVIATIONS)), _rules(ABBREVIATIONS)),
    (
        re.compile(r"\d"),
        [
            (_TIME, _say_time),
            (_MONEY, _say_money),
            (_RANGE, _say_range),
            (_YEAR, _say_year),
        ],
    ),
    (re.compile("|".join(map(re.escape, SYMBOLS))), _rules(SYMBOLS, escape=True)),
    (
        re.compile(r"[A-Z]"),
        [
            (_DOTTED, _undot_acronym),
            (_INITIALS, r"\1"),  # "J. K. Rowling": espeak would end a sentence at each initial
            (_CAPS_RUN, _calm_caps_run),
        ],
    ),
    (re.compile(r"."), _rules(dict(PAUSES))),
]


def normalize(sentence: str) -> str:
    """Return what the voice should say for one written sentence ("" if nothing is speakable)."""
    text = unicodedata.normalize("NFC", sentence)
    for guard, rules in STAGES:
        if guard.search(text):
            for pattern, replacement in rules:
                text = pattern.sub(replacement, text)
    text = text.strip()
    if not any(ch.isalnum() for ch in text):
        return ""
    if sentence.lstrip(_OPENERS)[:1].isupper():
        text = text[0].upper() + text[1:]  # "No. 7 ..." -> "Number 7 ..."
    if _TERMINAL.search(sentence.rstrip(_CLOSERS)) and not _TERMINAL.search(text):
        text += "."  # an expanded abbreviation took the sentence's full stop with it
    return text


def speech_sentences(text: str) -> Iterable[tuple[str, str]]:
    """Yield (written, speech) per sentence, merging unspeakable fragments into a neighbour."""
    pending = ""
    for written in split_sentences(text):
        written = f"{pending} {written}".strip() if pending else written
        speech = normalize(written)
        if speech:
            pending = ""
            yield written, speech
        else:
            pending = written
