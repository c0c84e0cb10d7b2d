"""Find where the article starts and ends in text copied from a whole page.

A reader who selects a page and copies it gets the site's menus, teasers, the article, then
related stories, comments and the footer, one block a line. No extractor handles this (they all
need the HTML), so this module is ours. It relies on signals that hold on most pages:

- the article's body is the longest run of prose lines (sentences, not labels or headlines),
  where a few short lines (subheadings, captions, "Advertisement") may interrupt it, and
  section labels ("Related stories", "23 Comments", "About the author") end it; two runs of
  paragraphs with a widget or a box of other stories between them are one body, and the
  widget's lines a hole in it; a page with no paragraphs but a long marked list is that list;
- the page's first line is often its <title>, "Headline - Site": the headline recurs as its
  own line just before the body, which is where the article starts;
- otherwise the headline is a headline-like line shortly before the body: the one the page
  prints twice, else the one a byline or date follows, else the first.

Pure: it looks at lines only and returns a span; the text parser records what lies outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audionews.ingest import rules

#: A prose line: a sentence of at least this many words, or a long line of any shape.
MIN_SENTENCE_WORDS = 8
MIN_LONG_LINE_WORDS = 25
#: How much non-prose may interrupt the body (see _gap_cost); the run ends past this.
MAX_GAP_COST = 5.0
SHORT_LINE_WORDS = 4
#: The items of a list the body introduces ("Think about it:") barely interrupt it.
LIST_ITEM_COST = 0.25
#: The header (kicker, headline, standfirst, byline, dates, a caption) is this many lines at
#: most: a page with more text lines above its body starts with menus and teasers.
MAX_HEADER_LINES = 8
#: A headline's byline or date follows it within this many lines (a standfirst may come first).
BYLINE_GAP = 3
#: A run of prose this long is an article: a comments label after it ends the article; in a
#: page's header ("12 comments" beside the byline) the same label is just a link.
MIN_ARTICLE_WORDS = 100
#: A page whose body is a list (release notes, a listicle) has at least this many items.
MIN_LIST_ITEMS = 8
#: A shorter story ends at a comments label when commenters' lines follow within this many lines.
MIN_SHORT_ARTICLE_WORDS = 30
COMMENT_LOOKAHEAD = 3
#: A labelled box of at most this many lines inside the body ("Related" and two headlines) does
#: not end it; nor does one of at most MAX_LONG_BOX_LINES ("Most read" and five teasers) between
#: two runs of MIN_JOINED_WORDS in MIN_JOINED_LINES lines each.
MAX_BOX_LINES = 6
MAX_LONG_BOX_LINES = 12
#: Two runs of paragraphs are one body across a gap (a photo gallery's buttons, a table, a list)
#: when each holds this many words in this many lines of at least this many words on average
#: (teasers' blurbs are shorter), and the gap is at most this many lines.
MIN_JOINED_WORDS = 200
MIN_JOINED_LINES = 3
MIN_JOINED_LINE_WORDS = 35
MAX_JOINED_GAP_LINES = 60
#: A run of one prose line (a footer's contact paragraph, a teaser's blurb) weighs this share
#: of its words against a story of paragraphs.
LONE_LINE_WEIGHT = 0.5
#: A title suffix naming the site: "Headline - Site", "Headline | Site", "Headline — Site".
_TITLE_SEPARATOR_RE = re.compile(r"\s+[|–—•·:-]\s+")

#: Labels of a comments section: after an article-sized run of prose, nothing is the story.
COMMENTS_LABEL_RE = re.compile(
    r"(?:(?:\d[\d,.]*\s*k?\s+)?(?:comments?|responses?|replies|reactions)(?:\s*\(\d+\))?"
    r"(?: (?:to|on) .{1,200})?|there (?:are|is) \d[\d,.]* (?:comments?|responses?|replies)"
    r"|(?:leave|post|add|write|view|show|load|read|see) (?:a |the |all |\d+ )?"
    r"(?:comments?|reply|replies|responses?)(?: .{0,40})?"
    r"|(?:reader|readers['’]?|user|top|top rated|most liked|featured|latest) (?:comments|reactions"
    r"|responses)|(?:view|read|see|show) all(?: \d+)?(?: comments)?"
    r"|comments are (?:closed|open)|join the (?:conversation|discussion|debate)"
    r"|you must be logged in to (?:post|leave) a comment.{0,60}"
    # a commenter's line: "thelastchargersfan says:", "Ana on May 2, 2018 at 4:47 pm said:"
    r"|(?!(?:the|this|that|it|he|she|they|we|i|you|here|what|which|who|one)\b)"
    r"[^\s:]{1,30}(?: [^\s:]{1,30})? says\s*:"
    r"|.{1,60}?\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:said|says|wrote)\s*:"
    r"|reply|report (?:abuse|comment))\s*[:：]?",
    re.IGNORECASE,
)
#: Labels of page sections around the article (related stories, tags, the author's bio): the
#: body does not run across them.
SECTION_LABEL_RE = re.compile(
    r"(?:(?:about|more about|more from|meet) the (?:author|writer|reporter)s?"
    r"|about (?:the )?(?:author|contributor)s?|(?:the )?author['’]?s? (?:bio|profile)"
    r"|(?:related )?(?:tags|topics|keywords)|filed under|categories|related|see also"
    r"|(?:more|other|related|recommended|popular|latest|trending|top) (?:stories|articles|news"
    r"|posts|reads|videos|content|coverage|reading|links|headlines)"
    r"(?: (?:for you|from [\w .&'’-]{1,40}))?"
    r"|(?:you|we think you) (?:may|might|will|would) (?:also )?(?:like|enjoy|be interested in)"
    r"(?: (?:these|this|reading))?|(?:most|more) (?:read|popular|viewed|shared|watched|emailed)"
    r"(?: (?:stories|articles|news|today|this week|now))?(?: in [\w &'’-]{1,40})?"
    r"|recommended(?: for you)?"
    r"|(?:what )?to read next|read (?:this )?next|up next|keep reading|don['’]t miss"
    r"|(?:from|around) (?:around )?the web|sponsored (?:stories|links|content)|promoted stories"
    r"|editor['’]?s['’]? (?:picks|choice))\s*[:：]?",
    re.IGNORECASE,
)
MAX_LABEL_CHARS = 200
#: A comments label of one singular word, which is as often a subheading or a table's column.
#: ("Reply" is not: under each comment, it is the comments' surest sign.)
_BARE_LABEL_RE = re.compile(r"(?:comment|response|reaction)\s*[:：]?", re.IGNORECASE)
#: A gallery slide's number and title ("3/50 Star Wars boosts economy", "Image 4 of 12").
_SLIDE_RE = re.compile(r"(?:(?:image|photo|picture|slide)\s+)?\d{1,3}\s*(?:/|of)\s*\d{1,3}\b", re.I)
_COUNT_RE = re.compile(r"\d[\d,.]*\s*[kKmM]?")


def _label(pattern: re.Pattern[str], text: str) -> bool:
    # Labels are often boxed as links: "[ 167 comments ]", "(View all)".
    return len(text) <= MAX_LABEL_CHARS and bool(pattern.fullmatch(text.strip(" []()")))


def is_comments_label(text: str) -> bool:
    """Say whether a line opens or belongs to a comments section ("23 Comments", "ana says:")."""
    return _label(COMMENTS_LABEL_RE, text)


def is_section_label(text: str) -> bool:
    """Say whether a line labels a page section beside the article ("Related stories")."""
    return _label(SECTION_LABEL_RE, text)


def is_prose(text: str) -> bool:
    """Say whether a line is prose: a sentence of several words, or a long line."""
    count = rules.word_count(text)
    if count < MIN_SENTENCE_WORDS or rules.match_boilerplate(text) is not None:
        return False  # a cookie banner is sentences too
    return count >= MIN_LONG_LINE_WORDS or rules.ends_sentence(text)


@dataclass(frozen=True)
class Span:
    """The article's lines: lines[start:end]."""

    start: int
    end: int
    title_line: bool = False  # lines[0] is the page's <title>, repeated by the headline below
    #: lines[a:b] inside the span that are not the article: a widget between two of its parts.
    holes: tuple[tuple[int, int], ...] = ()

    def reads(self, index: int) -> bool:
        """Say whether lines[index] is part of the article."""
        return self.start <= index < self.end and not any(a <= index < b for a, b in self.holes)


