"""Public files on disk: atomic writes, moving a built revision into place, safe lookups, and
taking files off the site into private history.

Every public file appears under its final name only once complete (write to a hidden temporary
name in the same folder, then os.replace), so a reader or a crash never sees half a file; a
write that fails (a full disk) removes its temporary file and leaves the old file served.
"""

from __future__ import annotations

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
from audionews.ingest.rules import neutral_bidi
from audionews.models import Timeline
from audionews.publish.library import (
    FILE_KINDS,
    EpisodeView,
    Library,
    revision_file_name,
    utcnow,
)
from audionews.storage.public import atomic_copy, atomic_write_many

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


def move_tree(source: Path, target: Path) -> None:
    """Move a folder's files into `target` (merging into it); a missing source is fine."""
    if not source.is_dir():
        return
    for item in source.iterdir():
        if item.is_file():
            move_file(item, target / item.name)
    shutil.rmtree(source, ignore_errors=True)


# --------------------------------------------------------------------------- public and private


def find_revision_file(library: Library, slug: str, name: str) -> Path | None:
    """Return a revision's file wherever it is: on the site or in private history."""
    for root in (library.episode_dir(slug), *library.private_dirs(slug)):
        found = resolve_public(root, name)
        if found is not None:
            return found
    return None


def withdraw_episode(library: Library, slug: str) -> None:
    """Move every public file of an episode into its private history folder."""
    move_tree(library.episode_dir(slug), _history_folder(library, slug))


def _history_folder(library: Library, slug: str) -> Path:
    """Return the episode's private history folder, made for the owner only if new."""
    return private_dir(library.private_dirs(slug)[0], tighten=False)


def restore_current(library: Library, episode: EpisodeView) -> None:
    """Put the current revision's files back on the site (re-publishing); others stay private."""
    for item in episode.files.values():
        target = library.episode_dir(episode.slug) / item.name
        if target.is_file():
            continue
        for folder in library.private_dirs(episode.slug):
            if move_file(folder / item.name, target):
                break


def retire_old_revisions(library: Library, *, now: datetime | None = None) -> list[Path]:
    """Move the files of revisions replaced more than `revision_grace_minutes` ago off the site,
    into private history; return where they went.

    Call only when the feeds on disk are current: an earlier revision leaves the site only once
    no feed lists it. The current revision's files always stay.
    """
    now = now or utcnow()
    grace = timedelta(minutes=library.settings.revision_grace_minutes)
    moved: list[Path] = []
    for episode in library.list_episodes():
        folder = library.episode_dir(episode.slug)
        if len(episode.revisions) < 2:
            continue
        for name in _due_names(episode, now - grace):
            if not (folder / name).is_file():
                continue  # retired already
            target = _history_folder(library, episode.slug) / name
            if move_file(folder / name, target):
                moved.append(target)
    return moved


def _due_names(episode: EpisodeView, replaced_before: datetime) -> Iterable[str]:
    """Names of files of non-current revisions whose successor was made before the cutoff."""
    revisions = episode.revisions
    for older, newer in itertools.pairwise(revisions):
        if older.number != episode.revision and newer.created <= replaced_before:
            yield from (f.name for f in older.files.values())


def install_revision(
    built: Mapping[str, Path], episode_dir: Path, slug: str, number: int
) -> dict[str, tuple[str, int]]:
    """Copy a revision's built files into the episode folder under their revision names.

    Only new names are written ('<slug>-r<number>.*'); the files of earlier revisions, which the
    current feed still points at, are left alone.
    """
    installed: dict[str, tuple[str, int]] = {}
    try:
        for kind, source in built.items():
            if kind not in FILE_KINDS:
                continue
            name = revision_file_name(slug, number, kind)
            target = episode_dir / name
            atomic_copy(source, target)
            installed[kind] = (name, target.stat().st_size)
    except BaseException:
        remove_revision(episode_dir, installed)
        raise
    return installed


def remove_revision(episode_dir: Path, installed: Mapping[str, tuple[str, int]]) -> None:
    """Delete the files of a revision that was never recorded (nothing points at them)."""
    for name, _ in installed.values():
        (episode_dir / name).unlink(missing_ok=True)


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
