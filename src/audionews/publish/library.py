"""The episode library: episodes, their revisions and the public files each revision serves.

Private state (source texts, scripts, history) lives in the database (storage/: SQLite under
instance/ by default, PostgreSQL via DATABASE_URL); public files live under feed/episodes/<slug>/:
the current revision's, and an earlier revision's for `revision_grace_minutes` after it was
replaced. The files of earlier revisions and of unpublished episodes are kept privately in
instance/history/<slug>/ (editors hear them in the history view).

Read API (used by the feeds, the JSON API and the player pages)::

    library = Library(settings)
    library.list_episodes(category=None)   -> list[EpisodeView], newest first, published only
    library.get_episode(slug)              -> EpisodeView (NotFoundError if unknown or withdrawn)
    library.categories()                   -> list[CategoryView] with episode counts
    library.source_of(slug, revision=None) -> bytes (the article as submitted; private)
    library.submitted(slug, revision=None) -> SubmittedSource (that, with file name and format)

Views are frozen dataclasses holding everything a page or feed item needs, URLs included, so
callers never touch the database. A publish reserves its revision's number once, under the
article's lock (`reserve_revision`), names its files by it and records exactly it
(`record_revision`); `set_withdrawn` takes an episode out of the feeds. pipeline.Publication
calls them in an order that keeps a crash harmless (see pipeline.py).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from audionews.config import Settings, private_dir
from audionews.errors import ConflictError, NotFoundError
from audionews.models import BuildResult
from audionews.naming import slugify
from audionews.storage import database
from audionews.storage.public import PublicStore, open_store
from audionews.storage.tables import (
    CATEGORY_LENGTH,
    EpisodeRow,
    FeedGuid,
    LibraryState,
    RevisionRow,
)
from audionews.vocabulary import (
    CORRECTION_KINDS,
    FILE_KINDS,
    FileKind,
    NoticeKind,
    RevisionKind,
)

#: Namespace of episode guids: uuid5(namespace, "<slug>/<created ISO time>"). Fixed forever.
GUID_NAMESPACE = uuid.UUID("5b0d7e0c-4f43-5d1b-9a51-2b6f1f0c9a11")
#: Where the web player shows an episode; the player blueprint serves this path.
EPISODE_PAGE_PATH = "/episodes/{slug}/"
#: Public URL path of a revision's file; without its "/", the file's key in the public store.
EPISODE_FILE_PATH = "/episodes/{slug}/{name}"
#: Category used when the article has no kicker and none is given.
DEFAULT_CATEGORY = "News"


def unpublished_message(slug: str) -> str:
    """Say that an episode is unpublished and how to put it back (never done implicitly)."""
    return (
        f"'{slug}' is unpublished: re-publishing is explicit, so run `audionews republish "
        f'{slug}` (API: PUT /api/v1/articles/{slug} with "republish": true)'
    )


def revision_file_name(slug: str, number: int, kind: FileKind) -> str:
    """Return the public file name of one file of a revision, e.g. 'talks-r2.mp3'."""
    return f"{slug}-r{number}{FILE_KINDS[kind][0]}"


def utcnow() -> datetime:
    """Return the current time in UTC, to the second (feeds show seconds only)."""
    return datetime.now(UTC).replace(microsecond=0)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class EpisodeFile:
    """One public file of a revision."""

    kind: FileKind
    name: str  # "talks-r2.mp3"
    path: str  # site path: "/episodes/talks/talks-r2.mp3"
    url: str  # absolute, from settings.public_url
    size: int  # bytes, exactly as served
    media_type: str


@dataclass(frozen=True)
class ChapterView:
    start: float  # seconds
    end: float
    title: str
    kind: str = ""


@dataclass(frozen=True)
class NoticeView:
    """A notice shown and read to listeners: from the article itself or an editor's revision."""

    kind: NoticeKind
    text: str
    label: str = ""
    date: datetime | None = None  # when an editor added it; None for notices in the source


@dataclass(frozen=True)
class RevisionView:
    number: int
    kind: RevisionKind
    note: str
    editor: str
    created: datetime
    duration_s: float
    source_hash: str
    files: Mapping[FileKind, EpisodeFile]
    chapters: tuple[ChapterView, ...]
    segments_synthesized: int = 0
    segments_cached: int = 0
    gain_db: float | None = None  # loudness gain of its MP3 (None: not recorded)