def find_span(lines: list[str]) -> Span:
    """Return where the article lies among a copied page's lines (all of them if unsure)."""
    if not lines:
        return Span(0, 0)
    # A gallery's slides ("3/50 Title", its caption, a credit): the captions are not the body.
    prose = [
        is_prose(line) and not (index and _SLIDE_RE.match(lines[index - 1]))
        for index, line in enumerate(lines)
    ]
    body = _main_run(lines, prose)
    if body is None:
        return Span(0, len(lines))
    first, last, holes = body
    recurring = _recurring_title(lines, first)
    title_line = recurring is not None  # lines[0] is the page's title: never the kicker
    start = recurring if recurring is not None else _headline_before(lines, first)
    kicker = start - 1
    if kicker >= int(title_line) and _is_kicker(lines, kicker):
        start = kicker
    return Span(start, last + 1, title_line=title_line, holes=holes)


@dataclass
class _Run:
    """A run of prose lines: lines[first..last], how many words, and what ended it."""

    first: int
    last: int
    words: int = 0
    lines: int = 0  # prose lines in it
    by_label: bool = False  # a section label ended it ("Related"), not a long gap

    @property
    def weight(self) -> float:
        """How likely the run is the body: its words, less for a lone line (LONE_LINE_WEIGHT)."""
        return self.words if self.lines > 1 else self.words * LONE_LINE_WEIGHT


