"""Read an HTML article page with a real parser (selectolax/lexbor).

1. Metadata comes from <html lang> and <meta> tags (author, article:published_time, section).
2. trafilatura finds the page's main text (content.py); the article is the smallest element
   holding nearly all of it (or, when trafilatura finds none, of the page's long sentences),
   widened to the headline's header. Everything outside it is dropped (and kept, with the
   reason), and inside it a block the main text does not hold is dropped too, unless it is a
   sentence between two of its paragraphs or in a block of the body's class ("article-body").
   trafilatura is given the page as the listener's reader sees it: without scripts, styles and
   hidden elements (hidden, display:none, aria-hidden, hover cards), which are listed as
   dropped ("hidden on the page").
3. The scope is walked in document order. Scripts, styles, forms and embeds are never read;
   nav, aside, header/footer outside the article, and elements whose class/id names a cookie
   banner, paywall, share bar, related list, newsletter box or advert are dropped (HINTS
   table), but never an element holding much of the article (Prose.holds_much) nor a notice.
   Kicker, standfirst and byline elements are recognised by class (the *_HINTS tables).
   An embedded post (a tweet's blockquote) is a quote the article makes; a data table is read
   row by row when it is small or holds much of the article's prose.
4. The rest becomes elements (headings, paragraphs, lists, quotes) assembled like Markdown:
   paragraph text goes through the shared line tables (rules.py), so boilerplate lines,
   bylines, dates and "Correction: ..." paragraphs are treated exactly as in plain text.
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from audionews.ingest import rules
from audionews.ingest.assemble import (
    OUTSIDE_REASON,
    ArticleParts,
    Element,
    Heading,
    ListElement,
    Paragraph,
    Quote,
    assemble,
    classify_metadata,
)
from audionews.ingest.content import MainText, main_text
from audionews.models import Article, Caption, DropKind
from audionews.vocabulary import NoticeKind

#: Never text: removed before anything else looks at the page.
INVISIBLE_TAGS = (
    "script, style, noscript, template, svg, iframe, object, embed, canvas, link, meta, head,"
    " button, input, select, textarea, option, map, audio, video, picture, source,"
    " annotation, annotation-xml"  # MathML's TeX source ("{\\displaystyle A}")
)
#: Elements a reader never sees on the page: hidden ones and the cards that pop up over a
#: name on hover ("rollover-people-block" holding that person's latest headlines).
HIDDEN_SELECTOR = ", ".join(
    [
        "[hidden]",
        '[style*="display:none"]',
        '[style*="display: none"]',
        '[style*="visibility:hidden"]',
        '[style*="visibility: hidden"]',
        '[class*="rollover-block"]',
        '[class*="hovercard"]',
        '[class*="hover-card"]',
        '[class*="tooltip-content"]',
        '[class*="tooltiptext"]',
        '[class*="popover-content"]',
    ]
)
NEVER_HIDDEN_TAGS = frozenset({"html", "body", "main", "article"})
#: A <noscript> is what a reader without scripts is shown: mostly a tracking pixel or "please
#: enable JavaScript", but a page that renders its article from a script template (Blogger's
#: themes do) ships the article itself there. One holding this much paragraph text is read.
NOSCRIPT_PROSE_CHARS = 200
#: Hidden siblings shown one at a time by a script (see _not_revealed_in_turn): how many, and
#: how much text outside links each must hold.
REVEALED_IN_TURN_MIN = 3
REVEALED_PROSE_CHARS = 150
#: A wiki's link to edit a section, printed after its heading ("History[edit]").
_EDIT_LINK_RE = re.compile(r"\s*\[(?:edit|edit source|change)\]$", re.IGNORECASE)
#: Tags that start a block; anything else is inline text inside a block.
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dialog",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
        "summary",
        "tr",
        "td",
        "th",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "menu",
        "body",
        "html",
        "center",
    ]
)
_INNER_BLOCK_TAGS = BLOCK_TAGS - {"html", "body"}
_BLOCK_SELECTOR = ", ".join(sorted(_INNER_BLOCK_TAGS))
HEADING_TAGS = frozenset(["h2", "h3", "h4", "h5", "h6"])
#: Deeper nesting than this is read as one block (pathological pages must not exhaust the stack).
MAX_DEPTH = 120

#: Tags that are never read, with the drop kind and reason.
DROP_TAGS: dict[str, tuple[DropKind, str]] = {
    "nav": (DropKind.NAVIGATION, "navigation menu"),
    "menu": (DropKind.NAVIGATION, "navigation menu"),
    "aside": (DropKind.PROMOTION, "sidebar"),
    "form": (DropKind.PROMOTION, "form"),
    "dialog": (DropKind.CONSENT, "dialog"),
    "pre": (DropKind.OTHER, "code block"),
}
#: Tags dropped only outside the article (inside it, <header> holds the headline).
OUTER_DROP_TAGS: dict[str, tuple[DropKind, str]] = {
    "header": (DropKind.NAVIGATION, "site header"),
    "footer": (DropKind.LEGAL, "page footer"),
}
#: ARIA roles that mark page furniture.
DROP_ROLES: dict[str, tuple[DropKind, str]] = {
    "navigation": (DropKind.NAVIGATION, "navigation menu"),
    "banner": (DropKind.NAVIGATION, "site header"),
    "contentinfo": (DropKind.LEGAL, "page footer"),
    "complementary": (DropKind.PROMOTION, "sidebar"),
    "search": (DropKind.NAVIGATION, "search box"),
    "dialog": (DropKind.CONSENT, "dialog"),
    "alertdialog": (DropKind.CONSENT, "dialog"),
}


@dataclass(frozen=True)
class Hint:
    """Class/id words that mark an element as furniture: whole tokens or substrings."""

    kind: DropKind
    reason: str
    tokens: frozenset[str] = frozenset()
    substrings: tuple[str, ...] = ()


#: Class/id hints, checked in order; the first that matches decides.
HINTS: tuple[Hint, ...] = (
    Hint(
        DropKind.CONSENT,
        "cookie or paywall banner",
        frozenset({"cmp", "gdpr", "meter", "regwall"}),
        ("cookie", "consent", "paywall", "onetrust", "didomi", "gdpr", "subscriber-only"),
    ),
    Hint(DropKind.SHARE, "share bar", frozenset(), ("share", "sharing", "social")),
    Hint(
        DropKind.ADVERTISEMENT,
        "advertisement",
        frozenset({"ad", "ads", "advert", "adv", "dfp", "gpt", "sponsor", "sponsored", "banner"}),
        ("advert", "adslot", "ad-slot", "ad-unit", "adunit", "ad-container", "ad-wrapper"),
    ),
    Hint(
        DropKind.PROMOTION,
        "related or promoted links",
        frozenset({"promo", "teaser", "teasers", "more", "trending", "popular", "latest"}),
        (
            "related",
            "mostread",
            "most-read",
            "most_read",
            "mostpopular",
            "most-popular",
            "recommend",
            "read-more",
            "readmore",
            "read-next",
            "more-stories",
            "outbrain",
            "taboola",
            "newsletter",
            "signup",
            "sign-up",
            "subscribe",
            "subscription",
        ),
    ),
    Hint(
        DropKind.NAVIGATION,
        "navigation",
        frozenset(
            {
                "nav",
                "navbar",
                "navigation",
                "menu",
                "skip",
                "pagination",
                "toolbar",
                "masthead",
                "sidebar",
                "tags",
                "breadcrumb",
                "breadcrumbs",
                "logo",
            }
        ),
        (
            "breadcrumb",
            "skip-link",
            "skiplink",
            "skip-to",
            "comment",
            "disqus",
            "top-bar",
            "topbar",
            "site-header",
            "page-header",
        ),
    ),
    Hint(DropKind.LEGAL, "page footer", frozenset({"footer", "copyright"}), ("site-footer",)),
)

#: Class/id words that give an element a role in the article's header.
KICKER_HINTS = frozenset(
    {"kicker", "eyebrow", "section", "category", "overline", "rubric", "label", "flag", "topic"}
)
STANDFIRST_HINTS = frozenset(
    {
        "dek",
        "standfirst",
        "summary",
        "subtitle",
        "subheadline",
        "sub-headline",
        "deck",
        "lede",
        "strapline",
        "excerpt",
        "intro",
        "description",
        "teaser-text",
    }
)
BYLINE_HINTS = frozenset(
    {"byline", "author", "authors", "meta", "dateline", "timestamp", "date", "published", "credit"}
)
HEADER_HINTS = KICKER_HINTS | STANDFIRST_HINTS | BYLINE_HINTS
KEY_POINTS_HINTS = (
    "key-points",
    "keypoints",
    "key_points",
    "takeaway",
    "highlights",
    "at-a-glance",
)
#: Class/id words of notice boxes, with their kind.
NOTICE_HINTS: tuple[tuple[NoticeKind, tuple[str, ...]], ...] = (
    (NoticeKind.TRANSLATION, ("translation-notice", "machine-translation", "auto-translat")),
    (NoticeKind.CORRECTION, ("correction", "clarification", "erratum")),
    (NoticeKind.EDITORS_NOTE, ("editors-note", "editor-note", "editorsnote", "editor-s-note")),
    (NoticeKind.UPDATE, ("update-note", "article-update", "story-update", "updates-box")),
)
_TOKEN_SPLIT_RE = re.compile(r"[\s_-]+")
_TITLE_SUFFIX_RE = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,60}$")


def parse_html(text: str) -> Article:
    """Parse an HTML page into an Article (raises InputError if nothing readable)."""
    tree = LexborHTMLParser(text)
    parts = ArticleParts(source_format="html")
    meta = _meta_tags(tree)
    parts.language = _language(tree, meta)
    title = _page_title(tree, meta)  # read before <head> goes with the invisible tags
    for node in tree.css("noscript"):
        if sum(len(p.text()) for p in node.css("p")) >= NOSCRIPT_PROSE_CHARS:
            node.unwrap()
    for node in tree.css(INVISIBLE_TAGS):
        node.decompose()
    # A page that hides itself until its scripts run (an anti-flicker "display:none" on the
    # body) is still read, and so is an article hidden whole.
    hidden = [n for n in tree.css(HIDDEN_SELECTOR) if n.tag not in NEVER_HIDDEN_TAGS]
    # Screen readers skip aria-hidden text, and so does the listener; a page hidden whole
    # behind a dialog (paragraphs inside) is still read.
    hidden += [n for n in tree.css('[aria-hidden="true"]') if n.css_first("p") is None]
    _drop_hidden(_not_revealed_in_turn(hidden), parts)
    body = tree.body
    if body is None:
        return parts.build()
    # trafilatura reads what is left of the page: the same visible text, without the scripts,
    # styles and inline images that are often most of a page's bytes and of its parse.
    main = main_text(tree.html or "")
    for node in tree.css("br"):
        node.replace_with(rules.LINE_BREAK)
    blocks = _blocks(body)  # the tree no longer changes: its blocks are listed once
    prose = Prose.measure(body, main, blocks)
    root = prose.root(body)
    headline_node = _headline_node(root, body) or _title_node(body, title)
    if headline_node is not None:
        parts.headline = _text(headline_node)
        # The article's header (kicker, standfirst, byline) sits around the headline, which
        # may lie outside the block that holds the body text.
        root = _common_ancestor(root, headline_node)
    walker = _Walker(parts, root, _Matches(body, blocks), main=main, prose=prose)
    walker.headline_id = headline_node.mem_id if headline_node is not None else None
    _drop_outside(body, root, parts)
    walker.walk(root, depth=0)
    walker.flush()
    _fill_gaps(walker.elements)
    _drop_teasers(walker.elements, parts)
    assemble(walker.elements, parts)
    _apply_meta_fallbacks(parts, meta, title, walker)
    return parts.build()


def _fill_gaps(elements: list[Element]) -> None:
    """Read a paragraph of prose that the main text skipped between two of its paragraphs.

    trafilatura sometimes loses a sentence set apart by line breaks; between two paragraphs of
    the story, a sentence of prose is the story, not a teaser.
    """
    for index in range(1, len(elements) - 1):
        element = elements[index]
        before, after = elements[index - 1], elements[index + 1]
        if (
            isinstance(element, Paragraph)
            and element.outside
            and isinstance(before, Paragraph)
            and not before.outside
            and isinstance(after, Paragraph)
            and not after.outside
            and rules.word_count(element.text) >= MIN_GAP_WORDS
            and rules.ends_sentence(element.text)
        ):
            element.outside = False


def _drop_teasers(elements: list[Element], parts: ArticleParts) -> None:
    """Drop the other stories under a links label that ends the article ("Top stories",
    "Other opinion columns"): their headlines and one-line summaries are often in the main
    text too, as trafilatura takes the page's column for the story.

    The label must come after the story has begun, and everything from it to the end of the
    article must be shaped like teasers: MIN_TEASERS headlines or more (headings, links), each
    with at most a short summary, and text the main text left out. Two paragraphs of prose in a
    row, a long one or a list there are the story going on, and so is a paragraph under a lone
    promoted link (an inline "Don't miss" promo): the label stays.
    """
    story = 0
    for index, element in enumerate(elements):
        if (
            story >= MIN_STORY_PARAGRAPHS
            and isinstance(element, Heading | Paragraph)
            and rules.word_count(element.text) <= MAX_LABEL_WORDS
            and rules.heads_links(element.text)
        ):
            rest = elements[index + 1 :]
            if len(rest) >= MIN_TEASERS and _teasers(rest):
                label = rules.match_boilerplate(element.text)
                kind, reason = (label.kind, label.reason) if label else (DropKind.PROMOTION, "")
                for dropped in elements[index:]:
                    texts = dropped.items if isinstance(dropped, ListElement) else [dropped.text]
                    for text in texts:
                        parts.drop(kind, text, reason)
                del elements[index:]
                return
        if isinstance(element, Paragraph) and not element.outside:
            story += 1


def _teasers(elements: list[Element]) -> bool:
    """Say whether `elements` are other stories' headlines, each with at most a short summary."""
    previous: Element | None = None
    headlines = 0
    for element in elements:
        if isinstance(element, Heading) or (isinstance(element, Paragraph) and element.link):
            headlines += 1
        if isinstance(element, ListElement) or (isinstance(element, Quote) and not element.outside):
            return False
        if isinstance(element, Paragraph) and not element.outside and not element.link:
            headlined = isinstance(previous, Heading) or (
                isinstance(previous, Paragraph) and previous.link
            )
            if not headlined or rules.word_count(element.text) > MAX_TEASER_WORDS:
                return False
        previous = element
    return headlines >= MIN_TEASERS


