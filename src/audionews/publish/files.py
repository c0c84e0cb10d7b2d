"""Public files: putting a built revision into the public store (storage/public.py: a folder or
a bucket), safe lookups, taking files off the site into private history, and local atomic writes.

Every public file appears under its final name only once complete (write to a hidden temporary
name in the same folder, then os.replace), so a reader or a crash never sees half a file; a
write that fails (a full disk) removes its temporary file and leaves the old file served.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from lxml import etree
from lxml.builder import E

from audionews.config import private_dir
from audionews.errors import NotFoundError
from audionews.ingest.rules import neutral_bidi
from audionews.models import Timeline
from audionews.publish.library import EpisodeView, Library, revision_file_name, utcnow
from audionews.storage.public import (
    IMMUTABLE_CACHE,
    FileItem,
    Item,
    LocalStore,
    atomic_copy,
    atomic_write_many,
)
from audionews.vocabulary import FILE_KINDS, FileKind

#: Characters XML 1.0 forbids, plus C1 controls and noncharacters that trip feed readers.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: Names a request may ask for: no separators, no leading dot, nothing but safe characters.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def xml_safe(text: str) -> str:
    """Return `text` without the control characters that make XML invalid."""
    return _NOT_XML.sub("", text)


def _shown(text: str) -> str:
    return neutral_bidi(xml_safe(text))


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the whole new one, never a part."""
    atomic_write_many([(path, data)])


def move_file(source: Path, target: Path) -> bool:
    """Move a file to `target` (atomically, across file systems too); False if it was gone."""
    if not source.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except FileNotFoundError:
        return False  # moved by another process meanwhile
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        try:
            atomic_copy(source, target)  # feed/ and instance/ on different disks
        except FileNotFoundError:
            return False
        source.unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------- public and private

#: Served types by file name ending, longest ending first (the store keeps each file's type).
MEDIA_TYPES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            *((suffix, media) for suffix, media in FILE_KINDS.values()),
            (".xml", "application/rss+xml"),
            (".png", "image/png"),
            (".jpg", "image/jpeg"),
        ),
        key=lambda pair: -len(pair[0]),
    )
)
#: Text types werkzeug does not know as text: their Content-Type says the charset too.
_TEXT_APPS = {"application/json+chapters", "application/x-subrip"}


def media_type(name: str) -> str:
    """Return the Content-Type of a public file name (text types with their charset)."""
    for suffix, media in MEDIA_TYPES:
        if name.endswith(suffix):
            return f"{media}; charset=utf-8" if _is_text(media) else media
    return "application/octet-stream"


def _is_text(media: str) -> bool:
    # werkzeug already adds "; charset=utf-8" to text/* types; these are text it does not know.
    return not media.startswith("text/") and (media.endswith("xml") or media in _TEXT_APPS)


def stored_type(name: str) -> str:
    """Return the Content-Type a store keeps for a file (text/* with its charset too: no
    werkzeug adds it when a bucket or a CDN serves the file)."""
    kind = media_type(name)
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def find_revision_file(library: Library, slug: str, name: str) -> Path | None:
    """Return a revision's file on this machine's disk: in a local public store or in local
    private history (None when it is in object storage: see copy_revision_file)."""
    found = library.public.local_path(library.episode_key(slug, name))
    if found is None:
        found = library.history.local_path(library.history_key(slug, name))
    return found if found is not None else _kept_before(library, slug, name)


def _kept_before(library: Library, slug: str, name: str) -> Path | None:
    """Return a private file where this machine kept it before: instance/withdrawn/<slug> of
    older versions, or instance/history/<slug> before `history_store` named another place."""
    for folder in (library.withdrawn_dir(slug), library.history_dir / slug):
        found = resolve_public(folder, name)
        if found is not None:
            return found
    return None


def read_revision_file(library: Library, slug: str, name: str) -> bytes:
    """Return a revision's file, wherever it is; NotFoundError when it is nowhere."""
    found = find_revision_file(library, slug, name)
    if found is not None:
        try:
            return found.read_bytes()
        except FileNotFoundError:
            pass  # moved meanwhile: look in the stores
    for store, key in (
        (library.public, library.episode_key(slug, name)),
        (library.history, library.history_key(slug, name)),
    ):
        with contextlib.suppress(NotFoundError):
            return store.read(key)
    raise NotFoundError(f"no file {name} of '{slug}' on the site or in its history")


def copy_revision_file(library: Library, slug: str, name: str, target: Path) -> bool:
    """Copy a revision's file, wherever it is, to `target`; False when it is nowhere."""
    found = find_revision_file(library, slug, name)
    try:
        if found is not None:
            atomic_copy(found, target)
        else:
            atomic_write(target, read_revision_file(library, slug, name))
    except (NotFoundError, FileNotFoundError):
        return False
    return True


def withdraw_episode(library: Library, slug: str) -> None:
    """Move every public file of an episode into its private history."""
    for key in library.public.keys(library.episode_key(slug)):
        _take_private(library, slug, key)
    shutil.rmtree(library.episode_dir(slug), ignore_errors=True)  # a local store's empty folder


