"""Classification tables shared by the text, HTML and Markdown parsers (DESIGN principle 3).

Every decision about a line of an article that does not depend on its format lives here as a
table: which lines are boilerplate (and why), which labels start a notice (and of which kind),
which titles introduce key points, what a list marker, a byline, a date or a photo credit looks
like. The parsers only decide *where* a line sits; these tables decide *what* it is.

All patterns are anchored and bounded (`{0,n}` instead of `*` where text follows text) and are
only tried on lines of limited length, so a 10,000-word article costs a few milliseconds.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from audionews.models import Caption, DropKind
from audionews.vocabulary import NoticeKind

# --------------------------------------------------------------------------- cleaning text

#: Spaces of every width (NBSP, thin, narrow NBSP, ideographic...) read as one plain space.
#: A parser's mark for a line break inside a block (HTML <br>): a space once text is cleaned,
#: but two in a row end a paragraph (see BLANK_LINE_RE).
LINE_BREAK = "\ue000"
BLANK_LINE_RE = re.compile(rf"{LINE_BREAK}\s*{LINE_BREAK}")
_SPACES_RE = re.compile(rf"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000{LINE_BREAK}]+")
#: Characters that are invisible on the page and mean nothing: zero-width space and word
#: joiner, BOM, soft hyphen, controls. The zero-width non-joiner and joiner (U+200C, U+200D)
#: stay: they are part of emoji sequences (👩‍💻) and of Persian and Indic words.
_INVISIBLE_RE = re.compile(r"[\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS_RE = re.compile(r"\r\n?|[\u2028\u2029\x85]")


@functools.lru_cache(maxsize=1 << 16)
def clean_text(text: str) -> str:
    """Return `text` on one line: invisible characters removed, runs of spaces collapsed,
    unpaired bidi controls neutralised (see neutral_bidi).

    Remembered: the HTML reader cleans the same block texts several times over (measuring the
    prose, scoping, walking), a third of its calls new.
    """
    text = text.replace("\n", " ")
    if text.isprintable():
        # No invisible character, bidi control or space other than " " can be in it (none of
        # them is printable): splitting on whitespace gives the same words, without the two
        # regex passes (most texts of a page are printable).
        return " ".join(text.split())
    text = _SPACES_RE.sub(" ", _INVISIBLE_RE.sub("", text)).strip()
    return text if text.isascii() else neutral_bidi(text)  # bidi controls are not ASCII


#: Bidi embeddings and overrides (LRE, RLE, LRO, RLO), closed by PDF; isolates (LRI, RLI,
#: FSI), closed by PDI (Unicode UAX #9).
_BIDI_EMBEDS = frozenset("\u202a\u202b\u202d\u202e")
_BIDI_ISOLATES = frozenset("\u2066\u2067\u2068")
_PDF, _PDI = "\u202c", "\u2069"
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutral_bidi(text: str) -> str:
    """Return `text` without the bidi controls that are not closed in it (or close nothing).

    An override left open (a lone U+202E) reverses everything after it on screen: in a podcast
    app's list, a player's title or a caption, text can then show other than it reads, a known
    way to disguise a headline. Paired controls (mixed Arabic or Hebrew and Latin text) stay
    as written; marks (LRM, RLM, ALM) are not controls of this kind and stay too.
    """
    if _BIDI_RE.search(text) is None:
        return text
    open_at: list[tuple[int, bool]] = []  # (index, is an isolate)
    unpaired: set[int] = set()
    for index, char in enumerate(text):
        if char in _BIDI_EMBEDS or char in _BIDI_ISOLATES:
            open_at.append((index, char in _BIDI_ISOLATES))
        elif char == _PDF:
            if open_at and not open_at[-1][1]:
                open_at.pop()
            else:  # nothing to close, or an isolate is open: UAX #9 ignores this PDF
                unpaired.add(index)
        elif char == _PDI:
            if not any(isolate for _, isolate in open_at):
                unpaired.add(index)
                continue
            while True:  # a PDI closes its isolate and any embedding left open inside it
                opened, isolate = open_at.pop()
                if isolate:
                    break
                unpaired.add(opened)
    unpaired.update(index for index, _ in open_at)
    return "".join(char for index, char in enumerate(text) if index not in unpaired)


#: Links an embedded post leaves in its text ("... done. pic.twitter.com/Qx7bL2"): not words.
_MEDIA_LINK_RE = re.compile(
    r"\s*(?:\bhttps?://)?\b(?:pic\.twitter\.com|t\.co|instagr\.am|youtu\.be)/\S+"
)


def without_media_links(text: str) -> str:
    """Return `text` without the photo and short links an embedded post carries."""
    return _MEDIA_LINK_RE.sub("", text).strip() if "/" in text else text


def split_lines(text: str) -> list[str]:
    """Split a document into cleaned lines, keeping empty lines (they separate paragraphs)."""
    return [clean_text(line) for line in _LINE_BREAKS_RE.sub("\n", text).split("\n")]


def word_count(text: str) -> int:
    """Count whitespace-separated words."""
    return len(text.split())


_WORD_RE = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Return the lowercase words of `text`: punctuation, quote styles and spacing ignored."""
    return _WORD_RE.findall(text.lower())