# --------------------------------------------------------------------------- metadata


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    """Return <meta> name/property/itemprop -> content (first wins), keys lowercased."""
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attributes = node.attributes
        key = attributes.get("property") or attributes.get("name") or attributes.get("itemprop")
        content = attributes.get("content")
        if key and content and key.lower() not in found:
            found[key.lower()] = rules.clean_text(content)
    return found


def page_link(text: str, base_url: str) -> str:
    """Return the page's canonical URL (<link rel=canonical>, else og:url), resolved against
    `base_url` (where the page was fetched), or `base_url` when it declares none we keep.

    A canonical URL is kept only on the page's own site (the same host, or one a subdomain of
    the other: www., amp., m.): the link finds the episode to revise when the page is published
    again, and a page on another site must not be able to claim another site's article.
    """
    tree = LexborHTMLParser(text)
    declared = [
        node.attributes.get("href") or ""
        for node in tree.css("link[rel][href]")
        if "canonical" in (node.attributes.get("rel") or "").lower().split()
    ]
    declared.append(_meta_tags(tree).get("og:url", ""))
    home = (urlsplit(base_url).hostname or "").lower()
    for href in filter(None, (h.strip() for h in declared)):
        try:
            link = urljoin(base_url, href)
            parts = urlsplit(link)
            host = (parts.hostname or "").lower()
        except ValueError:  # "http://[broken": not an address, try the next declaration
            continue
        same_site = host == home or host.endswith("." + home) or home.endswith("." + host)
        if parts.scheme in ("http", "https") and host and same_site:
            return link
    return base_url


