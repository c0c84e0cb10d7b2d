"""Tables of the editor side: jobs, article locks, slug reservations, editors and their
sessions, API tokens, the login throttle, and the sentences each revision was spoken from (for
diffs). Same database as the library.

Kept apart from library.py so the library's own tables and views stay as they are; the two share
the engine (one per database URL per process), so SQLite's WAL and busy timeout apply here too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Float, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from audionews.config import Settings
from audionews.publish.library import Library, _engine, add_new_columns


class Base(DeclarativeBase):
    pass


class Job(Base):
    """A background publish: queued -> running -> published | failed (see publish/jobs.py)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True, default="")
    action: Mapped[str] = mapped_column(String(20))  # a key of jobs.ACTIONS
    kind: Mapped[str] = mapped_column(String(40), default="update")
    note: Mapped[str] = mapped_column(Text, default="")
    editor: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    source_filename: Mapped[str] = mapped_column(Text, default="")
    source_format: Mapped[str] = mapped_column(String(20), default="")
    # A job from a URL carries the URL; the worker fetches the page into `source` and `link`
    # (its canonical URL). Added after the first release, hence the server defaults.
    source_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    link: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)  # rollback target, then result
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
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
    """At most one running job per article: the row exists while a job owns the article."""

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


_READY: set[int] = set()
_READY_LOCK = threading.Lock()


def engine(settings: Settings) -> Engine:
    """Return the library's engine with these tables created."""
    Library(settings)  # makes the folder and the library's own tables
    found = _engine(settings.sqlalchemy_url)
    if id(found) not in _READY:
        with _READY_LOCK:  # two threads at once would both create the tables
            if id(found) not in _READY:
                Base.metadata.create_all(found)
                add_new_columns(found, Base.metadata)
                _READY.add(id(found))
    return found


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    """Yield a session in a transaction (committed on success, rolled back on error)."""
    factory = sessionmaker(engine(settings), expire_on_commit=False)
    with factory() as s, s.begin():
        yield s