def trigrams(tokens: list[str]) -> set[tuple[str, ...]]:
    """Return the runs of three consecutive words in `tokens`."""
    return set(zip(tokens, tokens[1:], tokens[2:], strict=False))


@functools.lru_cache(maxsize=4096)
def word_trigrams(text: str) -> tuple[tuple[str, ...], frozenset[tuple[str, ...]]]:
    """Return the words of `text` (see `words`) and their trigrams.

    Remembered: the HTML reader asks it of a paragraph to see whether it is in the main text
    (content.py), and again when the paragraph joins the body (assemble.py: was it read
    already?), a few hundred texts of the page later.
    """
    tokens = words(text)
    return tuple(tokens), frozenset(zip(tokens, tokens[1:], tokens[2:], strict=False))


def repeats(text: str, other: str) -> bool:
    """Say whether one text's words appear, in order, inside the other's ("A dek" / "A dek.")."""
    mine, theirs = " ".join(words(text)), " ".join(words(other))
    return bool(mine and theirs) and (mine in theirs or theirs in mine)


#: Characters that end a sentence, with closing quotes or brackets allowed after them.
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’»)\]]*$")


def ends_sentence(text: str) -> bool:
    """Say whether `text` ends like a sentence (terminal punctuation, maybe inside quotes)."""
    return bool(_SENTENCE_END_RE.search(text))


# --------------------------------------------------------------------------- lists

#: A list item's marker: bullet glyphs, check marks, arrows, dashes, "1." and "1)".
#: Glyph bullets may touch the text ("•Item"); ASCII markers and numbers need a space, so that
#: "-5 degrees" or "3.5%" stay ordinary text. The em dash is left out: it opens attributions.
LIST_MARKER_RE = re.compile(
    r"^(?:[•●◦▪▫■□‣⁃∙✅✔☑✓✗✘❌➤➢►▸▶→⇒➔➜🔹🔸🔺🔻👉]\ufe0f?\s*"
    r"|[-*+–·]\s+"
    r"|\(?\d{1,3}[.)]\s+)"
    r"(?=\S)"
)


def strip_list_marker(line: str) -> str | None:
    """Return the item text without its marker, or None when `line` is not a list item."""
    match = LIST_MARKER_RE.match(line)
    return line[match.end() :].strip() if match else None


# --------------------------------------------------------------------------- titles

#: A title's leading pictographs and glyphs ("📌 ", "🔑 ", "» ") are layout, not words.
_LEAD_GLYPHS_RE = re.compile(r"^[^\w\"'“‘«(\[¿¡$€£#@]+")


def strip_title(text: str) -> str:
    """Return a title without lead glyphs/emoji and without its trailing colon."""
    text = _LEAD_GLYPHS_RE.sub("", text).strip()
    return text.rstrip(":： ").strip()


def has_lead_glyph(text: str) -> bool:
    """Say whether `text` opens with a pictograph or glyph rather than a word."""
    return bool(_LEAD_GLYPHS_RE.match(text))


#: Titles that announce a summary list; a list under such a title is KEY_POINTS.
KEY_POINT_TITLE_RE = re.compile(
    r"\b(?:key|main|top|quick|fast|important|essential)\s+(?:\w+\s+)?"
    r"(?:points?|takeaways?|facts?|findings?|details?|dates?|numbers|issues|developments"
    r"|moments|changes|measures|questions|figures|terms|elements|things)\b"
    r"|\btakeaways?\b|\bhighlights?\b|\bat a glance\b|\bglance\b"
    r"|\bwhat (?:we|you) (?:know|need to know|should know)\b|\bwhat to know\b"
    r"|\bwhat(?:'s| is) (?:new|next|known|changing)\b"
    r"|\bin (?:brief|short|summary|numbers|a nutshell)\b|\bsummary\b|\btl;?dr\b"
    r"|\bby the numbers\b|\bthe essentials\b|\bbottom line\b|\brecap\b|\bkey\b"
    r"|\bthe big picture\b",
    re.IGNORECASE,
)

#: A colon line this short ("What changes for riders:") titles the list under it; longer ones
#: ("Organisers listed what they still need:") are lead-in sentences, unless an emoji opens them.
MAX_COLON_TITLE_WORDS = 4
#: Words that open a lead-in sentence ("The measures include:"), not a list title.
_LEAD_IN_WORDS = frozenset(
    [
        "the",
        "this",
        "these",
        "those",
        "that",
        "there",
        "here",
        "they",
        "he",
        "she",
        "it",
        "we",
        "i",
        "you",
        "our",
        "his",
        "her",
        "their",
        "its",
        "among",
        "other",
        "others",
        "some",
        "such",
        "as",
        "in",
        "on",
        "for",
        "with",
        "when",
        "while",
        "after",
        "before",
        "according",
        "officials",
        "he'd",
    ]
)