@dataclass(frozen=True)
class EpisodeView:
    """Everything a feed item, page or API answer needs about one episode (current revision)."""

    slug: str
    guid: str
    title: str
    kicker: str
    category: str  # label as shown: "Politics"
    category_slug: str  # in URLs: /feeds/politics.xml
    language: str
    standfirst: str
    byline: str
    published: datetime  # first publication
    updated: datetime  # latest revision
    revision: int  # current revision number
    duration_s: float
    files: Mapping[FileKind, EpisodeFile]
    chapters: tuple[ChapterView, ...]
    notices: tuple[NoticeView, ...]
    revisions: tuple[RevisionView, ...]  # oldest first
    page_url: str
    is_published: bool = True
    link: str = ""  # the article's own page (its canonical URL) when published from a URL

    @property
    def mp3(self) -> EpisodeFile:
        return self.files[FileKind.MP3]

    @property
    def current(self) -> RevisionView:
        return next(r for r in self.revisions if r.number == self.revision)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract of /api/episodes/<slug> and `audionews list --json`.

        It is public, so it names no editor: editors' login names would help guess passwords
        (who edited what is in the editor's history and /api/v1/articles/<slug>/revisions).
        And "revisions" lists the current revision only (earlier ones, uncorrected, are
        for editors: GET /api/v1/articles/<slug>/revisions and the editor's history).
        """
        return {
            "slug": self.slug,
            "guid": self.guid,
            "title": self.title,
            "kicker": self.kicker,
            "category": self.category,
            "category_slug": self.category_slug,
            "language": self.language,
            "standfirst": self.standfirst,
            "byline": self.byline,
            "published": self.published.isoformat(),
            "updated": self.updated.isoformat(),
            "revision": self.revision,
            "duration_s": round(self.duration_s, 3),
            "page_url": self.page_url,
            "link": self.link,
            "files": {k: _file_dict(f) for k, f in self.files.items()},
            "chapters": [
                {"start": round(c.start, 3), "end": round(c.end, 3), "title": c.title}
                for c in self.chapters
            ],
            "notices": [
                {
                    "kind": n.kind,
                    "label": n.label,
                    "text": n.text,
                    "date": n.date.isoformat() if n.date else None,
                }
                for n in self.notices
            ],
            "revisions": [
                {
                    "number": r.number,
                    "kind": r.kind,
                    "note": r.note,
                    "created": r.created.isoformat(),
                    "duration_s": round(r.duration_s, 3),
                    "mp3": r.files[FileKind.MP3].url if FileKind.MP3 in r.files else None,
                }
                for r in self.revisions
                if r.number == self.revision
            ],
        }


@dataclass(frozen=True)
class PublishResult:
    """What pipeline.publish or unpublish did, for the CLI, the API and jobs to report."""

    action: str  # "created", "revised", "unchanged", "republished", "unpublished"
    episode: EpisodeView
    build: BuildResult | None = None

    @property
    def message(self) -> str:
        """Return one line saying what happened, for people."""
        e = self.episode
        return {
            "created": f"published '{e.slug}' (revision 1, {e.duration_s:.0f} s): {e.mp3.url}",
            "revised": f"published revision {e.revision} of '{e.slug}': {e.mp3.url}",
            "unchanged": f"'{e.slug}' is unchanged (same source as revision {e.revision}): "
            "nothing to do"
            + ("" if e.is_published else f" (it is unpublished: `audionews republish {e.slug}`)"),
            "republished": f"'{e.slug}' is back in the feeds (revision {e.revision})",
            "unpublished": f"unpublished '{e.slug}': removed from the feeds and its files moved "
            f"off the site; its {len(e.revisions)} revision(s) are kept privately",
        }[self.action]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": self.action,
            "message": self.message,
            "episode": self.episode.to_dict(),
        }
        if self.build is not None:
            data["segments_synthesized"] = self.build.segments_synthesized
            data["segments_cached"] = self.build.segments_cached
            data["build_seconds"] = round(self.build.seconds, 3)
        return data


@dataclass(frozen=True)
class SubmittedSource:
    """An article as an editor or the CLI submitted it (kept privately with its revision)."""

    data: bytes
    filename: str  # "" when it came as text
    source_format: str  # "" when detected


@dataclass(frozen=True)
class CategoryView:
    label: str
    slug: str
    count: int


def _file_dict(f: EpisodeFile) -> dict[str, Any]:
    return {"url": f.url, "size": f.size, "type": f.media_type}


# --------------------------------------------------------------------------- what a write needs


@dataclass(frozen=True)
class NewRevision:
    """A revision ready to record: its files are already in place under their public names."""

    slug: str
    number: int  # reserved by `Library.reserve_revision`; the files are named by it
    title: str
    kicker: str
    category: str
    language: str
    standfirst: str
    byline: str
    source: bytes
    source_hash: str
    source_filename: str
    source_format: str
    script_json: str
    files: Mapping[FileKind, tuple[str, int]]  # kind -> (public name, size)
    duration_s: float
    chapters: Sequence[ChapterView]
    notices: Sequence[NoticeView]  # notices found in the source article
    kind: RevisionKind = RevisionKind.PUBLISHED
    note: str = ""
    editor: str = "cli"
    segments_synthesized: int = 0
    segments_cached: int = 0
    link: str = ""  # canonical URL of the fetched page; "" keeps the episode's link
    extra: Mapping[str, Any] = field(default_factory=dict)
    gain_db: float | None = None  # the loudness gain the MP3 was encoded with


# --------------------------------------------------------------------------- the library


def _aware(value: datetime) -> datetime:
    # SQLite drops the zone; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


class Library:
    """Episodes and revisions in the database, with URLs of their public files."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        private_dir(settings.instance_dir)
        database.make_private(settings)
        self._sessions = database.sessions(settings)
        self.base_url = settings.public_url.rstrip("/")
        #: Where the public files are (a folder or a bucket), and the base of their URLs.
        self.public: PublicStore = open_store(settings.public_store, settings.feed_dir)
        self.media_url = (settings.media_url or settings.public_url).rstrip("/")
        #: Where files taken off the site are kept, under "<slug>/<name>": the owner's only.
        self.history: PublicStore = open_store(
            settings.history_store, self.history_dir, private=True, setting="history_store"
        )
        #: When feed.ensure_rendered last compared the feeds with the database (monotonic),
        #: and whether the feeds on disk matched it then.
        self.feeds_checked_at = float("-inf")
        self.feeds_current = True

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    # ------------------------------------------------------------------ paths

    @property
    def episodes_dir(self) -> Path:
        """Return the public folder that holds one folder per published episode."""
        return self.settings.feed_dir / "episodes"

    @property
    def history_dir(self) -> Path:
        """Return the private folder holding one folder of files per episode that are off the
        site (earlier revisions' files, and all files of an unpublished episode) when no
        `history_store` names another place."""
        return self.settings.instance_dir / "history"

    def history_key(self, slug: str, name: str) -> str:
        """Return the key of a file taken off the site in the history store."""
        return f"{slug}/{name}"

    def episode_dir(self, slug: str) -> Path:
        return self.episodes_dir / slug

    def episode_key(self, slug: str, name: str = "") -> str:
        """Return a revision file's key in the public store (no name: the episode's prefix)."""
        return EPISODE_FILE_PATH.format(slug=slug, name=name).removeprefix("/")

    def withdrawn_dir(self, slug: str) -> Path:
        """Return the folder where versions before the history store kept an unpublished
        episode's files (instance/withdrawn/<slug>): still read, never written."""
        return self.settings.instance_dir / "withdrawn" / slug

    # ------------------------------------------------------------------ reads

    def generation(self) -> int:
        """Return a number that changes whenever anything public in the library changes."""
        with self._session() as session:
            state = session.get(LibraryState, 1)
            return state.generation if state else 0

    def list_episodes(self, category: str | None = None) -> list[EpisodeView]:
        """Return published episodes, newest first; `category` is a label or slug."""
        query = select(EpisodeRow).where(EpisodeRow.withdrawn.is_(None))
        if category is not None:
            query = query.where(EpisodeRow.category_slug == slugify(category))
        query = query.order_by(EpisodeRow.published.desc(), EpisodeRow.id.desc())
        with self._session() as session:
            return [self._view(e) for e in session.scalars(query)]

    def get_episode(self, slug: str, *, include_withdrawn: bool = False) -> EpisodeView:
        """Return one episode, or raise NotFoundError naming what exists."""
        with self._session() as session:
            episode = session.scalar(select(EpisodeRow).where(EpisodeRow.slug == slug))
            if episode is None or (episode.withdrawn is not None and not include_withdrawn):
                raise NotFoundError(
                    f"no published episode '{slug}': see `audionews list` for the slugs"
                )
            return self._view(episode)

    def find_by_source(self, source_hash: str) -> EpisodeView | None:
        """Return the episode whose current revision was made from this exact source, if any."""
        query = (
            select(EpisodeRow)
            .join(RevisionRow, RevisionRow.episode_id == EpisodeRow.id)
            .where(RevisionRow.source_hash == source_hash)
            .where(RevisionRow.number == EpisodeRow.current_revision)
        )
        with self._session() as session:
            episode = session.scalars(query).first()
            return self._view(episode) if episode is not None else None

    def find_by_link(self, link: str) -> EpisodeView | None:
        """Return the episode published from the page with this canonical URL, if any."""
        if not link:
            return None
        with self._session() as session:
            episode = session.scalars(select(EpisodeRow).where(EpisodeRow.link == link)).first()
            return self._view(episode) if episode is not None else None

    def find(self, slug: str) -> EpisodeView | None:
        """Return the episode with this slug, withdrawn or not, or None."""
        try:
            return self.get_episode(slug, include_withdrawn=True)
        except NotFoundError:
            return None

    def categories(self) -> list[CategoryView]:
        """Return the categories that have published episodes, by label."""
        counts: dict[str, CategoryView] = {}
        for e in self.list_episodes():
            seen = counts.get(e.category_slug)
            counts[e.category_slug] = CategoryView(
                seen.label if seen else e.category, e.category_slug, (seen.count if seen else 0) + 1
            )
        return sorted(counts.values(), key=lambda c: c.label.lower())

    def source_of(self, slug: str, revision: int | None = None) -> bytes:
        """Return the article as submitted for a revision (default: the current one)."""
        return self._revision_row(slug, revision).source

    def submitted(self, slug: str, revision: int | None = None) -> SubmittedSource:
        """Return a revision's article as submitted, with its file name and format."""
        row = self._revision_row(slug, revision)
        return SubmittedSource(row.source, row.source_filename, row.source_format)

    def script_json_of(self, slug: str, revision: int | None = None) -> str:
        """Return the speech script (JSON) a revision was synthesized from."""
        return self._revision_row(slug, revision).script_json

    def _revision_row(self, slug: str, revision: int | None) -> RevisionRow:
        with self._session() as session:
            episode = session.scalar(select(EpisodeRow).where(EpisodeRow.slug == slug))
            if episode is None:
                raise NotFoundError(f"no episode '{slug}': see `audionews list` for the slugs")
            number = revision if revision is not None else episode.current_revision
            for row in episode.revisions:
                if row.number == number:
                    return row
            raise NotFoundError(f"episode '{slug}' has no revision {number}")

    def stored_feed_guid(self, path: str) -> str | None:
        """Return the podcast:guid kept for the feed at `path`, or None if none was assigned."""
        with self._session() as session:
            row = session.get(FeedGuid, path)
            return row.guid if row else None

    # ------------------------------------------------------------------ writes

    def keep_feed_guid(self, path: str, guid: str, *, replace: bool = False) -> str:
        """Keep `guid` as the feed's podcast:guid unless one is kept already (or `replace`);
        return the one kept. Two renders at once keep the same one."""
        for _attempt in range(2):
            try:
                with self._session() as session, session.begin():
                    row = session.get(FeedGuid, path)
                    if row is None:
                        session.add(FeedGuid(path=path, guid=guid))
                        return guid
                    if replace:
                        row.guid = guid
                    return row.guid
            except IntegrityError:  # another process inserted it first: read theirs
                continue
        raise RuntimeError(f"could not keep a podcast:guid for {path}")

    def reserve_revision(self, slug: str) -> int:
        """Reserve the number of `slug`'s next revision (1 for a new episode).

        Call it once per publish, holding the article's lock: the lock makes the number this
        publish's alone until it commits, so its files can be named by it before the database
        knows it, and `record_revision` records that number, never one of its own. Nothing is
        written here, so a publish that fails leaves no gap in the numbers.
        """
        with self._session() as session:
            return self._latest_revision(session, slug) + 1

    @staticmethod
    def _latest_revision(session: Session, slug: str) -> int:
        """Return the highest revision number of `slug` (0: no episode yet)."""
        query = (
            select(func.max(RevisionRow.number))
            .join(EpisodeRow, RevisionRow.episode_id == EpisodeRow.id)
            .where(EpisodeRow.slug == slug)
        )
        return session.scalar(query) or 0

    def record_revision(
        self, new: NewRevision, *, now: datetime | None = None, republish: bool = False
    ) -> EpisodeView:
        """Record a revision whose files are in place and make it current, in one transaction.

        A revision of an unpublished episode is refused (ConflictError) unless `republish`:
        it would put the episode back in the feeds, which only an explicit action may do.
        So is one whose reserved number is no longer the next (ConflictError): another change
        committed meanwhile without the article's lock, and its files carry the same names.
        """
        now = _naive(now or utcnow())
        with self._session() as session, session.begin():
            episode = session.scalar(select(EpisodeRow).where(EpisodeRow.slug == new.slug))
            if episode is not None and episode.withdrawn is not None and not republish:
                raise ConflictError(unpublished_message(new.slug))
            if episode is None:
                episode = EpisodeRow(
                    slug=new.slug,
                    guid=str(uuid.uuid5(GUID_NAMESPACE, f"{new.slug}/{now.isoformat()}")),
                    created=now,
                    published=now,
                )
                session.add(episode)
            latest = max((r.number for r in episode.revisions), default=0)
            if new.number != latest + 1:
                raise ConflictError(
                    f"revision {new.number} of '{new.slug}' was reserved, but revision {latest} "
                    "was recorded meanwhile by a change that did not hold the article's lock; "
                    "nothing was recorded: publish again"
                )
            number = new.number
            episode.title = new.title
            episode.kicker = new.kicker
            episode.category = new.category or DEFAULT_CATEGORY
            episode.category_slug = slugify(episode.category)
            episode.language = new.language
            episode.standfirst = new.standfirst
            episode.byline = new.byline
            episode.updated = now
            episode.current_revision = number
            episode.withdrawn = None
            if new.link:
                episode.link = new.link
            episode.revisions.append(
                RevisionRow(
                    number=number,
                    kind=new.kind,
                    note=new.note,
                    editor=new.editor,
                    created=now,
                    source=new.source,
                    source_hash=new.source_hash,
                    source_filename=new.source_filename,
                    source_format=new.source_format,
                    script_json=new.script_json,
                    files_json=json.dumps({k: list(v) for k, v in new.files.items()}),
                    chapters_json=json.dumps(
                        [[c.start, c.end, c.title, c.kind] for c in new.chapters]
                    ),
                    notices_json=json.dumps([[n.kind, n.label, n.text] for n in new.notices]),
                    title=new.title,
                    duration_s=new.duration_s,
                    segments_synthesized=new.segments_synthesized,
                    segments_cached=new.segments_cached,
                    gain_db=new.gain_db,
                )
            )
            self._bump(session)
            session.flush()
            return self._view(episode)

    def set_withdrawn(self, slug: str, withdrawn: bool) -> EpisodeView:
        """Take an episode out of (or back into) the feeds; its history is kept either way."""
        with self._session() as session, session.begin():
            episode = session.scalar(select(EpisodeRow).where(EpisodeRow.slug == slug))
            if episode is None:
                raise NotFoundError(f"no episode '{slug}': see `audionews list` for the slugs")
            episode.withdrawn = _naive(utcnow()) if withdrawn else None
            self._bump(session)
            session.flush()
            return self._view(episode)

    @staticmethod
    def _bump(session: Session) -> None:
        """Add one to the library's generation, atomically: two machines committing at once
        (PostgreSQL does not serialise writers as SQLite does) must both count, and the first
        writes of a new database must not both insert the row."""
        bump = update(LibraryState).where(LibraryState.id == 1)
        if session.execute(bump.values(generation=LibraryState.generation + 1)).rowcount:  # type: ignore[attr-defined]
            return
        try:
            with session.begin_nested():
                session.add(LibraryState(id=1, generation=1))
        except IntegrityError:  # another writer made the row meanwhile: count on it
            session.execute(bump.values(generation=LibraryState.generation + 1))

    # ------------------------------------------------------------------ row -> view

    def _file(self, slug: str, kind: FileKind, name: str, size: int) -> EpisodeFile:
        path = EPISODE_FILE_PATH.format(slug=slug, name=name)
        return EpisodeFile(kind, name, path, self.media_url + path, size, FILE_KINDS[kind][1])

    def _revision_view(self, slug: str, row: RevisionRow) -> RevisionView:
        files = {
            FileKind(kind): self._file(slug, FileKind(kind), name, size)
            for kind, (name, size) in json.loads(row.files_json).items()
        }
        chapters = tuple(ChapterView(*c) for c in json.loads(row.chapters_json))
        return RevisionView(
            number=row.number,
            kind=RevisionKind(row.kind),
            note=row.note,
            editor=row.editor,
            created=_aware(row.created),
            duration_s=row.duration_s,
            source_hash=row.source_hash,
            files=files,
            chapters=chapters,
            segments_synthesized=row.segments_synthesized,
            segments_cached=row.segments_cached,
            gain_db=row.gain_db,
        )

    def _view(self, e: EpisodeRow) -> EpisodeView:
        revisions = tuple(self._revision_view(e.slug, r) for r in e.revisions)
        current_row = next(r for r in e.revisions if r.number == e.current_revision)
        current = next(r for r in revisions if r.number == e.current_revision)
        source_notices = [
            NoticeView(NoticeKind(kind), text, label)
            for kind, label, text in json.loads(current_row.notices_json)
        ]
        editor_notices = [
            NoticeView(CORRECTION_KINDS[r.kind], r.note, date=r.created)
            for r in revisions
            if r.kind in CORRECTION_KINDS and r.note and r.number <= e.current_revision
        ]
        # Revisions recorded by older versions also hold each editor's note among the
        # source's notices; it is the same notice, listed once.
        told = {(n.kind, n.text) for n in editor_notices}
        source_notices = [n for n in source_notices if (n.kind, n.text) not in told]
        return EpisodeView(
            slug=e.slug,
            guid=e.guid,
            title=e.title,
            kicker=e.kicker,
            category=e.category,
            category_slug=e.category_slug,
            language=e.language,
            standfirst=e.standfirst,
            byline=e.byline,
            published=_aware(e.published),
            updated=_aware(e.updated),
            revision=e.current_revision,
            duration_s=current.duration_s,
            files=current.files,
            chapters=current.chapters,
            notices=(*reversed(editor_notices), *source_notices),
            revisions=revisions,
            page_url=self.base_url + EPISODE_PAGE_PATH.format(slug=e.slug),
            is_published=e.withdrawn is None,
            link=e.link or "",
        )


# --------------------------------------------------------------------------- from a build


def category_label(text: str) -> str:
    """Return a category label from a kicker: 'WAR IN UKRAINE' -> 'War in Ukraine'.

    A label longer than the database keeps (a kicker that is a whole sentence) is cut at a word.
    """
    text = " ".join(text.split())
    if text.isupper():
        words = text.lower().split()
        small = {"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to"}
        text = " ".join(w if i and w in small else w.capitalize() for i, w in enumerate(words))
    if len(text) > CATEGORY_LENGTH:
        text = text[: CATEGORY_LENGTH + 1].rsplit(" ", 1)[0][:CATEGORY_LENGTH].rstrip()
    return text


def new_revision(
    result: BuildResult,
    installed: Mapping[FileKind, tuple[str, int]],
    *,
    source: bytes,
    source_filename: str,
    category: str,
    kind: RevisionKind,
    note: str,
    editor: str,
    number: int,
    link: str = "",
) -> NewRevision:
    """Describe revision `number` (reserved), built and installed, for `record_revision`."""
    article = result.script.article
    return NewRevision(
        slug=result.slug,
        number=number,
        title=article.headline or result.script.title,
        kicker=article.kicker,
        category=category_label(category),
        language=result.script.language,
        standfirst=" ".join(article.standfirsts),
        byline=article.byline,
        source=source,
        source_hash=hashlib.sha256(source).hexdigest(),
        source_filename=source_filename,
        source_format=article.source_format,
        script_json=json.dumps(result.script.to_dict(), ensure_ascii=False),
        files=installed,
        duration_s=result.duration_s,
        chapters=[
            ChapterView(c.start, c.end, c.title, str(c.kind)) for c in result.timeline.chapters
        ],
        notices=[NoticeView(n.kind, n.text, n.label) for n in article.notices],
        kind=kind,
        note=note,
        editor=editor,
        segments_synthesized=result.segments_synthesized,
        segments_cached=result.segments_cached,
        link=link,
        gain_db=_float_or_none(result.extra.get("gain_db")),
    )


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
