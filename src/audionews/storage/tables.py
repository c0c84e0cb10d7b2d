"""Every table of audionews, on one metadata: the library (episodes, revisions, feed guids, the
generation counter), the values every machine reads alike (the signing key, the lexicon, the feed
render stamp), and the editor side (jobs, article locks, slug reservations, editors and
their sessions, API tokens, the login throttle, the sentences of each revision), and the
outgoing webhooks with their delivery log.

One metadata means one schema for Alembic to compare (storage/migrations) and one engine per
database URL (storage/database.py). A new table is a class here plus a migration: see
"Changing the schema" in DESIGN.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from audionews.vocabulary import JobState, RevisionKind


class Base(DeclarativeBase):
    """The one declarative base: `Base.metadata` is the whole schema."""


#: Longest category label kept. PostgreSQL refuses a longer value where SQLite would store it,
#: so the library cuts labels to it (library.category_label) and both behave alike.
CATEGORY_LENGTH = 200


# --------------------------------------------------------------------------- the library


class LibraryState(Base):
    """One row: a counter bumped by every write, so readers know when feeds are stale."""

    __tablename__ = "library_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class SharedValue(Base):
    """A value every web and worker machine must read alike, kept here rather than in one
    machine's files (the names are storage/shared.py's). `version` grows with every change,
    so a read-modify-write is one compare-and-set UPDATE."""

    __tablename__ = "shared_values"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated: Mapped[datetime] = mapped_column()


class FeedGuid(Base):
    """The podcast:guid of each feed, assigned once, so moving the feed to another host keeps
    the podcast the same podcast (Podcasting 2.0: the guid never changes)."""

    __tablename__ = "feed_guids"
    path: Mapped[str] = mapped_column(String(200), primary_key=True)  # "feed.xml", "feeds/x.xml"
    guid: Mapped[str] = mapped_column(String(36))


class EpisodeRow(Base):
    __tablename__ = "episodes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(Text)
    kicker: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(CATEGORY_LENGTH))
    category_slug: Mapped[str] = mapped_column(String(100), index=True)
    language: Mapped[str] = mapped_column(String(20))
    standfirst: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column()
    published: Mapped[datetime] = mapped_column()
    updated: Mapped[datetime] = mapped_column()
    current_revision: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[datetime | None] = mapped_column(nullable=True, default=None)
    # Added after the first release: its server default fills older rows (migration 0001).
    link: Mapped[str] = mapped_column(Text, default="", server_default="")
    revisions: Mapped[list[RevisionRow]] = relationship(
        back_populates="episode", order_by="RevisionRow.number", lazy="selectin"
    )


class RevisionRow(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("episode_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))  # a vocabulary.RevisionKind
    note: Mapped[str] = mapped_column(Text, default="")
    editor: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[datetime] = mapped_column()
    source: Mapped[bytes] = mapped_column(LargeBinary)
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    source_filename: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(20), default="")
    script_json: Mapped[str] = mapped_column(Text)
    files_json: Mapped[str] = mapped_column(Text)  # {FileKind: [name, size]}
    chapters_json: Mapped[str] = mapped_column(Text)  # [[start, end, title, kind]]
    notices_json: Mapped[str] = mapped_column(Text)  # source notices [[kind, label, text]]
    title: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float] = mapped_column()
    segments_synthesized: Mapped[int] = mapped_column(Integer, default=0)
    segments_cached: Mapped[int] = mapped_column(Integer, default=0)
    # The loudness gain its MP3 was encoded with: the next build bets on it without reading
    # the MP3, which may be in object storage or in another machine's history (None: recorded
    # before it was kept; the build then reads the MP3's own tag).
    gain_db: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    episode: Mapped[EpisodeRow] = relationship(back_populates="revisions")


# --------------------------------------------------------------------------- the editor side


class Job(Base):
    """A background publish: queued -> running -> published | failed (see publish/jobs.py)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True, default="")
    action: Mapped[str] = mapped_column(String(20))  # a vocabulary.JobAction
    kind: Mapped[str] = mapped_column(String(40), default=RevisionKind.UPDATE.value)
    note: Mapped[str] = mapped_column(Text, default="")
    editor: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    source_filename: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(20), default="")
    # A job from a URL carries the URL; the worker fetches the page into `source` and `link`
    # (its canonical URL). Added after the first release, hence the server defaults (0001).
    source_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    link: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)  # rollback target, then result
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value, index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    synthesized: Mapped[int] = mapped_column(Integer, default=0)
    cached: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    pid: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str] = mapped_column(String(200), default="")
    heartbeat: Mapped[float] = mapped_column(Float, default=0.0)  # time.time() of the worker
    created: Mapped[datetime] = mapped_column()
    updated: Mapped[datetime] = mapped_column()