def is_key_points_title(text: str) -> bool:
    """Say whether `text` titles a summary list ("Key takeaways", "📌 Key points:")."""
    title = strip_title(text)
    if not title or word_count(title) > 10 or ends_sentence(title):
        return False
    if KEY_POINT_TITLE_RE.search(title):
        return True
    # A short title with a colon ("📌 Negotiation points:", "Main Demands:") is a titled list;
    # a sentence leading into a list ("The measures include:") is not.
    colon = text.rstrip().endswith((":", "："))
    first = title.split()[0].lower()
    short = word_count(title) <= MAX_COLON_TITLE_WORDS or has_lead_glyph(text)
    return colon and short and first not in _LEAD_IN_WORDS and title[0].isupper()


# --------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class NoticeRule:
    """Label words that start a notice of `kind` ("Correction", "Editor's note")."""

    kind: NoticeKind
    label: str  # regex for the label's words


NOTICE_RULES: tuple[NoticeRule, ...] = (
    NoticeRule(
        NoticeKind.TRANSLATION,
        r"(?:automatic|automated|machine|auto|ai)[- ]?(?:translation|translated)"
        r"(?:\s+(?:notice|note|disclaimer|warning))?"
        r"|translation\s+(?:notice|note|disclaimer)|translator['’]?s\s+note",
    ),
    NoticeRule(
        NoticeKind.CORRECTION,
        r"(?:corrections?|clarifications?|erratum)(?:\s+(?:notice|note|appended))?",
    ),
    NoticeRule(NoticeKind.UPDATE, r"(?:latest\s+)?updates?|updated|editor['’]?s\s+update"),
    NoticeRule(
        NoticeKind.EDITORS_NOTE,
        r"editor['’]?s['’]?\s+note|editorial\s+note|note\s+from\s+the\s+editors?"
        r"|note\s+to\s+(?:readers|our\s+readers)|author['’]?s\s+note|disclosure",
    ),
)

_NOTICE_LABEL_RES = tuple(
    (
        rule.kind,
        re.compile(
            rf"(?P<label>(?:{rule.label})(?:\s*\([^()\n]{{1,40}}\))?"
            r"(?:\s+(?:at|on|as of)\s[^\n]{1,40}?)?)\s*[:：]\s+(?=\S)",
            re.IGNORECASE,
        ),
    )
    for rule in NOTICE_RULES
)

#: Notices written as a sentence, with no label ("This article was machine translated...").
NOTICE_SENTENCES: tuple[tuple[NoticeKind, re.Pattern[str]], ...] = (
    (
        NoticeKind.TRANSLATION,
        re.compile(
            r"(?:this|the) (?:article|story|text|content|report|page|piece) (?:was|has been|is)"
            r" (?:\w+ ){0,3}?(?:machine[- ]translated|automatically translated|translated)\b",
            re.IGNORECASE,
        ),
    ),
    (
        NoticeKind.CORRECTION,
        re.compile(
            r"an earlier version of this (?:article|story|report|piece)"
            r"|(?:this|the) (?:article|story|report) (?:was|has been) (?:\w+ ){0,2}?"
            r"(?:corrected|amended)\b",
            re.IGNORECASE,
        ),
    ),
    (
        NoticeKind.UPDATE,
        re.compile(
            r"(?:this|the) (?:article|story|report) (?:was|has been) updated\b"
            r"|this is a developing story\b",
            re.IGNORECASE,
        ),
    ),
)

#: Longer paragraphs are body text, whatever their first words.
MAX_NOTICE_WORDS = 120


@dataclass(frozen=True)
class NoticeMatch:
    kind: NoticeKind
    label: str  # as written, "" for sentence-style notices


def match_notice(text: str) -> NoticeMatch | None:
    """Classify `text` as a notice ("Correction: ...", "UPDATE (3:45 p.m.): ...") or None."""
    if word_count(text) > MAX_NOTICE_WORDS:
        return None
    for kind, label_re in _NOTICE_LABEL_RES:
        match = label_re.match(text)
        if match:
            return NoticeMatch(kind, match.group("label").strip())
    for kind, sentence_re in NOTICE_SENTENCES:
        if sentence_re.match(text):
            return NoticeMatch(kind, "")
    return None


def notice_kind_for_label(label: str) -> NoticeKind | None:
    """Return the notice kind a bare label names ("Correction" -> CORRECTION), or None."""
    match = match_notice(f"{label.strip().rstrip(':')}: x")
    return match.kind if match and match.label else None


# --------------------------------------------------------------------------- boilerplate


@dataclass(frozen=True)
class BoilerplateRule:
    """A whole line that is page furniture, why, and which kind of drop it is."""

    kind: DropKind
    reason: str
    pattern: str  # matched against the whole cleaned line, case-insensitive
    #: A list under such a label ("Read more:", "Most read") is links to other pages.
    heads_links: bool = False


_NETWORKS = (
    r"facebook|twitter|x|whatsapp|e-?mail|linkedin|reddit|telegram|pinterest|print|copy link"
    r"|tweet|messenger|flipboard|bluesky|threads|instagram|tiktok|youtube|mastodon|sms|link"
)

