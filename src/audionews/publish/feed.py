"""Render podcast feeds: RSS 2.0 + Apple's itunes tags + Podcasting 2.0 + Podlove chapters.

Built with lxml (every text escaped, control characters removed), written to feed/feed.xml and
feed/feeds/<category>.xml with atomic replaces so a static server or CDN can serve them as is.
The web app calls `ensure_rendered` before serving, so a feed is never older than the database
even if a publish died between its database commit and its feed render. A render that fails
(a full disk) replaces no feed at all: the last good ones stay served until one succeeds.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from lxml.builder import E

from audionews import __version__
from audionews.audio.package import default_cover
from audionews.config import Settings
from audionews.errors import ConfigError
from audionews.ingest.rules import neutral_bidi
from audionews.publish import files
from audionews.publish.files import xml_safe
from audionews.publish.library import EpisodeView, Library
from audionews.storage import shared
from audionews.storage.public import FEED_CACHE, Item
from audionews.vocabulary import FILE_KINDS, NOTICE_LABELS, FileKind

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
#: Apple Podcasts: an item's <description> may use only these tags (in a CDATA section), up to
#: this many bytes; <content:encoded> keeps the richer show notes (bold notices).
APPLE_DESCRIPTION_TAGS = ("p", "ol", "ul", "li", "a")
APPLE_DESCRIPTION_BYTES = 4000
#: Domains that can never receive mail: RFC 2606 and RFC 6761 (and their subdomains). The
#: default owner_email is one, so the demo runs, and `feed` and `serve` warn while it is.
RESERVED_DOMAINS = ("example", "test", "invalid", "localhost", "example.com", "example.net",
                    "example.org")  # fmt: skip
MAIN_FEED = "feed.xml"
CATEGORY_FEED = "feeds/{slug}.xml"
COVER_NAME = "cover.png"
#: Transcript links in each item: (file kind, rel); the media type is the file kind's.
#: VTT is the captions track.
TRANSCRIPTS = (
    (FileKind.VTT, "captions"),
    (FileKind.SRT, ""),
    (FileKind.TRANSCRIPT, ""),
    (FileKind.HTML, ""),
)


def _q(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


def _cdata(html: str) -> etree.CDATA:
    """Wrap HTML in a CDATA section (as Apple asks); "]]>" may not appear in one, "]]&gt;"
    means the same in HTML text and attributes."""
    return etree.CDATA(xml_safe(html).replace("]]>", "]]&gt;"))


def podcast_guid(feed_url: str) -> str:
    """Return the Podcasting 2.0 podcast:guid of a feed URL (scheme and trailing slash dropped)."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def is_local_url(url: str) -> bool:
    """Say whether `url` names this machine (localhost, 127.0.0.1, ::1): no one else's app
    can have subscribed to a feed there."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def channel_guid(library: Library, path: str) -> str:
    """Return the podcast:guid of the feed at `path`: assigned once and kept.

    The guid is computed from the feed's URL the first time the feed is rendered at a public
    address and stored in the library, so a later move to another domain or a CDN keeps it
    (apps that follow the Podcast Index see the same podcast). The `podcast_guid` setting pins
    the main feed's guid (and is kept from then on). While the public URL is this machine's
    (the `make run` demo), the guid is computed but not kept.
    """
    settings = library.settings
    if path == MAIN_FEED and settings.podcast_guid:
        return library.keep_feed_guid(path, settings.podcast_guid, replace=True)
    computed = podcast_guid(feed_url(settings, path))
    if is_local_url(settings.public_url):
        return library.stored_feed_guid(path) or computed
    return library.keep_feed_guid(path, computed)


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
    element = etree.SubElement(parent, tag, {k: _shown(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _shown(text)
    return element


def _shown(text: str) -> str:
    """Return text as a feed may carry it: valid XML, no unpaired bidi control (settings too)."""
    return neutral_bidi(xml_safe(text))


@dataclass(frozen=True)
class FeedSpec:
    """One feed to render: where it lives and which episodes it lists."""

    path: str  # relative to feed_dir and to the site root: "feed.xml", "feeds/politics.xml"
    title: str
    episodes: Sequence[EpisodeView]
    guid: str  # podcast:guid, see channel_guid


def feed_url(settings: Settings, path: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{path}"


def _item_blocks(episode: EpisodeView) -> list[etree._Element]:
    """Return the blocks of an item's show notes: notices, standfirst, chapters, links (last)."""
    parts: list[etree._Element] = []
    for notice in episode.notices:
        dated = f" ({notice.date:%d %B %Y})" if notice.date else ""
        label = notice.label or NOTICE_LABELS[notice.kind]
        text = notice.text if notice.text.startswith(label) else f"{label}{dated}: {notice.text}"
        parts.append(E.p(E.strong(_shown(text))))
    if episode.standfirst:
        parts.append(E.p(_shown(episode.standfirst)))
    if episode.chapters:
        parts.append(E.p("Chapters:"))
        parts.append(E.ul(*(E.li(f"{clock(c.start)} {_shown(c.title)}") for c in episode.chapters)))
    links = [E.a("Listen on the web", href=episode.page_url)]
    if episode.link:
        links += [" · ", E.a("Read the article", href=episode.link)]
    if FileKind.HTML in episode.files:
        links += [" · ", E.a("Read the transcript", href=episode.files[FileKind.HTML].url)]
    parts.append(E.p(*links))
    return parts