class ArticleLock(Base):
    """SQLite's article lock: the row exists while someone owns the article (PostgreSQL holds
    an advisory lock instead; see storage/locks.py)."""

    __tablename__ = "article_locks"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str] = mapped_column(String(200))  # "<host>:<pid>:<job id>"
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(200))
    heartbeat: Mapped[float] = mapped_column(Float)


class SlugReservation(Base):
    """A slug promised to a new article from the moment it is accepted until its job ends.

    The primary key makes two acceptances of one slug impossible; the library's episode, once
    recorded, holds the slug from then on (see jobs.submit and pipeline.publish).
    """

    __tablename__ = "slug_reservations"
    slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    created: Mapped[datetime] = mapped_column()


class Editor(Base):
    __tablename__ = "editors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column()


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created: Mapped[datetime] = mapped_column()
    last_used: Mapped[datetime | None] = mapped_column(nullable=True, default=None)


class EditorSession(Base):
    """A logged-in editor: the session cookie carries a random id whose hash is the key here,
    so deleting the row ends the session wherever the cookie is (see accounts.py)."""

    __tablename__ = "editor_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the id
    editor: Mapped[str] = mapped_column(String(100), index=True)
    created: Mapped[float] = mapped_column(Float)
    expires: Mapped[float] = mapped_column(Float, index=True)


class LoginThrottle(Base):
    """Password checks counted per key ("account:<name>", "address:<ip>"; see accounts.py).

    `version` grows with every change, so a reservation is one compare-and-set UPDATE: two
    workers reading the same count cannot both go ahead on it.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last: Mapped[float] = mapped_column(Float, default=0.0, index=True)  # last counted attempt
    next_allowed: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[int] = mapped_column(Integer, default=0)


class RevisionSentences(Base):
    """The sentences (written, spoken) of one revision, so any two revisions can be diffed."""

    __tablename__ = "revision_sentences"
    __table_args__ = (UniqueConstraint("slug", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sentences_json: Mapped[str] = mapped_column(Text)


class Webhook(Base):
    """A receiver told about events (see publish/webhooks.py)."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[str] = mapped_column(Text)  # names of vocabulary.WebhookEvent, comma-separated
    # Kept as given, not hashed: every delivery is signed with it (HMAC needs the key itself).
    secret: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column()


class WebhookDelivery(Base):
    """One event sent to one webhook: its body (the same on every attempt) and how it went."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # X-Audionews-Delivery
    webhook_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(Text)  # where it went, still known once the hook is removed
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    status_code: Mapped[int] = mapped_column(Integer, default=0)  # of the last attempt; 0: none
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    created: Mapped[datetime] = mapped_column(index=True)
    last_attempt: Mapped[datetime | None] = mapped_column(nullable=True, default=None)
    next_attempt: Mapped[datetime | None] = mapped_column(nullable=True, default=None)


class FollowSource(Base):
    """A site's feed (RSS, Atom, JSON Feed or news sitemap) the worker polls (publish/follow.py).

    `etag` and `last_modified` are the feed's validators for the next conditional GET; the
    counts are those of the last poll, shown to editors with `last_message`.
    """

    __tablename__ = "follow_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    category: Mapped[str] = mapped_column(String(200), default="")
    etag: Mapped[str] = mapped_column(Text, default="")
    last_modified: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column()
    last_poll: Mapped[datetime | None] = mapped_column(nullable=True, default=None)
    claimed: Mapped[float] = mapped_column(Float, default=0.0)  # time.time() a poll began
    seen: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    last_message: Mapped[str] = mapped_column(Text, default="")


class FollowItem(Base):
    """An item of a followed feed: its page, its episode, the page's validators and the
    fingerprint of what a listener hears of it (publish/follow.py)."""

    __tablename__ = "follow_items"
    __table_args__ = (UniqueConstraint("source_id", "url"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(String(2000))
    slug: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="new")  # a key of follow.ITEM_STATES
    etag: Mapped[str] = mapped_column(Text, default="")
    last_modified: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column()
    checked: Mapped[datetime | None] = mapped_column(nullable=True, default=None)


class FollowEvent(Base):
    """One line of a followed source's log: an item published, updated, failed or gone."""

    __tablename__ = "follow_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, index=True)
    created: Mapped[datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text, default="")
    slug: Mapped[str] = mapped_column(String(100), default="")
    message: Mapped[str] = mapped_column(Text, default="")
