"""Public files on disk: atomic writes, moving a built revision into place, safe lookups.

Every public file appears under its final name only once complete (write to a hidden temporary
name in the same folder, then os.replace), so a reader or a crash never sees half a file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from lxml import etree
from lxml.builder import E

from audionews.ingest.rules import neutral_bidi
from audionews.models import Timeline
from audionews.publish.library import FILE_KINDS, revision_file_name

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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; public files must be readable by a web server
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_copy(source: Path, target: Path) -> None:
    """Copy (or move, on one file system) `source` to `target` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def move_tree(source: Path, target: Path) -> None:
    """Move a folder to `target` (merging into it if it exists); a missing source is fine."""
    if not source.is_dir():
        return
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
        return
    for item in source.iterdir():
        os.replace(item, target / item.name) if item.is_file() else None
    shutil.rmtree(source, ignore_errors=True)


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