def _html(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode", method="html")


def item_html(episode: EpisodeView) -> str:
    """Return the show notes for <content:encoded>: any HTML, notices in bold."""
    return "".join(_html(p) for p in _item_blocks(episode))


def apple_description(episode: EpisodeView) -> str:
    """Return the show notes for <description> as Apple allows them (APPLE_DESCRIPTION_*).

    The rich notes lose every other tag (their text stays) and every attribute but a link's
    href; if they are longer than the limit, the links stay and the blocks before them are cut
    where the limit falls (a list keeps its first items, a paragraph its first words).
    """
    blocks = [_apple_block(b) for b in _item_blocks(episode)]
    *body, links = (_html(b) for b in blocks)
    budget = APPLE_DESCRIPTION_BYTES - _size(links)
    kept: list[str] = []
    for html, block in zip(body, blocks, strict=False):
        if _size(html) <= budget:
            kept.append(html)
            budget -= _size(html)
            continue
        cut = _cut_to(block, budget)
        if cut:
            kept.append(cut)
        break
    return "".join(kept) + links


def _apple_block(block: etree._Element) -> etree._Element:
    block = copy.deepcopy(block)
    for element in block.iter():
        keep = ("href",) if element.tag == "a" else ()
        for name in [n for n in element.attrib if n not in keep]:
            del element.attrib[name]
    etree.strip_tags(
        block, *{el.tag for el in block.iter()} - set(APPLE_DESCRIPTION_TAGS) - {block.tag}
    )
    return block


def _size(html: str) -> int:
    return len(html.encode("utf-8"))


def _cut_to(block: etree._Element, budget: int) -> str:
    """Return the longest start of `block` (whole list items, or whole words and "…") that fits
    in `budget` bytes, or "" when nothing useful does."""
    if block.tag in ("ul", "ol"):
        items = list(block)
        for item in items:
            block.remove(item)
        html = ""
        for item in items:
            block.append(item)
            if _size(_html(block)) > budget:
                block.remove(item)
                break
            html = _html(block)
        return html
    words = "".join(block.itertext()).split()
    low, high = 0, len(words)  # binary search on the number of words kept
    while low < high:
        middle = (low + high + 1) // 2
        if _size(_html(E(block.tag, " ".join(words[:middle]) + " …"))) <= budget:
            low = middle
        else:
            high = middle - 1
    return _html(E(block.tag, " ".join(words[:low]) + " …")) if low else ""


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
    _sub(channel, _q("podcast", "guid"), spec.guid)
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
    _sub(item, "description").text = _cdata(apple_description(episode))
    _sub(item, _q("content", "encoded")).text = _cdata(item_html(episode))
    _sub(item, "link", episode.link or episode.page_url)  # the article's own page, if known
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
    if FileKind.CHAPTERS in episode.files:
        chapters = episode.files[FileKind.CHAPTERS]
        _sub(item, _q("podcast", "chapters"), url=chapters.url, type=chapters.media_type)
    for kind, rel in TRANSCRIPTS:
        if kind in episode.files:
            attrs = {"url": episode.files[kind].url, "type": FILE_KINDS[kind][1]}
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
    try:
        parsed = Address(addr_spec=settings.owner_email)
    except (ValueError, IndexError, HeaderParseError):
        parsed = None
    if parsed is None or not parsed.username or "." not in parsed.domain:
        raise ConfigError(
            f"owner_email {settings.owner_email!r} is not an e-mail address: set the address "
            "that answers for the podcast (itunes:email and the podcast:locked owner)"
        )
    if settings.feed_subcategory not in APPLE_NEWS_SUBCATEGORIES:
        raise ConfigError(
            f"feed_subcategory {settings.feed_subcategory!r} is not one of Apple's News "
            f"subcategories: {', '.join(APPLE_NEWS_SUBCATEGORIES)}"
        )


def settings_warnings(settings: Settings) -> list[str]:
    """Return what is wrong but allowed in the feed settings (the demo's placeholders), one
    line each, for `audionews feed` and `serve` to say once."""
    domain = settings.owner_email.rpartition("@")[2].lower().rstrip(".")
    if any(domain == d or domain.endswith(f".{d}") for d in RESERVED_DOMAINS):
        return [
            f"owner_email is {settings.owner_email}, a reserved address that can receive "
            "nothing: it is published as itunes:email and as the podcast:locked owner, where "
            "Apple Podcasts and Podcast Index hosts send the mail that proves you own the feed "
            "(to list it, or to move it). Set owner_email (instance/config.toml or "
            "AUDIONEWS_OWNER_EMAIL)."
        ]
    return []


def feed_specs(library: Library) -> list[FeedSpec]:
    """Return the main feed and one feed per category."""
    settings = library.settings
    episodes = library.list_episodes()
    specs = [FeedSpec(MAIN_FEED, settings.feed_title, episodes, channel_guid(library, MAIN_FEED))]
    for category in library.categories():
        path = CATEGORY_FEED.format(slug=category.slug)
        specs.append(
            FeedSpec(
                path,
                f"{settings.feed_title}: {category.label}",
                [e for e in episodes if e.category_slug == category.slug],
                channel_guid(library, path),
            )
        )
    return specs


def write_cover(library: Library) -> None:
    """Put the cover art in the public store (cover.png): the configured image, else a generated
    default."""
    settings, store = library.settings, library.public
    if settings.feed_cover:
        source = Path(settings.feed_cover)
        if not source.is_file():
            raise ConfigError(f"feed_cover {source} does not exist: fix the path or unset it")
        stored = store.stat(COVER_NAME)
        if stored is None or stored.modified < source.stat().st_mtime:
            store.put_file(COVER_NAME, source, files.stored_type(COVER_NAME), FEED_CACHE)
    elif store.stat(COVER_NAME) is None:
        cover = Item(COVER_NAME, default_cover(settings.publication), "image/png", FEED_CACHE)
        store.put_many([cover])


def _stamp(library: Library) -> str:
    """Return what the rendered feeds depend on: the library's generation and the public URL."""
    return f"{library.generation()} {library.settings.public_url}"


def render_all(library: Library) -> list[str]:
    """Render every feed into the public store, remove feeds of empty categories, and return
    the keys written.

    In a local store, all feeds are replaced together or not at all (an OSError, a full disk,
    leaves every feed as it was); in object storage each feed is replaced whole. The stamp
    saying which library state they show (in the database, read by every machine) is written
    after them, so a failure leaves it saying they are stale.
    """
    settings, store = library.settings, library.public
    stamp = _stamp(library)
    write_cover(library)
    rendered = [
        Item(spec.path, render_feed(settings, spec), files.stored_type(spec.path), FEED_CACHE)
        for spec in feed_specs(library)
    ]
    store.put_many(rendered)
    shared.write(settings, shared.FEEDS_RENDERED, stamp.encode())
    written = [item.key for item in rendered]
    for stale in store.keys("feeds/"):
        if stale.endswith(".xml") and stale not in written:
            store.delete(stale)
    return written


_log = logging.getLogger("audionews.feed")


def ensure_rendered(library: Library, *, every: float = 0.0) -> bool:
    """Render the feeds if the library or the public URL changed since they were last written,
    then take earlier revisions whose grace period ended off the site; return False if the
    feeds are stale.

    With `every` > 0 the check runs at most that often (seconds) per Library object: the web
    app uses 1 s, since publish renders the feeds itself and this check only repairs a publish
    that died between its commit and its render. A render that fails (OSError: a full disk) is
    logged, not raised: the last good feeds stay in place and are served meanwhile.
    """
    now = time.monotonic()
    if now - library.feeds_checked_at < every:
        return library.feeds_current
    library.feeds_checked_at = now
    # in the database, not a file: the machine that rendered is not the one that checks
    current = shared.read(library.settings, shared.FEEDS_RENDERED) == _stamp(library).encode()
    try:
        if not current or library.public.stat(MAIN_FEED) is None:
            render_all(library)
        files.retire_old_revisions(library)
    except OSError as exc:
        _log.warning("could not write the feeds (%s): serving the last good ones", exc)
        library.feeds_current = False
        return False
    library.feeds_current = True
    return True