#: "4 min read": metadata of its own, and allowed inside a byline line.
READING_TIME = BoilerplateRule(
    DropKind.METADATA,
    "reading time",
    r"\d+\s*(?:-|–)?\s*min(?:ute)?s?\.?(?: read| listen|read)|reading time:?.{0,20}"
    r"|\d+\s+min(?:ute)?s? (?:reading|listening)(?: time)?",
)

BOILERPLATE_RULES: tuple[BoilerplateRule, ...] = (
    BoilerplateRule(
        DropKind.NAVIGATION,
        "page navigation",
        r"(?:scroll|back|return|go|jump) to (?:the )?(?:top|start)(?: of (?:the )?page)?\W*"
        r"|skip (?:to|navigation)(?: \w+){0,3}\W*"
        r"|(?:next|previous|prev) (?:article|story|page|post)(?:\W.{0,100})?",
    ),
    BoilerplateRule(DropKind.NAVIGATION, "site logo", r"logo(?: \S+){0,4}|(?:\S+ ){1,3}logo"),
    BoilerplateRule(
        DropKind.NAVIGATION,
        "menu item",
        r"(?:main |open |close )?menu|home(?:page)?|search|log ?in|sign ?in|log ?out|sign ?out"
        r"|my account|close|navigation|toggle navigation|sections"
        r"|(?:view|load|see|show) (?:more|all)"
        r"|all (?:news|stories|topics|sections)|breadcrumbs?|you are here:?.{0,80}|topics?:?"
        r"|tags?:.{0,120}|filed under:?.{0,120}",
    ),
    BoilerplateRule(
        DropKind.NAVIGATION,
        "audio player control",
        r"listen to (?:this|the) (?:article|story|report)(?:\W.{0,40})?|(?:play|pause)(?: audio)?",
    ),
    BoilerplateRule(
        DropKind.NAVIGATION,
        "comments link",
        r"(?:\d+ )?comments?(?: \(\d+\))?|(?:leave|post|add|view|show|read|see) (?:a |the |all )?"
        r"(?:\d+ )?comments?.{0,30}|join the (?:conversation|discussion).{0,40}",
    ),
    BoilerplateRule(
        DropKind.ADVERTISEMENT,
        "advertisement",
        r"advertisement|advertising|advert|ads?|sponsored(?: (?:content|post|by .{1,40}))?"
        r"|paid (?:content|post|partnership)|promoted(?: content)?"
        r"|(?:the )?(?:story|article|text) continues (?:below|after).{0,40}"
        r"|continue reading (?:below|after|the main story).{0,40}",
    ),
    BoilerplateRule(
        DropKind.PROMOTION,
        "link to another article",
        r"(?:read|see|watch|listen)(?: (?:more|also|next|the full story|the latest))\b.{0,200}"
        r"|(?:also read|read|watch|see also|related|recommended|more)\s*[:：].{0,200}"
        r"|related(?: (?:articles?|stories|content|coverage|news|topics|reading|links))?"
        r"|more (?:from|on|about|in|stories from) .{1,80}"
        r"|(?:most|more) (?:read|popular|viewed|shared)"
        r"(?: .{0,40})?|recommended(?: for you| stories| reading)?"
        r"|you (?:may|might) also (?:like|enjoy|be interested in).{0,60}|trending(?: now| stories)?"
        r"|top stories|latest (?:news|stories|headlines)|don['’]t miss.{0,100}"
        r"|(?:other|more|latest) (?:\w+ ){0,2}(?:columns|stories|articles|news|headlines|videos)"
        r"|(?:click|tap) here.{0,100}",
        heads_links=True,
    ),
    BoilerplateRule(
        DropKind.PROMOTION,
        "subscription prompt",
        r"(?:sign up|subscribe|register)(?: (?:now|today|here|free|for|to)\b.{0,150})?"
        r"|(?:get|receive|join) (?:our|the) .{0,60}newsletters?.{0,80}"
        r"|(?:\w+ ){0,3}newsletters?|download (?:our|the) app.{0,60}"
        r"|(?:already a (?:subscriber|member)|become a (?:member|subscriber|supporter)"
        r"|support (?:our|independent|local) journalism).{0,150}",
    ),
    BoilerplateRule(
        DropKind.SHARE,
        "share bar",
        rf"share(?: (?:this|the))?(?: (?:article|story|post|page|link))?"
        rf"(?: (?:on|via|to) .{{1,30}})?"
        rf"|(?:(?:share (?:on|via) )?(?:{_NETWORKS})\W*){{1,12}}"
        r"|follow us(?: on .{1,80})?|follow (?:@\w+|.{1,40} on (?:x|twitter|facebook|instagram"
        r"|threads|tiktok|linkedin|youtube|bluesky|whatsapp|telegram)).{0,40}|like us on .{1,30}"
        r"|(?:click|tap) to (?:share|email|print|tweet|pin).{0,80}",
    ),
    BoilerplateRule(
        DropKind.CONSENT,
        "cookie or paywall banner",
        r"(?:accept|reject|allow|decline|refuse)(?: all)?(?: cookies)?(?: .{0,40})?"
        r"|we (?:value|respect|care about) your privacy|your privacy (?:choices|matters|settings)"
        r"|we and our (?:\d+ )?partners (?:use|store|process).{0,400}"
        r"|(?:we|this (?:site|website)) uses? cookies.{0,400}|cookies? (?:settings|policy"
        r"|preferences|notice|consent).{0,60}|manage (?:cookie |privacy )?(?:preferences|settings"
        r"|consent|choices)|by (?:continuing|using|browsing) (?:to (?:use|browse) )?(?:this|our)"
        r" (?:site|website).{0,300}|you have (?:\d+|one|two|three|four|five) free (?:articles?"
        r"|stories) (?:left|remaining).{0,120}|subscribe to (?:continue|keep) reading.{0,60}"
        r"|this (?:article|content|story) is (?:for|only for|available to|exclusive to)"
        r" (?:subscribers|members).{0,60}|got it|i agree|agree and (?:close|continue)"
        r"|to (?:read|view|see|access|unlock|continue reading) (?:the|this) (?:full|whole|entire"
        r"|rest of the|complete) (?:story|article|report|piece)\W.{0,40}(?:subscribe|log ?in"
        r"|sign ?in|register|become a (?:member|subscriber)).{0,120}"
        r"|if you(?:['’]re| are) (?:seeing this(?: message)?,? but you(?:['’]re| are) )?already"
        r" a (?:subscriber|member).{0,200}",
    ),
    BoilerplateRule(
        DropKind.LEGAL,
        "copyright or footer",
        r"(?:©|ⓒ|\(c\) ?\d{4}|copyright ?(?:©|\(c\)|\d{4})).{0,200}|.{0,150}all rights reserved\W*"
        r"|(?:(?:privacy(?: policy)?|terms(?: of (?:use|service))?|cookie policy|contact(?: us)?"
        r"|about us|imprint|impressum|accessibility|sitemap|careers|advertise(?: with us)?)"
        r"(?:\s*[|·•,/-]\s*)?){1,8}"
        # the reprint notices of news sites and agencies, never the article's own sentences:
        # their subject is the article itself ("This material may not be published..."),
        # maybe after the site's copyright line ("© 2026, Site.com. This article is...")
        r"|(?:(?:©|ⓒ|copyright).{0,100}?\.\s+)?"
        r"(?:this|the) (?:article|story|content|material|report|post|text)(?: \w+){0,2}"
        r" (?:is|remains) (?:the )?(?:copyrighted |exclusive |sole |intellectual )?property of"
        r" .{1,250}|(?:(?:prior )?written )?permission (?:must|should|is required to) be obtained"
        r" .{0,200}|(?:this|the) (?:article|story|content|material|report|post|text)(?: \w+){0,2}"
        r" (?:may|must|shall|cannot|can) not be (?:re)?(?:published|reproduced|broadcast"
        r"|rewritten|redistributed|copied|used)\b.{0,200}",
    ),
    BoilerplateRule(
        DropKind.NAVIGATION,
        "photo gallery control",
        r"(?:image|photo|picture|slide|item)s?\s+\d{1,3}\s*(?:of|/)\s*/?\s*\d{1,3}(?:\W.{0,200})?"
        r"|\d{1,3}\s*(?:/|of)\s*/?\s*\d{1,3}|(?:back to|view|open|see|launch|expand|close)"
        r" (?:the )?(?:photo )?(?:gallery|slideshow|slides?)(?: \(\d+ (?:photos|images)\))?"
        r"|(?:enlarge|expand|view) (?:this )?(?:image|photo|picture)|(?:\d+ )?(?:photos|images)"
        r"|(?:previous|prev|next)(?: (?:image|photo|slide))?|fullscreen|full screen"
        r"|(?:toggle |hide |show )?caption|credit|image",
    ),
    BoilerplateRule(DropKind.METADATA, "contact address", r"\S{1,64}@\S{1,120}\.\w{2,12}"),
    BoilerplateRule(
        DropKind.CAPTION,
        "photo gallery caption",
        r"(?:image|photo|picture|slide)?\s*\d{1,3}\s*(?:of|/)\s*\d{1,3}\s+(?-i:[A-Z“\"]).{1,700}",
    ),
    BoilerplateRule(
        DropKind.CAPTION,
        "photo credit",
        r"(?:(?:photo(?:graph)?s?|pictures?|illustrations?|images?|video|graphics?)"
        r"(?: and (?:photo(?:graph)?s?|video|text|words))? by|(?:photo|image) credit:?) .{1,80}",
    ),
    BoilerplateRule(
        DropKind.NAVIGATION,
        "web address",
        r"(?:https?://|www\.)\S{1,300}",
    ),
    BoilerplateRule(
        DropKind.OTHER,
        "publishing system code",
        # WordPress shortcodes: "[caption id=...]", "[button link=...]Send us...[/button]"
        r"\[/?[a-z][\w-]{1,30}(?:\s[^\]]{0,300})?\](?:.{0,200}\[/[a-z][\w-]{1,30}\])?",
    ),
    BoilerplateRule(
        DropKind.OTHER,
        "image file data",
        r"\S{1,200}\.(?:jpe?g|png|gif|webp|avif|svg)(?:\s+\S{1,40}){0,8}",
    ),
    BoilerplateRule(
        DropKind.PROMOTION,
        "appeal to readers",
        r"(?:please )?(?:donate|make a (?:donation|contribution)|give)"
        r"(?: (?:now|today|here|to .{1,60}))?"
        r"|(?:donate|contribute) (?:to|and) (?:support|help|keep).{0,150}"
        r"|(?:have|got) a (?:news )?tip\??.{0,150}"
        r"|(?:do you )?(?:have|got) a story (?:for us|to share|we should (?:know|cover))\?.{0,150}"
        r"|(?:send|submit) (?:us )?(?:a |your )?(?:news )?tips?\b.{0,150}"
        r"|(?:like|liked|enjoy|enjoyed|love|loved) (?:this|the) (?:story|article|post|piece)\?"
        r".{0,150}"
        r"|(?:did you|do you) (?:like|enjoy) (?:this|the) (?:story|article|post|piece)\?.{0,150}"
        r"|(?:was|is) this (?:article|story|page) (?:helpful|useful)\??.{0,60}",
    ),
    BoilerplateRule(
        DropKind.ADVERTISEMENT,
        "affiliate disclosure",
        r"(?:this|the) (?:post|article|page|story|content|guide|review)(?: \w+){0,2}"
        r" (?:contains|includes|may contain|has) (?:affiliate links|references to products"
        r"|sponsored (?:links|content)|paid links).{0,200}"
        r"|(?:we|this (?:site|website|page)|[\w .]{1,40} and its partners) may (?:earn|receive|get)"
        r" (?:a )?(?:small |modest )?(?:commission|compensation|fee|share of (?:sales|revenue))"
        r".{0,200}",
    ),
    READING_TIME,
    BoilerplateRule(
        DropKind.METADATA,
        "reporting credits",
        r"(?:\(?(?:additional )?(?:reporting|writing|editing|compiled|contributing|research)"
        r" by .{1,200})",
    ),
)

