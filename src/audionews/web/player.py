"""The player pages: the home page (latest episodes, categories, feeds) and each episode's page.

Pages are complete without JavaScript: a native <audio> element with caption and chapter
tracks, chapter links with media fragments (`file.mp3#t=83.2`) and the whole transcript as
text, grouped under chapter headings. static/player.js only enhances what the HTML offers.

Views stay thin: they read the library, turn the episode's WebVTT file into a transcript view
(pure functions below) and render a template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from markupsafe import Markup

from audionews.audio.transcript import Span, chapters_webvtt
from audionews.errors import NotFoundError
from audionews.publish.library import EpisodeView, Library
from audionews.vocabulary import NOTICE_LABELS, FileKind, NoticeKind
from audionews.web import context

player = Blueprint(
    "player",
    __name__,
    template_folder="templates",
    static_folder="static",
    # Its own prefix, so the app's (or another blueprint's) /static never shadows these files.
    static_url_path="/static/player",
)

#: Silence between two cues above which the second starts a new paragraph. The mastering adds
#: 0.25 s between sentences of one segment and at least 0.6 s between segments (master.PAUSES),
#: and cue times are clip boundaries, so the midpoint separates the two without guessing.
PARAGRAPH_GAP_S = 0.45
#: Episodes on the home page.
HOME_EPISODES = 30
#: The interface's own language (labels, buttons); episode content carries its own `lang`.
UI_LANGUAGE = "en"

#: The badge an episode in a list wears for each kind of notice it has.
NOTICE_BADGES: dict[NoticeKind, str] = {
    NoticeKind.CORRECTION: "Corrected",
    NoticeKind.TRANSLATION: "Machine-translated",
    NoticeKind.UPDATE: "Updated",
    NoticeKind.EDITORS_NOTE: "Editor's note",
}


# --------------------------------------------------------------------------- transcript (pure)


@dataclass(frozen=True)
class TranscriptCue:
    """One sentence of the transcript: what the voice says between `start` and `end`."""

    number: int
    start: float
    end: float
    text: str
    section: str  # the cue's class span: "headline", "article", "key-points", ...
    #: (start, written word) per word of `text`, from the cue's timestamp tags (a word before
    #: the first tag starts with the cue); empty for a sentence timed as a whole.
    words: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True)
class TranscriptChapter:
    """A chapter of the transcript: its title and its sentences, grouped into paragraphs."""

    index: int
    title: str
    start: float
    end: float
    paragraphs: tuple[tuple[TranscriptCue, ...], ...]


_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+(?P<end>(?:\d+:)?\d{2}:\d{2}\.\d{3})"
)
_CLASS = re.compile(r"<c\.([^\s.>]+)[^>]*>")
_STAMP = re.compile(r"<((?:\d+:)?\d{2}:\d{2}\.\d{3})>")
_TAG = re.compile(r"</?[^>]*>")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f"}


def _seconds(stamp: str) -> float:
    parts = [float(p) for p in stamp.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0.0)
    hours, minutes, seconds = parts
    return hours * 3600 + minutes * 60 + seconds


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def parse_webvtt(text: str) -> list[TranscriptCue]:
    """Return the cues of a WebVTT file, tags removed: the first class span's name kept as
    `section`, the timestamp tags as the start of each word."""
    cues: list[TranscriptCue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing is None:  # the header, NOTE and STYLE blocks
            continue
        match = _TIMING.match(lines[timing])
        assert match is not None
        body = "\n".join(lines[timing + 1 :])
        section = _CLASS.search(body)
        words = " ".join(_unescape(_TAG.sub("", body)).split())
        if not words:
            continue
        start = _seconds(match["start"])
        cues.append(
            TranscriptCue(
                number=len(cues) + 1,
                start=start,
                end=_seconds(match["end"]),
                text=words,
                section=section.group(1) if section else "",
                words=_stamped_words(body, start) if _STAMP.search(body) else (),
            )
        )
    return cues


def _stamped_words(body: str, start: float) -> tuple[tuple[float, str], ...]:
    """Return (start, word) for every word of a cue body with WebVTT timestamp tags."""
    out: list[tuple[float, str]] = []
    at = start
    for piece in re.split(r"(<[^>]*>)", body):
        stamp = _STAMP.fullmatch(piece)
        if stamp:
            at = _seconds(stamp.group(1))
        elif not piece.startswith("<"):
            out += [(at, word) for word in _unescape(piece).split()]
    return tuple(out)


def group_transcript(
    cues: Sequence[TranscriptCue], chapters: Sequence[Span]
) -> list[TranscriptChapter]:
    """Place cues under the chapter they start in and split each chapter into paragraphs.

    A paragraph ends where the voice label changes (headline, summary, article...) or where
    the silence before the next cue is a segment pause rather than a sentence pause.
    """
    spans: Sequence[Span] = chapters or [_WholeEpisode(cues[-1].end if cues else 0.0)]
    grouped: list[list[TranscriptCue]] = [[] for _ in spans]
    index = 0
    for cue in cues:
        # Cues start inside their chapter; a small tolerance absorbs millisecond rounding.
        while index + 1 < len(spans) and cue.start >= spans[index + 1].start - 0.0005:
            index += 1
        grouped[index].append(cue)
    result = []
    for i, (span, members) in enumerate(zip(spans, grouped, strict=True)):
        paragraphs: list[list[TranscriptCue]] = []
        for cue in members:
            previous = paragraphs[-1][-1] if paragraphs else None
            if (
                previous is None
                or cue.section != previous.section
                or cue.start - previous.end > PARAGRAPH_GAP_S
            ):
                paragraphs.append([cue])
            else:
                paragraphs[-1].append(cue)
        result.append(
            TranscriptChapter(
                index=i,
                title=span.title,
                start=span.start,
                end=span.end,
                paragraphs=tuple(tuple(p) for p in paragraphs),
            )
        )
    return result


@dataclass(frozen=True)
class _WholeEpisode:
    end: float
    start: float = 0.0
    title: str = "Transcript"


# --------------------------------------------------------------------------- formatting


def spoken_duration(seconds: float) -> str:
    """Return a duration in words, '3 minutes 20 seconds', as player.js says it."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")):
        if value:
            parts.append(f"{value} {unit}{'s' if value != 1 else ''}")
    return " ".join(parts) or "0 seconds"