def _language(tree: LexborHTMLParser, meta: dict[str, str]) -> str:
    """Return the declared language: <html lang>, else a content-language meta tag."""
    html = tree.css_first("html")
    declared = (html.attributes.get("lang") if html is not None else None) or ""
    declared = declared or meta.get("content-language", "") or meta.get("og:locale", "")
    return rules.clean_text(declared).replace("_", "-")


def _page_title(tree: LexborHTMLParser, meta: dict[str, str]) -> str:
    """Return the page's title without the site's name ("Headline - Site" -> "Headline")."""
    title_node = tree.css_first("title")
    title = meta.get("og:title") or (_text(title_node) if title_node is not None else "")
    return _TITLE_SUFFIX_RE.sub("", title)


def _title_node(body: LexborNode, title: str) -> LexborNode | None:
    """Return the block that prints the page title, the headline of a page with no <h1>."""
    wanted = rules.words(title)
    if not wanted:
        return None
    return next((node for node, text in _own_texts(body) if rules.words(text) == wanted), None)


def _apply_meta_fallbacks(
    parts: ArticleParts, meta: dict[str, str], title: str, walker: _Walker
) -> None:
    """Fill what the page body did not give from <meta> tags and <title>."""
    published = meta.get("article:published_time") or meta.get("datepublished") or ""
    # Machine-readable dates are better than the visible "March 14, 2026".
    if published or walker.time_datetime:
        parts.published = published or walker.time_datetime
    author = meta.get("author") or meta.get("article:author") or ""
    if not parts.byline and author and not author.startswith(("http://", "https://")):
        parts.byline = author
    if not parts.kicker:
        parts.kicker = meta.get("article:section", "")
    if not parts.headline:
        parts.headline = title
    description = meta.get("description") or meta.get("og:description") or ""
    if not parts.standfirsts and description and not _repeats_body(description, parts):
        parts.standfirsts.append(description)


def _repeats_body(text: str, parts: ArticleParts) -> bool:
    """Say whether `text` (a meta description) repeats the headline or the body's start.

    Descriptions are often the first paragraph cut short, mid-word: the last word is not
    compared, and words are compared without punctuation or quote styles.
    """
    tokens = rules.words(text)
    probe = " ".join(tokens[:-1] if len(tokens) > 5 else tokens)
    if not probe or probe in " ".join(rules.words(parts.headline)):
        return True
    return any(probe in " ".join(rules.words(block.text)) for block in parts.body[:3])


# --------------------------------------------------------------------------- scope


#: The article is the smallest element holding this share of the page's article prose: a body
#: split into sibling blocks (around an ad slot) is read whole, a wrapper is looked through.
ROOT_SHARE = 0.95
#: An element holding this share of the article's prose is never furniture, whatever its class
#: says ("content-with-sidebar", "entry-content-read-more", a paywall wrapper holding the text).
PROTECTED_SHARE = 0.3
#: ... or this many of its words: a section whose id happens to say "sharing" is not a share bar.
PROTECTED_WORDS = 80
#: A block holding this share of the prose whose class names a body ("article-body",
#: "story__body") marks the blocks of the same class as body too: a story split around ad
#: slots. Only "body": "content", "text" or "post" also name teaser cards (bench/extraction.py).
BODY_SHARE = 0.2
BODY_HINTS = frozenset(["body"])
#: Without trafilatura's main text, a leaf block of this many words ending a sentence is prose.
MIN_PROSE_WORDS = 12
#: Inline text that is mostly links ("<a>Other story</a> <a>Another</a>") and not in the main
#: text is a stack of links to other pages.
LINK_SHARE = 0.8
#: A sentence this long between two paragraphs of the main text is read with them.
MIN_GAP_WORDS = 8
#: A links label ends the article (`_drop_teasers`) after this many of its paragraphs, when it
#: is this short and over at least MIN_TEASERS blocks of at most MAX_TEASER_WORDS words each.
MIN_STORY_PARAGRAPHS = 3
MAX_LABEL_WORDS = 6
MIN_TEASERS = 2
MAX_TEASER_WORDS = 45


