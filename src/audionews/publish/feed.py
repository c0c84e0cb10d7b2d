"""Render podcast feeds: RSS 2.0 + Apple's itunes tags + Podcasting 2.0 + Podlove chapters.

Built with lxml (every text escaped, control characters removed), written to feed/feed.xml and
feed/feeds/<category>.xml with atomic replaces so a static server or CDN can serve them as is.
The web app calls `ensure_rendered` before serving, so a feed is never older than the database
even if a publish died between its database commit and its feed render. A render that fails
(a full disk) replaces no feed at all: the last good ones stay served until one succeeds.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path

from lxml import etree
from lxml.builder import E

from audionews import __version__
from audionews.audio.package import default_cover
from audionews.config import Settings
from audionews.errors import ConfigError
from audionews.publish import files
from audionews.publish.files import atomic_copy, atomic_write, xml_safe
from audionews.publish.library import EpisodeView, Library

NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "psc": "http://podlove.org/simple-chapters",
}
#: Podcasting 2.0: podcast:guid is uuid5(this namespace, feed URL without scheme and trailing /).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
#: Apple Podcasts' subcategories of "News", exactly as Apple spells them.
APPLE_NEWS_SUBCATEGORIES = (
    "Business News",
    "Daily News",
    "Entertainment News",
    "News Commentary",
    "Politics",
    "Sports News",
    "Tech News",
)
MAIN_FEED = "feed.xml"
CATEGORY_FEED = "feeds/{slug}.xml"
COVER_NAME = "cover.png"
#: Transcript links in each item: (file kind, media type, rel). VTT is the captions track.
TRANSCRIPTS = (
    ("vtt", "text/vtt", "captions"),
    ("srt", "application/x-subrip", ""),
    ("html", "text/html", ""),
)


def _q(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


def podcast_guid(feed_url: str) -> str:
    """Return the Podcasting 2.0 podcast:guid of a feed URL (scheme and trailing slash dropped)."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def clock(seconds: float, millis: bool = False) -> str:
    """Return HH:MM:SS (or HH:MM:SS.mmm for Podlove chapters) for a time in seconds."""
    total_ms = round(seconds * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{ms:03d}" if millis else text


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, /, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


@dataclass(frozen=True)
class FeedSpec:
    """One feed to render: where it lives and which episodes it lists."""

    path: str  # relative to feed_dir and to the site root: "feed.xml", "feeds/politics.xml"
    title: str
    episodes: Sequence[EpisodeView]


def feed_url(settings: Settings, path: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{path}"


def item_html(episode: EpisodeView) -> str:
    """Return the HTML shown in podcast apps: standfirst, notices, chapters, links."""
    parts: list[etree._Element] = []
    for notice in episode.notices:
        dated = f" ({notice.date:%d %B %Y})" if notice.date else ""
        label = notice.label or notice.kind.replace("_", " ").capitalize()
        text = notice.text if notice.text.startswith(label) else f"{label}{dated}: {notice.text}"
        parts.append(E.p(E.strong(xml_safe(text))))
    if episode.standfirst:
        parts.append(E.p(xml_safe(episode.standfirst)))
    if episode.chapters:
        parts.append(E.p("Chapters:"))
        parts.append(
            E.ul(*(E.li(f"{clock(c.start)} {xml_safe(c.title)}") for c in episode.chapters))
        )
    links = [E.a("Listen on the web", href=episode.page_url)]
    if "html" in episode.files:
        links += [" · ", E.a("Read the transcript", href=episode.files["html"].url)]
    parts.append(E.p(*links))
    return "".join(etree.tostring(p, encoding="unicode", method="html") for p in parts)


def render_feed(settings: Settings, spec: FeedSpec) -> bytes:
    """Return the XML of one feed."""
    settings_check(settings)
    base = settings.public_url.rstrip("/")
    self_url = feed_url(settings, spec.path)
    cover_url = f"{base}/{COVER_NAME}"
    language = spec.episodes[0].language if spec.episodes else settings.default_language
    rss = etree.Element("rss", {"version": "2.0"}, nsmap=NAMESPACES)
    channel = _sub(rss, "channel")
    _sub(channel, "title", spec.title)
    _sub(channel, "description", settings.feed_description)
    _sub(channel, "link", base + "/")
    _sub(channel, "language", language)
    _sub(channel, "copyright", settings.feed_copyright or f"© {settings.publication}")
    _sub(channel, "generator", f"audionews {__version__}")
    if spec.episodes:
        last = max(e.updated for e in spec.episodes)
        _sub(channel, "lastBuildDate", format_datetime(last.astimezone(UTC)))
    _sub(channel, _q("atom", "link"), href=self_url, rel="self", type="application/rss+xml")
    image = _sub(channel, "image")
    _sub(image, "url", cover_url)
    _sub(image, "title", spec.title)
    _sub(image, "link", base + "/")
    _sub(channel, _q("itunes", "image"), href=cover_url)
    _sub(channel, _q("itunes", "author"), settings.publication)
    owner = _sub(channel, _q("itunes", "owner"))
    _sub(owner, _q("itunes", "name"), settings.publication)
    _sub(owner, _q("itunes", "email"), settings.owner_email)
    category = _sub(channel, _q("itunes", "category"), text="News")
    _sub(category, _q("itunes", "category"), text=settings.feed_subcategory)
    _sub(channel, _q("itunes", "explicit"), "true" if settings.feed_explicit else "false")
    _sub(channel, _q("itunes", "type"), "episodic")
    _sub(channel, _q("podcast", "guid"), podcast_guid(self_url))
    _sub(
        channel,
        _q("podcast", "locked"),
        "yes" if settings.feed_locked else "no",
        owner=settings.owner_email,
    )
    for episode in spec.episodes:
        _item(channel, episode, cover_url)
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _item(channel: etree._Element, episode: EpisodeView, cover_url: str) -> None:
    item = _sub(channel, "item")
    _sub(item, "title", episode.title)
    html = item_html(episode)
    _sub(item, "description", html)
    _sub(item, _q("content", "encoded"), html)
    _sub(item, "link", episode.page_url)
    _sub(item, "guid", episode.guid, isPermaLink="false")
    _sub(item, "pubDate", format_datetime(episode.published.astimezone(UTC)))
    if episode.byline:
        _sub(item, _q("itunes", "author"), episode.byline)
    if episode.category:
        _sub(item, "category", episode.category)
    mp3 = episode.mp3
    _sub(item, "enclosure", url=mp3.url, length=str(mp3.size), type=mp3.media_type)
    _sub(item, _q("itunes", "duration"), str(round(episode.duration_s)))
    _sub(item, _q("itunes", "episodeType"), "full")
    _sub(item, _q("itunes", "explicit"), "false")
    _sub(item, _q("itunes", "image"), href=cover_url)
    if "chapters" in episode.files:
        chapters = episode.files["chapters"]
        _sub(item, _q("podcast", "chapters"), url=chapters.url, type=chapters.media_type)
    for kind, media_type, rel in TRANSCRIPTS:
        if kind in episode.files:
            attrs = {"url": episode.files[kind].url, "type": media_type}
            attrs["language"] = episode.language
            if rel:
                attrs["rel"] = rel
            _sub(item, _q("podcast", "transcript"), **attrs)
    if episode.chapters:
        psc = _sub(item, _q("psc", "chapters"), version="1.2")
        for chapter in episode.chapters:
            start = clock(chapter.start, millis=True)
            _sub(psc, _q("psc", "chapter"), start=start, title=chapter.title)


def settings_check(settings: Settings) -> None:
    """Refuse feed settings that Apple would reject, saying what is allowed."""
    if settings.feed_subcategory not in APPLE_NEWS_SUBCATEGORIES:
        raise ConfigError(
            f"feed_subcategory {settings.feed_subcategory!r} is not one of Apple's News "
            f"subcategories: {', '.join(APPLE_NEWS_SUBCATEGORIES)}"
        )


def feed_specs(library: Library) -> list[FeedSpec]:
    """Return the main feed and one feed per category."""
    settings = library.settings
    episodes = library.list_episodes()
    specs = [FeedSpec(MAIN_FEED, settings.feed_title, episodes)]
    for category in library.categories():
        specs.append(
            FeedSpec(
                CATEGORY_FEED.format(slug=category.slug),
                f"{settings.feed_title}: {category.label}",
                [e for e in episodes if e.category_slug == category.slug],
            )
        )
    return specs


def write_cover(settings: Settings) -> Path:
    """Put the cover art at feed/cover.png: the configured image, else a generated default."""
    target = settings.feed_dir / COVER_NAME
    if settings.feed_cover:
        source = Path(settings.feed_cover)
        if not source.is_file():
            raise ConfigError(f"feed_cover {source} does not exist: fix the path or unset it")
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            atomic_copy(source, target)
    elif not target.exists():
        atomic_write(target, default_cover(settings.publication))
    return target


def _stamp_path(settings: Settings) -> Path:
    return settings.instance_dir / "feeds.generation"


def render_all(library: Library) -> list[Path]:
    """Render every feed to files under feed/ and remove feeds of empty categories.

    All feeds, and the stamp saying which library state they show, are replaced together or
    not at all (files.atomic_write_many): an OSError (a full disk) leaves every feed as it was,
    and the stamp says they are stale.
    """
    settings = library.settings
    generation = library.generation()
    write_cover(settings)
    rendered = [
        (settings.feed_dir / spec.path, render_feed(settings, spec)) for spec in feed_specs(library)
    ]
    files.atomic_write_many([*rendered, (_stamp_path(settings), str(generation).encode())])
    written = [path for path, _ in rendered]
    for stale in (settings.feed_dir / "feeds").glob("*.xml"):
        if stale not in written:
            stale.unlink(missing_ok=True)
    return written


_log = logging.getLogger("audionews.feed")


def ensure_rendered(library: Library, *, every: float = 0.0) -> bool:
    """Render the feeds if the library changed since they were last written, then take earlier
    revisions whose grace period ended off the site; return False if the feeds are stale.

    With `every` > 0 the check runs at most that often (seconds) per Library object: the web
    app uses 1 s, since publish renders the feeds itself and this check only repairs a publish
    that died between its commit and its render. A render that fails (OSError: a full disk) is
    logged, not raised: the last good feeds stay in place and are served meanwhile.
    """
    now = time.monotonic()
    if now - library.feeds_checked_at < every:
        return library.feeds_current
    library.feeds_checked_at = now
    stamp = _stamp_path(library.settings)
    try:
        current = stamp.read_text() == str(library.generation())
    except OSError:
        current = False
    try:
        if not current or not (library.settings.feed_dir / MAIN_FEED).exists():
            render_all(library)
        files.retire_old_revisions(library)
    except OSError as exc:
        _log.warning("could not write the feeds (%s): serving the last good ones", exc)
        library.feeds_current = False
        return False
    library.feeds_current = True
    return True