def _take_private(library: Library, slug: str, key: str) -> str | None:
    """Move one public file into the episode's private history; return its key there (None if
    it was gone). The history gets it whole before the site loses it, so a crash in between
    leaves it in both, and the next retire moves it again."""
    store, history = library.public, library.history
    target = library.history_key(slug, key.rpartition("/")[2])
    source = store.local_path(key)
    if source is not None and isinstance(history, LocalStore):  # one machine's disks: a rename
        path = history.root.joinpath(*target.split("/"))
        private_dir(path.parent, tighten=False)
        return target if move_file(source, path) else None
    try:
        if source is not None:
            history.put_file(target, source, stored_type(target))
        else:
            history.put_many([Item(target, store.read(key), stored_type(target))])
    except (NotFoundError, FileNotFoundError):
        return None  # taken by another machine meanwhile
    store.delete(key)
    return target


def restore_current(library: Library, episode: EpisodeView) -> None:
    """Put the current revision's files back on the site (re-publishing); others stay private."""
    store, history = library.public, library.history
    for item in episode.files.values():
        key = library.episode_key(episode.slug, item.name)
        if store.existing([key]):
            continue
        kept = library.history_key(episode.slug, item.name)
        older = None if history.stat(kept) else _kept_before(library, episode.slug, item.name)
        if older is not None:
            store.put_file(key, older, stored_type(item.name), IMMUTABLE_CACHE)
            older.unlink(missing_ok=True)
            continue
        local = history.local_path(kept)
        try:
            if local is not None:
                store.put_file(key, local, stored_type(item.name), IMMUTABLE_CACHE)
            else:
                data = history.read(kept)
                store.put_many([Item(key, data, stored_type(item.name), IMMUTABLE_CACHE)])
        except (NotFoundError, FileNotFoundError):
            continue  # in neither place: republishing says so
        history.delete(kept)


def retire_old_revisions(library: Library, *, now: datetime | None = None) -> list[str]:
    """Move the files of revisions replaced more than `revision_grace_minutes` ago off the site,
    into private history; return their keys there.

    Call only when the feeds in the store are current: an earlier revision leaves the site only
    once no feed lists it. The current revision's files always stay.
    """
    now = now or utcnow()
    grace = timedelta(minutes=library.settings.revision_grace_minutes)
    due = {
        library.episode_key(episode.slug, name): episode.slug
        for episode in library.list_episodes()
        if len(episode.revisions) >= 2
        for name in _due_names(episode, now - grace)
    }
    moved: list[str] = []
    for key in sorted(library.public.existing(due) if due else ()):
        target = _take_private(library, due[key], key)
        if target is not None:
            moved.append(target)
    return moved


def _due_names(episode: EpisodeView, replaced_before: datetime) -> Iterable[str]:
    """Names of files of non-current revisions whose successor was made before the cutoff."""
    revisions = episode.revisions
    for older, newer in itertools.pairwise(revisions):
        if older.number != episode.revision and newer.created <= replaced_before:
            yield from (f.name for f in older.files.values())


def install_revision(
    library: Library, built: Mapping[FileKind, Path], slug: str, number: int
) -> dict[FileKind, tuple[str, int]]:
    """Put a revision's built files into the public store under their revision names.

    Only new names are written ('<slug>-r<number>.*'); the files of earlier revisions, which the
    current feed still points at, are left alone. They are uploaded side by side (`put_files`);
    if one fails, every one of them is deleted again once all uploads have ended.
    """
    installed = {
        kind: (revision_file_name(slug, number, kind), source.stat().st_size)
        for kind, source in built.items()
    }
    uploads = [
        FileItem(library.episode_key(slug, name), built[kind], stored_type(name), IMMUTABLE_CACHE)
        for kind, (name, _size) in installed.items()
    ]
    try:
        library.public.put_files(uploads)
    except BaseException:
        remove_revision(library, slug, installed)
        raise
    return installed


def remove_revision(
    library: Library, slug: str, installed: Mapping[FileKind, tuple[str, int]]
) -> None:
    """Delete the files of a revision that was never recorded (nothing points at them)."""
    for name, _ in installed.values():
        library.public.delete(library.episode_key(slug, name))


def resolve_public(root: Path, *parts: str) -> Path | None:
    """Return the file under `root` named by URL parts, or None if it is not safely there.

    Refuses separators, dot names and anything that resolves (through symlinks too) outside
    `root`, so no request can read private files.
    """
    if not all(_SAFE_NAME.match(part) and ".." not in part for part in parts):
        return None
    base = root.resolve()
    candidate = base.joinpath(*parts).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


# --------------------------------------------------------------------------- HTML transcript


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}".removeprefix("0:")


def transcript_html(timeline: Timeline, title: str, language: str) -> bytes:
    """Return a standalone HTML transcript: chapter headings, then timed paragraphs."""
    title = _shown(title)
    body = E.body(E.h1(title))
    for index, chapter in enumerate(timeline.chapters):
        section = E.section(E.h2(f"{_shown(chapter.title)} ({_clock(chapter.start)})"))
        cues = [c for c in timeline.cues if c.chapter_index == index]
        for cue in cues:
            section.append(
                E.p(E.span(f"[{_clock(cue.start)}] ", {"class": "time"}), _shown(cue.text))
            )
        body.append(section)
    document = E.html(
        {"lang": language or "en"},
        E.head(E.meta(charset="utf-8"), E.title(f"Transcript: {title}")),
        body,
    )
    return b"<!DOCTYPE html>\n" + etree.tostring(document, method="html", encoding="utf-8")