@dataclass(frozen=True)
class Prose:
    """How many words of article prose each element holds (by lexbor node id)."""

    words: dict[int, int]
    total: int
    #: (tag, class) of the blocks that hold the body: its other blocks look the same.
    bodies: frozenset[tuple[str, str]] = frozenset()
    #: (tag, class) shared by two or more blocks holding prose: the class of the body's
    #: paragraphs or chunks ("text-description" on each), never a standfirst's own.
    repeated: frozenset[tuple[str, str]] = frozenset()
    #: Blocks whose own text runs (between their child blocks) hold BODY_SHARE of the prose: a
    #: body set as text and <br> lines in one container.
    holders: frozenset[int] = frozenset()

    @classmethod
    def measure(cls, body: LexborNode, main: MainText | None, blocks: list[LexborNode]) -> Prose:
        """Count the article prose in every element: leaf blocks the main text holds.

        Without a main text (trafilatura found none), long leaf blocks that end a sentence count.
        `blocks` are the body's (`_blocks(body)`).
        """
        words: dict[int, int] = {}
        own: dict[int, int] = {}
        for node, text in _own_texts(body, blocks):
            count = rules.word_count(text)
            if not count:
                continue
            if main is not None:
                if not main.holds(text):
                    continue
            elif count < MIN_PROSE_WORDS or not rules.ends_sentence(text):
                continue
            own[node.mem_id] = own.get(node.mem_id, 0) + count
            ancestor: LexborNode | None = node
            while ancestor is not None:
                words[ancestor.mem_id] = words.get(ancestor.mem_id, 0) + count
                ancestor = ancestor.parent
        total = words.get(body.mem_id, 0)
        bodies = frozenset(
            signature
            for node in blocks
            if words.get(node.mem_id, 0) >= BODY_SHARE * total
            and (signature := _body_signature(node))
        )
        classes = collections.Counter(
            (node.tag or "", classes.strip())
            for node in blocks
            if node.mem_id in words and (classes := node.attributes.get("class") or "").strip()
        )
        repeated = frozenset(signature for signature, count in classes.items() if count > 1)
        holders = frozenset(n for n, count in own.items() if count >= BODY_SHARE * total)
        return cls(words, total, bodies, repeated, holders)

    def repeats_body_class(self, node: LexborNode) -> bool:
        """Say whether `node` has the (tag, class) of two or more blocks holding prose."""
        classes = (node.attributes.get("class") or "").strip()
        return bool(classes) and ((node.tag or "", classes) in self.repeated)

    def holds_much(self, node: LexborNode) -> bool:
        """Say whether `node` holds too much of the article to be a box of page furniture."""
        held = self.words.get(node.mem_id, 0)
        return held >= PROTECTED_WORDS or (
            bool(self.total) and held / self.total >= PROTECTED_SHARE
        )

    def share(self, node: LexborNode) -> float:
        """Return the share of the article's prose that `node` holds."""
        return self.words.get(node.mem_id, 0) / self.total if self.total else 0.0

    def root(self, body: LexborNode) -> LexborNode:
        """Return the smallest element holding ROOT_SHARE of the prose (body if none is)."""
        node = body
        while True:
            children = [c for c in node.iter() if c.is_element_node]
            best = max(children, key=self.share, default=None)
            if best is None or self.share(best) < ROOT_SHARE:
                return node
            node = best


@dataclass
class _Matches:
    """Which elements match a CSS selector or hold an element that does, found once per page.

    The walker asks "does this element hold a block / a list / a <time>?" of every element: a
    selectolax query per element parses the selector anew and searches the subtree again, so
    each selector is run once over the page and its matches' ancestors remembered.
    """

    scope: LexborNode
    blocks: list[LexborNode]  # the scope's (`_blocks(scope)`): what _BLOCK_SELECTOR finds
    found: dict[str, set[int]] = field(default_factory=dict)

    def __call__(self, node: LexborNode, selector: str) -> bool:
        """Say what `node.css_first(selector) is not None` says (the node itself included)."""
        ids = self.found.get(selector)
        if ids is None:
            ids = self.found[selector] = set()
            found = self.blocks if selector == _BLOCK_SELECTOR else self.scope.css(selector)
            for match in found:
                ancestor: LexborNode | None = match
                while ancestor is not None and ancestor.mem_id not in ids:
                    ids.add(ancestor.mem_id)
                    ancestor = ancestor.parent
        return node.mem_id in ids


def _body_signature(node: LexborNode) -> tuple[str, str] | None:
    """Return (tag, class) of a block whose class names a body ("article-body"), else None."""
    classes = node.attributes.get("class") or ""
    if not set(_TOKEN_SPLIT_RE.split(classes.lower())) & BODY_HINTS:
        return None
    return node.tag or "", classes.strip()


def _blocks(scope: LexborNode) -> list[LexborNode]:
    """Return the block elements of `scope` (itself included) in document order: what
    `scope.css(_BLOCK_SELECTOR)` finds.

    Visiting every element and testing its tag in Python is cheaper than lexbor matching a
    selector of forty tag names against each element.
    """
    return [node for node in scope.traverse() if node.tag in _INNER_BLOCK_TAGS]


def _own_texts(
    scope: LexborNode, blocks: list[LexborNode] | None = None
) -> list[tuple[LexborNode, str]]:
    """Return the runs of text each block of `scope` (itself included) holds outside the blocks
    inside it, in document order: what the walker reads as that block's paragraphs. `blocks`
    are the scope's when the caller has them already.

    A body set as text and <br> lines directly in a <section>, between its <h2>s, is that
    section's own text, one run between each two blocks.
    """
    found: list[tuple[LexborNode, str]] = []
    for node in _blocks(scope) if blocks is None else blocks:
        pieces: list[str] = []
        for child in node.iter(include_text=True):
            # The tag is read once and a text node's text as it is: each read crosses into
            # lexbor, and the children of every block of the page are read here.
            tag = child.tag
            if tag == "-text":
                piece = child.text_content or ""
            elif not child.is_element_node:
                continue
            elif tag in BLOCK_TAGS:
                _end_run(found, node, pieces)
                continue
            else:
                piece = child.text(deep=True, separator="")
            if not piece.isspace():
                pieces.append(piece)
        _end_run(found, node, pieces)
    return found


