"""Follow a site: poll its feed, publish its new articles, re-publish the ones that change.

    source = add_source(settings, "https://news.example/rss", category="Local")
    report = polling.poll(settings, source.id)  # one pass: what `follow run --once` does

A source is an RSS, Atom or JSON Feed (feedparser reads RSS and Atom; it does not read JSON
Feed, so `_json_feed` maps its few fields) or a news sitemap (lxml). Everything is fetched
through net/fetch.py (same address policy as `publish URL`) with conditional GET: the feed's
and each page's ETag / Last-Modified are stored and sent back.

Each poll (polling.py, which calls the pipeline; this module keeps the records):
- a new item: its page is fetched and published through pipeline.publish (its canonical URL is
  the episode's link; category: the item's own, else the source's);
- every item first seen within `follow_recheck_hours` has its page fetched again, even when
  the feed answered 304 (CMSs change articles without touching the feed). What is compared is
  what a listener hears of the article (`fingerprint`: the speech of the article's own
  sentences, no made-up announcements), not the page's bytes (ads, dates and tokens change on
  every load). Changed: a new revision of kind "update" with the note "follow.updated" of the
  announcements table. Unchanged: nothing (no synthesis, no revision);
- an item gone from the feed stays published; a page answering 404 or 410 is logged for
  editors, never unpublished automatically.
Each source keeps its last poll's counts and a log (`FollowEvent`) editors read.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from audionews.config import Settings
from audionews.errors import ConflictError, InputError, NotFoundError
from audionews.storage import database, tables

#: States of a followed item, and what each means to editors.
ITEM_STATES = {
    "published": "published; its page is checked for changes while it is recent",
    "failed": "could not be published; tried again at the next poll",
    "gone": "its page answers 404 or 410: still published, check it",
}
#: Log actions shown to editors.
EVENT_ACTIONS = ("published", "updated", "failed", "gone")
#: HTTP statuses that mean an article's page was removed.
GONE_STATUSES = (404, 410)
#: Log lines kept per source (older ones are deleted at each poll).
MAX_EVENTS_PER_SOURCE = 200
#: A poll that began this long ago without finishing was cut short (a killed worker).
CLAIM_STALE_S = 3600.0
#: XML namespace of sitemaps (the news extension adds title, date and keywords).
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True)
class FeedItem:
    """One article a feed lists: its page, and its category when the feed names one."""

    url: str
    title: str = ""
    category: str = ""


@dataclass(frozen=True)
class SourceView:
    id: int
    url: str
    category: str
    last_poll: datetime | None
    seen: int
    published: int
    updated: int
    failed: int
    last_message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "category": self.category,
            "last_poll": self.last_poll.isoformat() if self.last_poll else None,
            "seen": self.seen,
            "published": self.published,
            "updated": self.updated,
            "failed": self.failed,
            "last_message": self.last_message,
        }


@dataclass(frozen=True)
class EventView:
    source_id: int
    created: datetime
    action: str
    url: str
    slug: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "created": self.created.isoformat(),
            "action": self.action,
            "url": self.url,
            "slug": self.slug,
            "message": self.message,
        }


@dataclass
class PollReport:
    """What one poll of one source did."""

    source_id: int
    feed_not_modified: bool = False
    seen: int = 0
    published: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "<url>: <reason>"
    gone: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        feed = "feed unchanged (304)" if self.feed_not_modified else f"{self.seen} item(s) seen"
        gone = f", {len(self.gone)} gone (404/410)" if self.gone else ""
        return (
            f"{feed}, {len(self.published)} published, {len(self.updated)} updated, "
            f"{len(self.failed)} failed{gone}"
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _source_view(row: tables.FollowSource) -> SourceView:
    return SourceView(
        row.id, row.url, row.category,
        row.last_poll.replace(tzinfo=UTC) if row.last_poll else None,
        row.seen, row.published, row.updated, row.failed, row.last_message,
    )  # fmt: skip


# --------------------------------------------------------------------------- sources


def add_source(settings: Settings, url: str, category: str = "") -> SourceView:
    """Follow the feed at `url`: fetched and read once now, so a bad address or a page that is
    no feed is refused at once (FetchError / InputError), then polled by the worker."""
    from audionews.net.fetch import check_url, policy_for

    url = check_url(url, policy_for(settings.allow_private_urls))
    read_feed(url, settings)  # refuses what is not a feed
    now = _now()
    with database.session(settings) as s:
        if s.scalar(select(tables.FollowSource).where(tables.FollowSource.url == url)):
            raise ConflictError(f"{url} is already followed: see `audionews follow list`")
        row = tables.FollowSource(url=url, category=category.strip(), created=now)
        s.add(row)
        s.flush()
        return _source_view(row)


def list_sources(settings: Settings) -> list[SourceView]:
    with database.session(settings) as s:
        rows = s.scalars(select(tables.FollowSource).order_by(tables.FollowSource.id))
        return [_source_view(r) for r in rows]


def find_source(settings: Settings, key: str | int) -> SourceView:
    """Return the source with this id or URL, or say which exist."""
    with database.session(settings) as s:
        query = select(tables.FollowSource)
        text = str(key).strip()
        query = query.where(
            tables.FollowSource.id == int(text)
            if text.isdigit()
            else tables.FollowSource.url == text
        )
        row = s.scalar(query)
        if row is None:
            raise NotFoundError(
                f"no followed feed {text!r}: give its id or URL as `audionews follow list` shows"
            )
        return _source_view(row)


def remove_source(settings: Settings, key: str | int) -> SourceView:
    """Stop following a source; its episodes stay published, its items and log are dropped."""
    found = find_source(settings, key)
    with database.session(settings) as s:
        s.execute(delete(tables.FollowItem).where(tables.FollowItem.source_id == found.id))
        s.execute(delete(tables.FollowEvent).where(tables.FollowEvent.source_id == found.id))
        s.execute(delete(tables.FollowSource).where(tables.FollowSource.id == found.id))
    return found


def events(settings: Settings, source_id: int | None = None, limit: int = 50) -> list[EventView]:
    """Return the latest log lines, newest first (of one source when `source_id` is given)."""
    query = select(tables.FollowEvent).order_by(tables.FollowEvent.id.desc()).limit(limit)
    if source_id is not None:
        query = query.where(tables.FollowEvent.source_id == source_id)
    with database.session(settings) as s:
        return [
            EventView(e.source_id, e.created.replace(tzinfo=UTC), e.action, e.url, e.slug,
                      e.message)
            for e in s.scalars(query)
        ]  # fmt: skip


def check_now(settings: Settings, key: str | int) -> SourceView:
    """Make the worker poll a source at its next round, whatever its interval."""
    found = find_source(settings, key)
    with database.session(settings) as s:
        s.execute(
            update(tables.FollowSource)
            .where(tables.FollowSource.id == found.id)
            .values(last_poll=None)
        )
    return found


# --------------------------------------------------------------------------- reading feeds


@dataclass(frozen=True)
class FeedAnswer:
    items: list[FeedItem] | None  # None: the feed answered 304
    etag: str = ""
    last_modified: str = ""


def read_feed(
    url: str, settings: Settings, *, etag: str = "", last_modified: str = ""
) -> FeedAnswer:
    """Fetch a feed (conditionally) and return its items, or refuse what is no feed."""
    from audionews.net.fetch import FEED_TYPES, fetch_page

    page = fetch_page(
        url,
        allow_private=settings.allow_private_urls,
        types=FEED_TYPES,
        etag=etag,
        last_modified=last_modified,
    )
    if page.not_modified:
        return FeedAnswer(None, page.etag, page.last_modified)
    return FeedAnswer(parse_feed(page.content, page.url), page.etag, page.last_modified)


def parse_feed(content: bytes, url: str) -> list[FeedItem]:
    """Return the items of an RSS, Atom or JSON Feed, or of a news sitemap."""
    stripped = content.lstrip()
    if stripped.startswith(b"{"):
        return _json_feed(stripped, url)
    if b"<urlset" in stripped[:2000]:
        return _sitemap(stripped, url)
    import feedparser

    parsed = feedparser.parse(content)
    if not parsed.get("version"):
        raise InputError(
            f"{url} is not a feed (neither RSS, Atom, JSON Feed nor a news sitemap): give the "
            "address of the site's feed, often /feed, /rss or /atom.xml"
        )
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        tags = entry.get("tags") or []
        category = (tags[0].get("term") or "") if tags else ""
        if link:
            items.append(FeedItem(link, entry.get("title", ""), category.strip()))
    return items


def _json_feed(content: bytes, url: str) -> list[FeedItem]:
    """Map a JSON Feed (https://jsonfeed.org/version/1.1) to items: feedparser does not read
    this format, and its few fields need no library."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{url} is not a valid JSON Feed ({exc}): check the address") from None
    version = data.get("version", "") if isinstance(data, dict) else ""
    if not str(version).startswith("https://jsonfeed.org/version/"):
        raise InputError(f"{url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url") or ""
        tags = item.get("tags") or []
        category = str(tags[0]) if tags and isinstance(tags, list) else ""
        if isinstance(link, str) and link:
            items.append(FeedItem(link, str(item.get("title") or ""), category))
    return items