#: All the rules as one pattern, tried in their order (a fullmatch takes the first alternative
#: that matches the whole line), each a named group: one regex call per line instead of one per
#: rule, for the walker asks this of every line of a page. A label may end with a colon
#: ("Related stories:" titles the list of links under it).
_BOILERPLATE_RE = re.compile(
    "|".join(
        rf"(?P<rule{index}>(?:{rule.pattern})\s*[:：]?)"
        for index, rule in enumerate(BOILERPLATE_RULES)
    ),
    re.IGNORECASE,
)
#: Boilerplate is a short line; longer text is never furniture (a gallery's numbered slide
#: caption is the longest).
MAX_BOILERPLATE_CHARS = 720


def heads_links(text: str) -> bool:
    """Say whether `text` labels a list of links to other pages ("Related stories:")."""
    rule = match_boilerplate(text)
    return rule is not None and rule.heads_links


# Remembered: a paragraph is asked as a whole (classify_furniture) and again as the one part of
# a metadata line (classify_metadata), and the HTML reader asks of link texts too.
@functools.lru_cache(maxsize=4096)
def match_boilerplate(text: str) -> BoilerplateRule | None:
    """Return the rule that makes the whole of `text` page furniture, or None."""
    if len(text) > MAX_BOILERPLATE_CHARS:
        return None
    match = _BOILERPLATE_RE.fullmatch(text)
    if match is None:
        return None
    return BOILERPLATE_RULES[int(str(match.lastgroup).removeprefix("rule"))]