def _end_run(found: list[tuple[LexborNode, str]], node: LexborNode, pieces: list[str]) -> None:
    """Add the run of text `pieces` make to `found` as `node`'s (if any), and empty `pieces`."""
    if pieces:
        text = rules.clean_text("".join(pieces))
        if text:
            found.append((node, text))
        pieces.clear()


def _common_ancestor(first: LexborNode, second: LexborNode) -> LexborNode:
    """Return the innermost element containing both nodes."""
    chain: set[int] = set()
    node: LexborNode | None = first
    while node is not None:
        chain.add(node.mem_id)
        node = node.parent
    node = second
    while node is not None and node.mem_id not in chain:
        node = node.parent
    return node if node is not None else first


def _headline_node(root: LexborNode, body: LexborNode) -> LexborNode | None:
    """Return the headline: the first <h1> in the article, else the <h1> nearest to it.

    Nearest in the tree: a site logo set as <h1> in the page header shares only <body> with the
    article's text, the article's own headline shares its <article> or header block.
    """
    inside = root.css_first("h1")
    if inside is not None:
        return inside
    depth: dict[int, int] = {}
    node: LexborNode | None = root
    level = 0
    while node is not None:
        depth[node.mem_id] = level
        node = node.parent
        level -= 1
    best, best_depth = None, -(10**9)
    for candidate in body.css("h1"):
        ancestor: LexborNode | None = candidate
        while ancestor is not None and ancestor.mem_id not in depth:
            ancestor = ancestor.parent
        shared = depth[ancestor.mem_id] if ancestor is not None else -(10**9)
        if shared > best_depth and _text(candidate):
            best, best_depth = candidate, shared
    return best


def _drop_outside(body: LexborNode, root: LexborNode, parts: ArticleParts) -> None:
    """Record everything outside the article scope as dropped, with the best reason we have."""
    ancestors: set[int] = set()
    node: LexborNode | None = root
    while node is not None:
        ancestors.add(node.mem_id)
        node = node.parent
    pending = [body] if body.mem_id != root.mem_id else []
    while pending:
        for child in pending.pop().iter(include_text=True):
            if child.mem_id == root.mem_id:
                continue
            if child.mem_id in ancestors:
                pending.append(child)
                continue
            kind, reason = _drop_reason(child) or (DropKind.OTHER, "outside the article")
            parts.drop(kind, _loose_text(child), reason)


def _drop_reason(node: LexborNode, *, inside: bool = False) -> tuple[DropKind, str] | None:
    """Return why `node` is never read, or None when it may hold article text."""
    tag = node.tag or ""
    if tag in DROP_TAGS:
        if tag == "aside" and _is_key_points_box(node):
            return None
        return DROP_TAGS[tag]
    if not inside and tag in OUTER_DROP_TAGS:
        return OUTER_DROP_TAGS[tag]
    role = (node.attributes.get("role") or "").lower() if tag[:1] not in "-_" else ""
    if role in DROP_ROLES:
        return DROP_ROLES[role]
    if tag == "footer":
        return (DropKind.LEGAL, "article footer")
    compact = _class_string(node)
    hint = _furniture_hint(compact) if compact else None
    if hint is None or _is_key_points_box(node) or _is_embedded_post(node, compact):
        return None
    return hint.kind, hint.reason


#: Classes the networks' embed codes give the blockquote of an embedded post.
EMBEDDED_POST_CLASSES = frozenset(
    {
        "twitter-tweet",
        "instagram-media",
        "tiktok-embed",
        "bluesky-embed",
        "text-post-media",  # Threads
        "reddit-embed-bq",
        "mastodon-embed",
    }
)


def _is_link(node: LexborNode, text: str) -> bool:
    """Say whether a block's text is (almost) all the text of its links."""
    linked = sum(len(a.text(deep=True, separator="").strip()) for a in node.css("a"))
    return linked >= LINK_SHARE * len(text)


def _not_revealed_in_turn(nodes: list[LexborNode]) -> list[LexborNode]:
    """Return the hidden elements but those a script shows one after another: a listicle or
    a paged story hides all its entries but the current one ("Next" shows the following), so
    several hidden siblings that each hold prose are the article itself. Tab panels of
    headlines are mostly links, and a lone hidden box is not a sequence: both stay hidden."""
    siblings: dict[int, list[LexborNode]] = {}
    for node in nodes:
        if node.parent is not None:
            siblings.setdefault(node.parent.mem_id, []).append(node)
    revealed = {
        node.mem_id
        for group in siblings.values()
        if len(group) >= REVEALED_IN_TURN_MIN
        and all(_unlinked_chars(node) >= REVEALED_PROSE_CHARS for node in group)
        for node in group
    }
    for node in nodes:
        if node.mem_id in revealed:
            _show(node)
    return [node for node in nodes if node.mem_id not in revealed]


def _show(node: LexborNode) -> None:
    """Show a hidden element as its script would, so main-text detection reads it too."""
    attributes = node.attrs
    for name in ("hidden", "style", "aria-hidden"):
        if name in attributes:
            del attributes[name]
    classes = (attributes.get("class") or "").split()
    if "hidden" in classes:
        attributes["class"] = " ".join(c for c in classes if c != "hidden")


def _unlinked_chars(node: LexborNode) -> int:
    """Return how many characters of the element's text are not inside links."""
    linked = sum(len(a.text()) for a in node.css("a"))
    return len(node.text()) - linked


def _drop_hidden(nodes: list[LexborNode], parts: ArticleParts) -> None:
    """Take hidden elements off the page, listing their text among the dropped (once: an
    element inside another hidden one goes with it)."""
    ids = {node.mem_id for node in nodes}
    outermost = []
    for node in nodes:
        ancestor = node.parent
        while ancestor is not None and ancestor.mem_id not in ids:
            ancestor = ancestor.parent
        if ancestor is None:
            outermost.append(node)
    for node in outermost:  # only these: an inner node is freed with its hidden ancestor
        text = _loose_text(node)
        if rules.words(text):
            parts.drop(DropKind.OTHER, text, "hidden on the page")
        node.decompose()


def _is_post_quote(node: LexborNode) -> bool:
    """Say whether a blockquote is an embedded post (a tweet the article quotes)."""
    return not EMBEDDED_POST_CLASSES.isdisjoint((node.attributes.get("class") or "").split())