def _sitemap(content: bytes, url: str) -> list[FeedItem]:
    """Return the pages of a (news) sitemap: <url><loc>, with <news:title> and keywords."""
    from lxml import etree

    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{url} is not a valid sitemap ({exc}): check the address") from None
    items = []
    for node in root.iter(f"{{{SITEMAP_NS}}}url"):
        loc = (node.findtext(f"{{{SITEMAP_NS}}}loc") or "").strip()
        title = (node.findtext(f".//{{{NEWS_NS}}}title") or "").strip()
        keywords = (node.findtext(f".//{{{NEWS_NS}}}keywords") or "").split(",")
        if loc:
            items.append(FeedItem(loc, title, keywords[0].strip()))
    return items


# --------------------------------------------------------------------------- poll records
# A poll itself (fetch pages, publish them) calls the pipeline: polling.py. Here is what it
# reads and writes of the library.


def source_row(settings: Settings, source_id: int) -> tables.FollowSource:
    """Return a source's row, detached from its session (NotFoundError if unknown)."""
    with database.session(settings) as s:
        source = s.get(tables.FollowSource, source_id)
        if source is None:
            raise NotFoundError(f"no followed feed {source_id}")
        s.expunge(source)
    return source


def known_items(settings: Settings, source_id: int) -> dict[str, tables.FollowItem]:
    """Return the source's items seen before, by URL, detached from their session."""
    with database.session(settings) as s:
        known = {
            i.url: i
            for i in s.scalars(
                select(tables.FollowItem).where(tables.FollowItem.source_id == source_id)
            )
        }
        for stored in known.values():
            s.expunge(stored)
    return known