# --------------------------------------------------------------------------- bylines

_BYLINE_RE = re.compile(
    r"(?:written |words |reported |text )?(?:by|por|par|von|di|door|av|af)[:\s]\s*"
    r"(?P<names>.{2,150})",
    re.IGNORECASE,
)
#: Lowercase words allowed inside a list of names ("Ana de la Cruz and Li Wei").
_NAME_CONNECTORS = frozenset(
    [
        "and",
        "&",
        "y",
        "e",
        "et",
        "und",
        "de",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "la",
        "le",
        "da",
        "dos",
        "das",
        "du",
        "bin",
        "al",
        "el",
        "ter",
    ]
)
#: Words after "By" that start a sentence, not a name ("By Tuesday, ...").
_NOT_NAMES = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "then",
        "now",
        "contrast",
        "comparison",
        "law",
        "car",
        "train",
        "plane",
        "bus",
        "night",
        "day",
        "noon",
        "midnight",
    ]
)
_BYLINE_CUT_RE = re.compile(r"\s*(?:,|;|\s[-–—|·•/]\s|\sfor\s|\sin\s|\(|\|)")
_BYLINE_NAME_CHARS_RE = re.compile(r"^[^\W\d_][\w.'’-]*$")


def match_byline(text: str) -> str | None:
    """Return the names of a byline ("By Jane Doe and John Roe | Reuters"), or None."""
    if len(text) > 200 or (text.rstrip().endswith((".", "!", "?")) and not _ends_initial(text)):
        return None
    match = _BYLINE_RE.fullmatch(text.strip())
    if not match:
        return None
    names = _BYLINE_CUT_RE.split(match.group("names"), maxsplit=1)[0].strip()
    words = names.split()
    if not 1 <= len(words) <= 10 or words[0].lower().strip(",") in _NOT_NAMES:
        return None
    for word in words:
        if word.lower() in _NAME_CONNECTORS:
            continue
        if not (_BYLINE_NAME_CHARS_RE.match(word) and word[0].isupper()):
            return None
    return names