def _is_embedded_post(node: LexborNode, compact: str) -> bool:
    """Say whether `node` wraps a post the article quotes ("social-media-embed" around a tweet's
    blockquote): its class names a network, but it is the story's quote, not a share bar."""
    return "embed" in compact and node.css_first("blockquote") is not None


# Pages repeat a few class strings on many elements ("teaser-item" on every teaser): the answer
# for a class string is kept for the next element.
@functools.lru_cache(maxsize=4096)
def _furniture_hint(compact: str) -> Hint | None:
    """Return the first furniture hint that class/id words `compact` match (None for a notice)."""
    if _notice_kind(compact) is not None:
        return None
    tokens = set(_TOKEN_SPLIT_RE.split(compact))
    for hint in HINTS:
        if tokens & hint.tokens or any(s in compact for s in hint.substrings):
            return hint
    return None


def _class_words(node: LexborNode) -> tuple[set[str], str]:
    """Return the class/id words of `node` as tokens and as one lowercase string."""
    compact = _class_string(node)
    return set(_TOKEN_SPLIT_RE.split(compact)) - {""}, compact


def _class_string(node: LexborNode) -> str:
    """Return the class/id words of `node` as one lowercase string ("" for a text node)."""
    if not node.is_element_node:
        return ""
    attributes = node.attributes
    return f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower().strip()


@functools.lru_cache(maxsize=4096)
def _notice_kind(compact: str) -> NoticeKind | None:
    for kind, hints in NOTICE_HINTS:
        if any(hint in compact for hint in hints):
            return kind
    return None


def _notice_box_kind(node: LexborNode, dropped: tuple[DropKind, str] | None) -> NoticeKind | None:
    """Return the kind of notice a box holds, or None.

    A box is a notice when its class says so ("correction"), or when it is `dropped` as
    furniture (an <aside>, a sidebar box) but holds a notice ("Correction: ...", "An earlier
    version of this article ..."): a notice must never be dropped with a sidebar.
    """
    compact = _class_string(node)
    kind = _notice_kind(compact) if compact else None
    if kind is not None:
        # A class naming a correction may be a link bar ("Submit Correction"); a notice box
        # says something: a labelled notice, or a sentence.
        text = _text(node)
        return kind if rules.match_notice(text) or rules.ends_sentence(text) else None
    if dropped is None:
        return None
    if rules.word_count(_text(node)) > rules.MAX_NOTICE_WORDS:
        return None
    texts = [text for _, text in _own_texts(node)]
    for text in texts:
        found = rules.match_notice(text)
        if found is not None:
            return found.kind
    if len(texts) > 1 and rules.word_count(texts[0]) <= 4:
        return rules.notice_kind_for_label(texts[0])  # "Correction" over the notice's text
    return None


def _is_key_points_box(node: LexborNode) -> bool:
    """Say whether a box (often an <aside>) is the article's summary list."""
    compact = _class_string(node)
    if any(hint in compact for hint in KEY_POINTS_HINTS):
        return node.css_first("li") is not None
    heading = node.css_first("h2, h3, h4, h5, h6, strong, b, p")
    return (
        heading is not None
        and node.css_first("li") is not None
        and rules.is_key_points_title(_text(heading))
    )


# --------------------------------------------------------------------------- walking


def _text(node: LexborNode) -> str:
    """Return the node's visible text on one line."""
    return rules.clean_text(node.text(deep=True, separator=""))


def _loose_text(node: LexborNode) -> str:
    """Return the text of a dropped element with its pieces spaced ("Most read Bus fares")."""
    return rules.clean_text(node.text(deep=True, separator=" "))