def is_recent(row: tables.FollowItem, settings: Settings) -> bool:
    """Whether an item is still checked for changes (first seen within follow_recheck_hours)."""
    cutoff = _now() - timedelta(hours=settings.follow_recheck_hours)
    return row.state in ("published", "gone") and row.first_seen >= cutoff


def record_new_item(
    settings: Settings,
    source_id: int,
    url: str,
    row: tables.FollowItem | None,
    values: dict[str, Any],
    event: tuple[str, str, str],
) -> None:
    """Record what publishing a new item did (`values` of its row) and log `event`
    (action, slug, message)."""
    with database.session(settings) as s:
        if row is None:
            s.add(
                tables.FollowItem(
                    source_id=source_id, url=url, first_seen=_now(), checked=_now(), **values
                )
            )
        else:
            s.execute(
                update(tables.FollowItem)
                .where(tables.FollowItem.id == row.id)
                .values(checked=_now(), **values)
            )
        _log(s, source_id, event[0], url, event[1], event[2])


def record_recheck(
    settings: Settings,
    row: tables.FollowItem,
    values: dict[str, Any],
    event: tuple[str, str] | None,
) -> None:
    """Record what checking an item again did (`values` of its row), logging `event`
    (action, message) if anything is worth telling."""
    with database.session(settings) as s:
        s.execute(
            update(tables.FollowItem)
            .where(tables.FollowItem.id == row.id)
            .values(checked=_now(), **values)
        )
        if event is not None:
            _log(s, row.source_id, event[0], row.url, row.slug, event[1])


def _log(s: Any, source_id: int, action: str, url: str, slug: str = "", message: str = "") -> None:
    s.add(
        tables.FollowEvent(
            source_id=source_id, created=_now(), action=action, url=url, slug=slug,
            message=message,
        )
    )  # fmt: skip


def finish_poll(
    settings: Settings,
    source: tables.FollowSource,
    report: PollReport,
    answer: FeedAnswer | None,
    message: str,
) -> None:
    """Record a poll's counts and the feed's validators; keep MAX_EVENTS_PER_SOURCE log lines."""
    with database.session(settings) as s:
        values: dict[str, Any] = {
            "last_poll": _now(),
            "claimed": 0.0,
            "seen": report.seen,
            "published": len(report.published),
            "updated": len(report.updated),
            "failed": len(report.failed),
            "last_message": message,
        }
        if answer is not None:
            values |= {"etag": answer.etag, "last_modified": answer.last_modified}
        s.execute(
            update(tables.FollowSource).where(tables.FollowSource.id == source.id).values(**values)
        )
        old = s.scalars(
            select(tables.FollowEvent.id)
            .where(tables.FollowEvent.source_id == source.id)
            .order_by(tables.FollowEvent.id.desc())
            .offset(MAX_EVENTS_PER_SOURCE)
        ).all()
        if old:
            s.execute(delete(tables.FollowEvent).where(tables.FollowEvent.id.in_(old)))


def claim_due(settings: Settings) -> list[int]:
    """Return the sources whose interval has passed, each claimed first (compare-and-set), so
    two workers never poll one source at once."""
    due_before = _now() - timedelta(minutes=settings.follow_interval_minutes)
    claimed_ids = []
    for source in list_sources(settings):
        if source.last_poll is not None and source.last_poll.replace(tzinfo=None) > due_before:
            continue
        now = time.time()
        with database.session(settings) as s:
            claimed = s.execute(
                update(tables.FollowSource)
                .where(
                    tables.FollowSource.id == source.id,
                    tables.FollowSource.claimed < now - CLAIM_STALE_S,
                )
                .values(claimed=now)
            )
        if claimed.rowcount:  # type: ignore[attr-defined]
            claimed_ids.append(source.id)
    return claimed_ids