def _ends_initial(text: str) -> bool:
    """Say whether `text` ends with an initial or suffix ("Jr.", "J.") rather than a sentence."""
    return bool(re.search(r"(?:\b[A-Z]|\bJr|\bSr)\.$", text.rstrip()))


# --------------------------------------------------------------------------- dates

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?"
_DATE = (
    rf"(?:{_WEEKDAY}\s+)?(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
)
_TZ = (
    r"(?:\s?(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|BST|CET|CEST|GMT|UTC|IST|JST|AEST)"
    r"(?:[+-]\d{1,2})?)"
)
_TIME = (
    r"(?:\d{1,2}(?:[:.]\d{2})?\s?(?:a\.?m\.?|p\.?m\.?)|\d{1,2}:\d{2}(?: ?h)?|noon|midnight)"
    rf"{_TZ}?|\d{{1,2}}\.\d{{2}}{_TZ}"
)
_DATE_PREFIX = (
    r"(?:(?:first |last |originally )?(?:published|updated|posted|modified|date|created)"
    r"(?: on| at)?\s*:?\s*)"
)
#: In a line of its own, a date may omit the year ("Updated Nov 19, 6:55 AM") or be relative.
_SHORT_DATE = (
    rf"(?:{_WEEKDAY}\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH})"
    r"|(?:an?|one|\d{1,3})\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago"
    r"|yesterday|today|just now"
    rf"|{_WEEKDAY}"  # "Updated: Sat 8:31 PM, Feb 17, 2018"
)
_DATE_LINE_RE = re.compile(
    rf"{_DATE_PREFIX}?(?:{_DATE}|{_SHORT_DATE}|{_TIME})(?:\s*(?:,|at|[|·•/–—-])?\s*"
    rf"{_DATE_PREFIX}?(?:{_DATE.replace('?P<', '?P<x')}|{_SHORT_DATE}|{_TIME}))*\.?",
    re.IGNORECASE,
)
_DATE_SEARCH_RE = re.compile(_DATE, re.IGNORECASE)


def is_date_line(text: str) -> bool:
    """Say whether `text` is only a date and/or time ("Published 10:15 a.m. ET", "May 11, 2026")."""
    return len(text) <= 120 and bool(_DATE_LINE_RE.fullmatch(text.strip()))


def iso_date(text: str) -> str:
    """Return the first date in `text` as ISO 8601 ("2026-05-11"), or "" if there is none."""
    for match in _DATE_SEARCH_RE.finditer(text):
        found = _match_to_iso(match)
        if found:
            return found
    return ""


def _match_to_iso(match: re.Match[str]) -> str:
    """Turn one `_DATE` match into "YYYY-MM-DD"; numeric d/m/y dates are ambiguous: skip them."""
    if match.group("iso"):
        return match.group(0).strip() if "T" in match.group(0) else match.group("iso")
    month_name = match.group("m1") or match.group("m2")
    day = match.group("d1") or match.group("d2")
    year = match.group("y1") or match.group("y2")
    if not (month_name and day and year):
        return ""
    prefix = month_name.lower().rstrip(".")[:3]
    month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(prefix))
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return ""


# --------------------------------------------------------------------------- captions

#: Agencies whose name, followed by "/Photographer", credits a photo.
_AGENCIES = (
    r"EFE|EPA|AFP|AP|REUTERS|Reuters|ANSA|DPA|dpa|Xinhua|XINHUA|Europa Press|Bloomberg|PA|AAP"
    r"|Anadolu|SOPA|Shutterstock|Alamy|Getty Images|GETTY IMAGES|Getty|NurPhoto|Sipa|SIPA|ZUMA"
    r"|Zuma|TASS|Sputnik|KYODO|Kyodo|Yonhap|IANS|PTI|ABACA|Abaca|Pool|POOL"
)


def _endings(*stems: str) -> tuple[str, ...]:
    """Return the ways a text matched by a pattern ending in `<stem>\\.?$` can end."""
    return tuple(stem + tail for stem in stems for tail in ("", ".", "\n", ".\n"))