@dataclass
class _Walker:
    """Walk the article scope in document order, collecting elements and header parts."""

    parts: ArticleParts
    root: LexborNode
    matches: _Matches
    main: MainText | None = None  # the page's main text, when trafilatura found one
    prose: Prose | None = None
    in_body: int = 0  # inside this many blocks that look like the body's (Prose.bodies)
    link_chars: int = 0  # how much of the inline text collected so far is link text
    elements: list[Element] = field(default_factory=list)
    headline_id: int | None = None
    time_datetime: str = ""
    inline: list[str] = field(default_factory=list)
    body_started: bool = False  # a body paragraph was seen: header roles no longer apply
    in_holder: bool = False  # the inline text collected is a block's of Prose.holders
    after_headline: bool = False  # right after the <h1>: an <h2> here is the standfirst

    def walk(self, node: LexborNode, depth: int) -> None:
        """Read the children of `node`, recursing into containers (its own text last flushed
        here, so that each run of inline text is read as the block's that holds it)."""
        outer = self.in_holder
        self.in_holder = self.prose is not None and node.mem_id in self.prose.holders
        self._walk(node, depth)
        self.flush()
        self.in_holder = outer

    def _walk(self, node: LexborNode, depth: int) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag or ""
            if tag == "-text":
                self.inline.append(child.text(deep=False) or "")
            elif tag.startswith(("-", "_", "!")):
                continue
            elif tag not in BLOCK_TAGS and not self.matches(child, _BLOCK_SELECTOR):
                text = child.text(deep=True, separator="")
                opens = "(" in text or "[" in text  # how every credit that opens a caption opens
                caption = rules.leading_credit(rules.clean_text(text)) if opens else None
                if caption is not None:  # "<em>(Photo: J. Roe) Cranes over the site.</em>"
                    self.parts.add_caption(caption, _text(child))
                elif not self._header_role(child):
                    self.inline.append(text)
                    if tag == "a":
                        self.link_chars += len(text.strip())
                    self._note_time(child)
            else:
                self.flush()
                self.block(child, depth + 1)

    def flush(self) -> None:
        """Turn the inline text collected so far into paragraphs (a blank <br><br> line ends
        one: old pages set a whole body as text and line breaks)."""
        joined = "".join(self.inline)
        links = self.link_chars >= LINK_SHARE * len(joined.strip())
        self.inline.clear()
        self.link_chars = 0
        for piece in rules.BLANK_LINE_RE.split(joined):
            text = rules.clean_text(piece)
            if text and links and not self.in_main(text) and not rules.match_boilerplate(text):
                self.parts.drop(LINKS_DROP[0], text, LINKS_DROP[1])
            elif text:
                self.paragraph(text, link=links, own_prose=self.in_holder)

    def in_main(self, text: str) -> bool:
        """Say whether `text` is part of the article's main text (always, without one)."""
        return self.main is None or self.main.holds(text)

    def paragraph(
        self,
        text: str,
        images: list[Caption] | None = None,
        *,
        link: bool = False,
        own_prose: bool = False,
    ) -> None:
        # In a block shaped like the body's, sentences are the story even where trafilatura
        # lost them; lists and stacks of links there still have to be in the main text. So is
        # a sentence set among the body's own lines (`own_prose`: a body of text and <br>s),
        # where trafilatura often loses the first, before the container's first child element.
        inside = (
            self.in_main(text)
            or (self.in_body > 0 and rules.ends_sentence(text))
            or (
                own_prose
                and not link
                and rules.word_count(text) >= MIN_GAP_WORDS
                and rules.ends_sentence(text)
            )
        )
        self.elements.append(Paragraph(text, images or [], outside=not inside, link=link))
        if not self.body_started and not _is_header_furniture(text):
            self.body_started = True
        self.after_headline = False

    def block(self, node: LexborNode, depth: int) -> None:
        """Read one block-level element."""
        tag = node.tag or ""
        dropped = _drop_reason(node, inside=True)
        notice = _notice_box_kind(node, dropped)
        if notice is not None:
            self._notice(node, notice)  # a notice is never furniture, even in a sidebar box
            return
        holds_article = self.prose is not None and self.prose.holds_much(node)
        if holds_article or (tag == "pre" and self._prose_block(node)):
            dropped = None  # a layout or paywall wrapper that holds the article itself
        if dropped is not None:
            self.parts.drop(dropped[0], _loose_text(node), dropped[1])
            return
        if node.mem_id == self.headline_id:
            self.after_headline = True
            return
        # An element holding the article is never a kicker, byline or summary box either.
        if not holds_article and self._header_role(node):
            return
        if (
            not holds_article
            and tag not in ("ul", "ol")
            and self.matches(node, "li")
            and _is_key_points_box(node)
        ):
            self._key_points_box(node)
        elif tag == "h1" or tag in HEADING_TAGS:
            self._heading(node)
        elif tag == "table":
            self._table(node, depth)
        elif tag in ("ul", "ol"):
            links = None
            if _is_headline_links(node) and not self._led_in():
                # Unannounced, a list of linked headlines is other stories (or, linking within
                # the page, its table of contents: the headings are read where they stand).
                within = all(
                    (a.attributes.get("href") or "").startswith("#") for a in node.css("a")
                )
                links = TOC_DROP if within else LINKS_DROP
            self._list(_list_items(node), links=links)
        elif tag == "blockquote":
            self._quote(_text(node), embedded=_is_post_quote(node))
        elif tag in ("figure", "figcaption"):
            self._figure(node)
        elif tag == "hr":
            return
        elif tag == "pre":  # preformatted prose (a plain-text page): paragraphs between blanks
            for block in re.split(r"\n\s*\n", node.text(deep=True, separator="")):
                if block.strip():
                    self.paragraph(rules.clean_text(block))
        elif depth > MAX_DEPTH or not self.matches(node, _BLOCK_SELECTOR):
            text = _text(node)
            if text:
                self.paragraph(text, link=_is_link(node, text))
            self._note_time(node)
        elif (
            self.prose is not None
            and self.prose.bodies
            and _body_signature(node) in self.prose.bodies
        ):
            self.in_body += 1
            self.walk(node, depth)
            self.flush()
            self.in_body -= 1
        else:
            self.walk(node, depth)
            self.flush()

    def _header_role(self, node: LexborNode) -> bool:
        """Take a kicker, standfirst or byline element of the header; True if taken."""
        if self.body_started:
            return False
        tokens, _ = _class_words(node)
        itemprop = node.attributes.get("itemprop")
        if itemprop == "articleSection":
            tokens.add("section")
        if itemprop == "description":
            tokens.add("description")
        # Most elements have no header role: the text of the whole element (a wrapper's is the
        # page's) is read only for one whose class or rel could give it one.
        if not tokens & HEADER_HINTS and not self.matches(node, "[rel=author]"):
            return False
        text = _text(node)
        if not text or (self.matches(node, "p, ul, ol") and len(node.css("p")) > 1):
            return False
        if tokens & KICKER_HINTS and not self.parts.kicker and rules.word_count(text) <= 6:
            if self.parts.headline and self.after_headline:
                return False
            self.parts.kicker = text
            return True
        # A standfirst's class is its own: one the body's blocks share ("text-description" on
        # each chunk of the story) marks the first of those blocks, not a summary above them.
        if (
            tokens & STANDFIRST_HINTS
            and rules.word_count(text) <= 80
            and not (self.prose is not None and self.prose.repeats_body_class(node))
        ):
            self.parts.standfirsts.append(text)
            self.after_headline = False
            return True
        if tokens & BYLINE_HINTS or self.matches(node, "[rel=author]"):
            return self._byline(node, text)
        return False

    def _byline(self, node: LexborNode, text: str) -> bool:
        """Record a byline/date element ("By Hana Sato | June 2, 2026"); True if it was one."""
        self._note_time(node)
        found = classify_metadata(text)
        if found is not None:
            self.parts.record(found)
            return True
        author = node.css_first("[rel=author], [itemprop=author]")
        if author is not None and rules.word_count(_text(author)) <= 8:
            if not self.parts.byline:
                self.parts.byline = _text(author)
            self.parts.drop(DropKind.METADATA, text, "byline")
            return True
        return False

    def _note_time(self, node: LexborNode) -> None:
        """Remember the first <time datetime> as a fallback publication date."""
        if self.time_datetime:
            return
        if not self.matches(node, "time[datetime]"):
            return
        time = node if node.tag == "time" else node.css_first("time[datetime]")
        if time is not None and time.attributes.get("datetime"):
            self.time_datetime = rules.clean_text(time.attributes.get("datetime") or "")

    def _heading(self, node: LexborNode) -> None:
        text = _EDIT_LINK_RE.sub("", _text(node))
        if not text:
            return
        if self.after_headline and node.tag == "h2" and _reads_like_standfirst(text):
            self.parts.standfirsts.append(text)
        else:
            self.elements.append(Heading(text, outside=not self.in_main(text)))
        self.after_headline = False

    def _prose_block(self, node: LexborNode) -> bool:
        """Say whether a <pre> holds the article's prose (a plain-text page), not code."""
        text = _text(node)
        symbols = sum(text.count(c) for c in "{}();=<>[]|")
        sentences = len(_SENTENCE_END_RE.findall(text))
        return (
            self.in_main(text)
            and symbols <= len(text) * MAX_CODE_SYMBOLS
            and sentences * WORDS_PER_SENTENCE >= rules.word_count(text)
        )

    def _led_in(self) -> bool:
        """Say whether the article's own sentence leads into what follows ("... mainly:")."""
        previous = self.elements[-1] if self.elements else None
        return (
            isinstance(previous, Paragraph)
            and not previous.outside
            and previous.text.endswith((":", "："))
            and not rules.heads_links(previous.text)  # "More games news:" over other stories
        )

    def _list(
        self, items: list[str], title: str = "", links: tuple[DropKind, str] | None = None
    ) -> None:
        """Add a list; items that are not part of the main text (other stories) are dropped,
        unless the article's own sentence leads into the list ("The replies fell into three
        groups:"): main-text detection often loses such a list, never the story's lead-in.
        `links`: the list is links to other pages (or the page's contents), dropped whole so."""
        led_in = self._led_in()
        kind, reason = links or (DropKind.PROMOTION, OUTSIDE_REASON)
        kept = []
        for item in items:
            if links is None and (led_in or self.in_main(item)):
                kept.append(item)
            else:
                self.parts.drop(kind, item, reason)
        if kept:
            self.elements.append(ListElement(kept, title=title))
        elif items and self.elements and isinstance(heading := self.elements[-1], Heading):
            # The heading over a list of other stories ("Also in Environment") goes with it.
            self.elements.pop()
            self.parts.drop(kind, heading.text, reason)
        self.after_headline = False

    def _table(self, node: LexborNode, depth: int) -> None:
        """Read a small data table row by row; walk a layout table; drop a big one."""
        rows = _table_rows(node)
        if rows is None:
            self.walk(node, depth)  # a layout table: its cells hold the page's blocks
            self.flush()
        elif self._too_large(node, rows):
            self.parts.drop(DropKind.OTHER, _loose_text(node), "table too large to read aloud")
        elif rows:
            caption = node.css_first("caption")
            self._list([", ".join(cells) for cells in rows], _text(caption) if caption else "")

    def _too_large(self, node: LexborNode, rows: list[list[str]]) -> bool:
        """Say whether a data table is too large to read aloud. A table holding much of the
        article's prose (a list article's entries, a glossary) is the article, whatever its size."""
        if len(rows) <= MAX_TABLE_ROWS and max(map(len, rows), default=0) <= MAX_TABLE_COLUMNS:
            return False
        return self.prose is None or not self.prose.holds_much(node)

    def _quote(self, text: str, *, embedded: bool = False) -> None:
        """Add a quote. An embedded post is quoted by the article itself, even where main-text
        detection left it out (it often does: the post is a widget's markup)."""
        inside = embedded or self.in_main(text)
        self.elements.append(Quote(text, outside=not inside))

    def _notice(self, node: LexborNode, kind: NoticeKind) -> None:
        texts = [text for _, text in _own_texts(node)]
        if not texts:
            return
        if len(texts) > 1 and rules.notice_kind_for_label(texts[0]) is not None:
            texts[0] = texts[0].rstrip(":：") + ":"  # a box's title ("Correction") is its label
        text = rules.clean_text(" ".join(texts))
        found = rules.match_notice(text)
        self.parts.add_notice(text, rules.NoticeMatch(kind, found.label if found else ""))

    def _key_points_box(self, node: LexborNode) -> None:
        heading = node.css_first("h2, h3, h4, h5, h6, strong, b, p")
        title = _text(heading) if heading is not None else ""
        lists = node.css("ul, ol")
        items = [item for lst in lists for item in _list_items(lst)]
        self.elements.append(ListElement(items, title=title or "Key points"))

    def _figure(self, node: LexborNode) -> None:
        quote = node.css_first("blockquote")
        if quote is not None:
            self._quote(_text(quote))
            return
        caption_node = node if node.tag == "figcaption" else node.css_first("figcaption")
        if caption_node is None:
            return
        written = _text(caption_node)
        credit_node = caption_node.css_first(".credit, .caption-credit, small, cite")
        caption = rules.split_caption(written)
        if caption is None and credit_node is not None:
            credit = _text(credit_node)
            caption = Caption(text=written.replace(credit, "").strip(), credit=credit)
        if written:
            self.parts.add_caption(caption or Caption(text=written), written)