def _main_run(
    lines: list[str], prose: list[bool]
) -> tuple[int, int, tuple[tuple[int, int], ...]] | None:
    """Return the first and last line of the article's body and the holes in it, or None if
    there is no prose.

    The body is the run with the most words, joined with its neighbours where only a short
    block under a section label separates them (a "Related" box inside the article), or a
    widget between two runs of paragraphs: the widget's lines are a hole, not read.
    """
    runs: list[_Run] = []
    run: _Run | None = None
    cost = 0.0
    listing = False  # under a line ending with ":", the lines are a list's items
    for index, line in enumerate(lines):
        if is_comments_label(line) and _ends_article(lines, index, runs, run):
            break  # readers' comments follow the article: nothing after this is the story
        if is_section_label(line):
            if run is not None:
                run.by_label = True
            run = None
            continue
        if prose[index]:
            if run is None:
                run = _Run(index, index)
                runs.append(run)
            run.last, cost = index, 0.0
            run.words += rules.word_count(line)
            run.lines += 1
            listing = line.endswith((":", "："))
        elif run is not None:
            cost += LIST_ITEM_COST if listing else _gap_cost(line)
            listing = listing or line.endswith((":", "："))
            if cost > MAX_GAP_COST:
                run = None
    listed = _longest_list(lines)
    if listed is not None and (not runs or max(r.weight for r in runs) < listed.words):
        return listed.first, listed.last, ()  # a changelog or a listicle: the list is the body
    if not runs:
        return None
    best = max(range(len(runs)), key=lambda i: runs[i].weight)
    low = high = best
    while low > 0 and _joins(runs[low - 1], runs[low]):
        low -= 1
    while high + 1 < len(runs) and _joins(runs[high], runs[high + 1]):
        high += 1
    holes = tuple(
        (before.last + 1, after.first)
        for before, after in zip(runs[low:high], runs[low + 1 : high + 1], strict=True)
    )
    return runs[low].first, runs[high].last, holes


def _longest_list(lines: list[str]) -> _Run | None:
    """Return the longest block of marked list items ("+ Added ...", "1. ...") if it holds an
    article's words (MIN_ARTICLE_WORDS) in at least MIN_LIST_ITEMS items, else None."""
    best: _Run | None = None
    run: _Run | None = None
    for index, line in enumerate(lines):
        item = rules.strip_list_marker(line)
        if item is None:
            run = None
            continue
        if run is None:
            run = _Run(index, index)
        run.last = index
        run.words += rules.word_count(item)
        run.lines += 1
        if best is None or run.words > best.words:
            best = run
    if best is None or best.words < MIN_ARTICLE_WORDS or best.lines < MIN_LIST_ITEMS:
        return None
    return best


def _ends_article(lines: list[str], index: int, runs: list[_Run], run: _Run | None) -> bool:
    """Say whether the comments label at lines[index] ends the article.

    Beside the byline, "12 comments" is a link; after the story it opens the comments, which
    shows when the story before it is long, or when commenters' lines ("ana says:", a date)
    come right after it.
    """
    following = lines[index + 1 : index + 1 + COMMENT_LOOKAHEAD]
    if following and _COUNT_RE.fullmatch(following[0]):
        return False  # "Comments:" over "1664" in a block of stats, not the comments
    longest = max([r.weight for r in runs] + [run.weight if run else 0])
    commenters = any(is_comments_label(line) or rules.is_date_line(line) for line in following)
    if _BARE_LABEL_RE.fullmatch(lines[index].strip(" []()")):
        # A subheading is followed by its paragraph, a comments label by commenters' names.
        opens_prose = bool(following) and is_prose(following[0])
        return longest >= MIN_SHORT_ARTICLE_WORDS and commenters and not opens_prose
    if longest >= MIN_ARTICLE_WORDS:
        return True
    return longest >= MIN_SHORT_ARTICLE_WORDS and commenters