_AGENCY_ENDINGS = _endings(*_AGENCIES.split("|"))
_BRACKET_ENDINGS = _endings(")", "]")
#: The credit patterns, each after a test that every text it matches passes. The patterns end
#: with "$", so a search tries them at every position of the text; most paragraphs carry no
#: credit, and the test (how the text ends, a character it must hold) turns them away at once.
_CREDIT_RES: tuple[tuple[Callable[[str], bool], re.Pattern[str]], ...] = (
    # "... wing. (Photo: Luis Ortega / Riverside Courier)"
    (
        lambda text: text.endswith(_BRACKET_ENDINGS),
        re.compile(
            r"\s*[(\[](?:(?:photo|image|picture|foto|photograph|credit|video)s?"
            r"(?: by| credit)?\s*:?\s*)"
            r"(?P<credit>[^()\[\]]{2,120})[)\]]\.?$",
            re.IGNORECASE,
        ),
    ),
    # "... on Monday. Photo: Jane Doe / Getty Images"
    (
        lambda text: ":" in text or "…" in text or "..." in text,
        re.compile(
            r"(?:^|\s+)(?:photo|image|picture|foto|photograph|credit)s?(?: by| credit)?"
            r"\s*(?::|\.\.\.|…)\s*(?P<credit>[^:]{2,120})$",
            re.IGNORECASE,
        ),
    ),
    # "... 2025. EFE/EPA/MOHAMMED BADRA", "REUTERS/Evelyn Hockstein", "AP Photo/Evan Vucci"
    (
        lambda text: "/" in text,
        re.compile(
            rf"(?:^|\s+)(?P<credit>(?:{_AGENCIES})(?: Photo)?(?:\s?/\s?(?:{_AGENCIES}"
            r"|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})){1,4})\.?$"
        ),
    ),
    # "... via Getty Images", "| Getty Images", "... on Monday. Getty Images"; not the agency
    # that ends a sentence of prose ("... a spokesperson said when contacted by Reuters.")
    (
        lambda text: text.endswith(_AGENCY_ENDINGS),
        re.compile(
            r"(?:^|(?<=[.!?”\"’)])\s+|\s*[|/]\s*|\s+(?=(?:[A-Z][\w.'’-]* ){0,4}via ))"
            rf"(?P<credit>(?:[A-Z][\w.'’-]* ){{0,4}}(?:via |/ ?)?(?:{_AGENCIES}))\.?$"
        ),
    ),
)
#: "Photo: " before the caption's own words is a label, not part of the caption.
_CAPTION_LABEL_RE = re.compile(r"^(?:photo|image|picture|foto|photograph)s?\s*:\s*", re.IGNORECASE)
#: Captions are a sentence or two; a long paragraph with a slash at the end is body text.
MAX_CAPTION_WORDS = 90


#: "(Photo: Jane Roe/Metro Wire) Water pours across Canal Street." : the credit opens it.
_LEADING_CREDIT_RE = re.compile(
    r"^[(\[](?:photo|image|picture|foto|photograph)s?(?: by| credit)?\s*:\s*"
    r"(?P<credit>[^()\[\]]{2,120})[)\]]\s*",
    re.IGNORECASE,
)


def leading_credit(text: str) -> Caption | None:
    """Return `text` as a Caption when it opens with its credit ("(Photo: J. Roe) ..."), or None."""
    match = _LEADING_CREDIT_RE.match(text)
    if match is None or word_count(text) > MAX_CAPTION_WORDS:
        return None
    return Caption(text=text[match.end() :].strip(), credit=match.group("credit").strip())


def split_caption(text: str) -> Caption | None:
    """Return `text` as a Caption when it carries a photo credit, or None."""
    if word_count(text) > MAX_CAPTION_WORDS:
        return None
    leading = leading_credit(text)
    if leading is not None:
        return leading
    for can_match, credit_re in _CREDIT_RES:
        match = credit_re.search(text) if can_match(text) else None
        if match:
            caption = _CAPTION_LABEL_RE.sub("", text[: match.start()].strip())
            credit = match.group("credit").strip().strip("|/ ").strip()
            return Caption(text=caption, credit=credit)
    return None


# --------------------------------------------------------------------------- quotes

_QUOTE_PAIRS = {"“": "”", '"': '"', "«": "»", "„": "“", "‘": "’", "»": "«"}


def is_whole_quotation(text: str) -> bool:
    """Say whether `text` is entirely one quotation, with no attribution outside the marks.

    “No child should sit in a classroom hungry.” is a quote; “We will help,” he said. is not.
    """
    if len(text) < 3:
        return False
    opening = text[0]
    closing = _QUOTE_PAIRS.get(opening)
    if closing is None:
        return False
    end = text.rstrip(".!?… ")
    if not end.endswith(closing):
        return False
    inner = end[1:-1]
    # An inner closing mark means the quotation stops before the end ("…,” she said, “…”).
    return closing not in inner if opening != closing else closing not in inner.strip()


# --------------------------------------------------------------------------- headings


def is_heading_like(text: str, max_words: int = 14) -> bool:
    """Say whether `text` reads like a heading: short, capitalised, no sentence punctuation."""
    if not text or len(text) > 120 or word_count(text) > max_words:
        return False
    if text.endswith((".", ",", ";", ":", "…")) or text.endswith(("”", '"')):
        return False
    first = text.lstrip("\"'“‘¿¡(")[:1]
    return bool(first) and (first.isupper() or first.isdigit() or not first.isalpha())


def is_all_caps(text: str) -> bool:
    """Say whether every letter of `text` is a capital (and there are letters)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def is_pictographic(char: str) -> bool:
    """Say whether `char` is an emoji-like symbol (Unicode category So)."""
    return unicodedata.category(char) == "So"