#: A <pre> is prose, not code, when few of its characters are code symbols and it has a
#: sentence end for every this many words.
MAX_CODE_SYMBOLS = 0.01
WORDS_PER_SENTENCE = 40
_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’)]?\s")

#: A data table is read aloud row by row ("Ward 3, 1,204, 48%") when it is this small.
MAX_TABLE_ROWS = 25
MAX_TABLE_COLUMNS = 6
_LAYOUT_CELL_SELECTOR = "table table, td p + p, td div, td ul, td ol, td h1, td h2, td h3, td li"


def _table_rows(node: LexborNode) -> list[list[str]] | None:
    """Return a data table's rows of cell texts, or None for a layout table.

    A layout table says so (role="presentation") or holds blocks in its cells.
    """
    role = (node.attributes.get("role") or "").lower()
    if role in ("presentation", "none") or node.css_first(_LAYOUT_CELL_SELECTOR) is not None:
        return None
    rows = []
    for row in node.css("tr"):
        cells = [_text(cell) for cell in row.iter() if cell.tag in ("td", "th")]
        cells = [cell for cell in cells if cell]
        if cells:
            rows.append(cells)
    return rows


#: A list of links to other pages: this many items or more, each all link and headline-long.
MIN_LINK_ITEMS = 2
MIN_HEADLINE_WORDS = 4
LINKS_DROP = (DropKind.PROMOTION, "links to other pages")
TOC_DROP = (DropKind.NAVIGATION, "table of contents")


def _is_headline_links(node: LexborNode) -> bool:
    """Say whether a list is other stories' headlines, each item wholly one link."""
    items = [item for item in node.css("li") if len(item.css("li")) == 1]  # leaves: self only
    if len(items) < MIN_LINK_ITEMS:
        return False
    for item in items:
        text = _text(item)
        if rules.word_count(text) < MIN_HEADLINE_WORDS or rules.ends_sentence(text):
            return False
        if not _is_link(item, text):
            return False
    return True


def _list_items(node: LexborNode) -> list[str]:
    """Return the texts of a list's items (nested lists flattened, in reading order)."""
    items: list[str] = []
    for item in node.css("li"):
        pieces = []
        for child in item.iter(include_text=True):
            if child.tag in ("ul", "ol"):
                continue
            pieces.append(child.text(deep=True, separator=""))
        text = rules.clean_text("".join(pieces))
        if text:
            items.append(text)
    return items


def _reads_like_standfirst(text: str) -> bool:
    """Say whether an <h2> right after the <h1> is a standfirst rather than a subheading."""
    return rules.word_count(text) >= 8 or rules.ends_sentence(text)


def _is_header_furniture(text: str) -> bool:
    """Say whether a paragraph is header metadata (byline, date), so the body has not begun."""
    return classify_metadata(text) is not None