def _joins(before: _Run, after: _Run) -> bool:
    """Say whether two runs are one body: a short labelled box between them ("Related" and two
    headlines), or a gap that is no label between two runs of paragraphs (a widget, a table)."""
    gap = after.first - before.last - 1
    if before.by_label:
        return gap <= MAX_BOX_LINES or (
            gap <= MAX_LONG_BOX_LINES and _is_story(before) and _is_story(after)
        )
    return gap <= MAX_JOINED_GAP_LINES and _is_paragraphs(before) and _is_paragraphs(after)


def _is_story(run: _Run) -> bool:
    return run.words >= MIN_JOINED_WORDS and run.lines >= MIN_JOINED_LINES


def _is_paragraphs(run: _Run) -> bool:
    return _is_story(run) and run.words >= MIN_JOINED_LINE_WORDS * run.lines


def _gap_cost(line: str) -> float:
    """Return how much a non-prose line interrupts the body.

    Menu entries and labels (a few words) cost most, headline-like lines (other stories, or
    the body's own subheadings) a little less; a line that ends a sentence (a short quote, "He
    declined.") or a long line (a caption, a list item) costs half.
    """
    count = rules.word_count(line)
    if count <= SHORT_LINE_WORDS:
        return 1.0
    if rules.is_heading_like(line):
        return 0.75
    return 0.5


def _recurring_title(lines: list[str], body_start: int) -> int | None:
    """Return the line, before the body, that repeats the page title (line 0), or None.

    The title may carry the site's name ("Headline - Site"): a line equal to one of its parts
    counts too. The recurrence closest to the body is the headline (menus may repeat it).
    """
    title = lines[0]
    forms = {" ".join(rules.words(title))}
    for part in _TITLE_SEPARATOR_RE.split(title):
        if rules.word_count(part) >= 3:
            forms.add(" ".join(rules.words(part)))
    forms.discard("")
    for index in range(body_start - 1, 0, -1):
        if " ".join(rules.words(lines[index])) in forms:
            return index
    return None


def _headline_before(lines: list[str], body_start: int) -> int:
    """Return the headline's line among the header's headline-like lines above the body: the
    one the page prints twice (a teaser above it is printed once), else the one a byline or
    date follows, else the first.

    A page with a short header keeps all of it (the parser finds kicker, headline and byline).
    """
    if body_start <= MAX_HEADER_LINES:
        return 0
    window = range(body_start - MAX_HEADER_LINES, body_start)
    candidates = [index for index in window if _is_headline_like(lines[index])]
    twice = [index for index in candidates if lines[index] == lines[index + 1]]
    signed = [
        index
        for index in candidates
        if any(_is_byline_or_date(line) for line in lines[index + 1 : index + 1 + BYLINE_GAP])
    ]
    return (twice or signed or candidates or [body_start])[0]


def _is_byline_or_date(line: str) -> bool:
    return rules.match_byline(line) is not None or rules.is_date_line(line)


def _is_headline_like(text: str) -> bool:
    """Say whether a line could be a headline: a few words, no list marker, not a label."""
    count = rules.word_count(text)
    if not 4 <= count <= 30 or rules.strip_list_marker(text) is not None:
        return False
    sentence = rules.ends_sentence(text) and not text.rstrip("”\"'’").endswith(("?", "!"))
    return not sentence and rules.match_boilerplate(text) is None


def _is_kicker(lines: list[str], index: int) -> bool:
    """Say whether lines[index], above the headline, is its kicker.

    A menu's last entry ("Traffic", "Watch live") is not: a kicker stands apart from the line
    above it, or is set in capitals under menu entries that are not ("LOCAL NEWS").
    """
    if not _is_kicker_line(lines[index]):
        return False
    above = lines[index - 1] if index > 0 else ""
    return not (above and _is_kicker_line(above)) or (
        rules.is_all_caps(lines[index]) and not rules.is_all_caps(above)
    )


def _is_kicker_line(text: str) -> bool:
    """Say whether the line above the headline may be its kicker (a short section label)."""
    return (
        rules.word_count(text) <= 4
        and rules.is_heading_like(text)
        and rules.match_boilerplate(text) is None
    )