def clock(seconds: float) -> str:
    """Return a short clock reading: '3:20', or '1:02:05' past an hour."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def iso_duration(seconds: float) -> str:
    """Return an ISO 8601 duration for <time datetime>: 'PT3M20S'."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def long_date(value: datetime) -> str:
    """Return a date as people read it: '18 February 2025'."""
    return f"{value.day} {value:%B %Y}"


def fragment_time(seconds: float) -> str:
    """Return a media-fragment time: '83.2' (no trailing zeros, never exponent notation)."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".") or "0"


@player.app_template_filter("clock")
def _clock_filter(seconds: float) -> str:
    return clock(seconds)


@player.app_template_filter("spoken_duration")
def _spoken_filter(seconds: float) -> str:
    return spoken_duration(seconds)


@player.app_template_filter("iso_duration")
def _iso_filter(seconds: float) -> str:
    return iso_duration(seconds)


@player.app_template_filter("long_date")
def _date_filter(value: datetime) -> str:
    return long_date(value)


@player.app_template_filter("fragment_time")
def _fragment_filter(seconds: float) -> str:
    return fragment_time(seconds)


# --------------------------------------------------------------------------- views


def episode_or_404(slug: str) -> EpisodeView:
    """Return the published episode `slug`, or answer 404."""
    try:
        return context.library().get_episode(slug)
    except NotFoundError:
        abort(404)


def _feed_url(path: str) -> str:
    return context.settings().public_url.rstrip("/") + path


def read_transcript(library: Library, episode: EpisodeView) -> list[TranscriptChapter]:
    """Return the episode's transcript under its chapters (empty if its WebVTT file is gone)."""
    vtt = episode.files.get(FileKind.VTT)
    cues: list[TranscriptCue] = []
    if vtt is not None:
        key = library.episode_key(episode.slug, vtt.name)
        try:
            cues = parse_webvtt(library.public.read(key).decode("utf-8"))
        except NotFoundError:
            current_app.logger.warning("transcript file missing: %s", key)
    return group_transcript(cues, episode.chapters)


@player.context_processor
def page_globals() -> dict[str, object]:
    """Return the values every player page (and the embed) shows: site title, feed, labels."""
    return {
        "ui_lang": UI_LANGUAGE,
        "notice_badges": NOTICE_BADGES,
        "notice_labels": NOTICE_LABELS,
        "site_title": context.settings().feed_title,
        "main_feed_url": _feed_url("/feed.xml"),
    }


def render_page(template: str, page_lang: str = UI_LANGUAGE, **context: object) -> str:
    """Render a player page whose content is in `page_lang`; interface words keep UI_LANGUAGE."""
    ui_attr = Markup(' lang="{}"').format(UI_LANGUAGE) if page_lang != UI_LANGUAGE else ""
    return render_template(template, page_lang=page_lang, ui_attr=ui_attr, **context)


@player.get("/")
def home() -> str:
    """Show the latest episodes, the categories and how to subscribe."""
    library = context.library()
    return render_page(
        "player/home.html",
        episodes=library.list_episodes()[:HOME_EPISODES],
        categories=library.categories(),
        category=None,
        active_nav="home",
    )


@player.get("/categories/<category>/")
def category(category: str) -> str:
    """Show the episodes of one category."""
    library = context.library()
    categories = library.categories()
    current = next((c for c in categories if c.slug == category), None)
    if current is None:
        abort(404)
    return render_page(
        "player/home.html",
        episodes=library.list_episodes(category=current.slug)[:HOME_EPISODES],
        categories=categories,
        category=current,
    )


@player.get("/episodes/<slug>/")
def episode(slug: str) -> str:
    """Show one episode: notices, the player, chapters, the transcript and downloads."""
    library = context.library()
    item = episode_or_404(slug)
    return render_page(
        "player/episode.html",
        page_lang=item.language or UI_LANGUAGE,
        episode=item,
        transcript=read_transcript(library, item),
        chapters_vtt=url_for("player.chapters_track", slug=slug, r=item.revision),
    )


@player.get("/episodes/<slug>/chapters.vtt")
def chapters_track(slug: str) -> Response:
    """Serve the episode's chapters as WebVTT, for <track kind="chapters">."""
    item = episode_or_404(slug)
    response = Response(chapters_webvtt(item.chapters), content_type="text/vtt; charset=utf-8")
    # The revision is in the page's URL (?r=N), so a new revision is a new URL.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
