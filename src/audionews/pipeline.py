"""The one place that wires the stages together: script, build, publish, regenerate.

ingest (source -> Article) -> speech (Article -> Script) -> audio (Script -> files)
-> publish (files -> library and feeds). CLI commands and web views call only these functions.

The stages are imported where they are used: a build starts loading the voice first thing
(see `voice_loading`), before it pays for importing the parsers and the script planner.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from audionews.audio.voices import find_voice, voice_for_language
from audionews.config import Settings, private_dir
from audionews.errors import AudionewsError, ConflictError, InputError, UnsupportedLanguageError
from audionews.naming import slugify

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer
    from audionews.models import Article, BuildResult, Script
    from audionews.publish.library import PublishResult
    from audionews.speech.diff import ScriptDiff


# --------------------------------------------------------------------------- build (audio)


def build(
    data: bytes,
    out_dir: Path,
    settings: Settings,
    *,
    filename: str | None = None,
    source_format: str | None = None,
    voice_name: str | None = None,
    slug: str | None = None,
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Turn an article into <slug>.mp3, .chapters.json, .vtt, .srt and .txt in out_dir.

    Only sentences missing from the clip cache are synthesized. `slug` defaults to the
    headline's slug; `synthesizer` defaults to the script's Piper voice.
    """
    from audionews.audio.cache import BuiltSources, source_fingerprint

    built = BuiltSources(settings.clip_cache_dir)
    source_sha256 = hashlib.sha256(data).hexdigest()
    fingerprint = source_fingerprint(source_sha256, filename, source_format, voice_name, slug)
    likely_synthesizes = synthesizer is None and fingerprint not in built
    with voice_loading(settings, voice_name, likely_synthesizes):
        script = make_script(
            data, settings, filename=filename, source_format=source_format, voice_name=voice_name
        )
        result = build_script(
            script,
            out_dir,
            settings,
            source_sha256=source_sha256,
            slug=slug,
            synthesizer=synthesizer,
            progress=progress,
        )
    if synthesizer is None:
        built.add(fingerprint)
    return result


@contextlib.contextmanager
def voice_loading(settings: Settings, voice_name: str | None, needed: bool) -> Iterator[None]:
    """Load the voice a build will likely use in the background, from the start, if `needed`
    (also what `audionews build --watch` does: the voice is then ready for the first edit).

    A fresh process spends ~0.3 s building the voice's inference session; started here, it
    overlaps with reading the article and making the script instead of following them (a
    one-sentence correction in a fresh process is mostly start-up, this load and that
    sentence's synthesis). The voice is the named one or the default language's; if the
    article turns out to need another, the build loads that one too.
    """
    from audionews.audio.synth import joined, start_loading

    loading = None
    if needed:
        with contextlib.suppress(AudionewsError):  # the build itself reports a missing voice
            voice = find_voice(voice_name, settings) if voice_name else None
            voice = voice or voice_for_language(settings.default_language, settings)
            loading = start_loading(voice, settings.synthesis_threads)
    with joined(loading):
        yield


def build_script(
    script: Script,
    out_dir: Path,
    settings: Settings,
    *,
    source_sha256: str = "",
    slug: str | None = None,
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the episode files of an already planned script (see `build`)."""
    from audionews.audio.episode import make_episode

    if synthesizer is None:
        from audionews.audio.synth import piper_synthesizer
        from audionews.audio.voices import find_voice

        synthesizer = piper_synthesizer(find_voice(script.voice, settings), settings)
    return make_episode(
        script,
        out_dir,
        slug or slugify(script.title),
        settings,
        synthesizer,
        source_sha256=source_sha256,
        progress=progress,
    )


# --------------------------------------------------------------------------- script


def read_article_file(path: Path, source_format: str | None) -> Article:
    """Read an article file and parse it; a missing or unreadable file is an InputError."""
    from audionews.ingest.detect import read_article

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_article(data, filename=path.name, source_format=source_format)


def make_script(
    data: bytes,
    settings: Settings,
    *,
    filename: str | None = None,
    source_format: str | None = None,
    voice_name: str | None = None,
) -> Script:
    """Parse an article and plan its speech script: ingest -> language -> voice -> plan."""
    from audionews.ingest.detect import read_article

    article = read_article(data, filename=filename, source_format=source_format)
    return script_for_article(article, settings, voice_name=voice_name)


def script_for_article(
    article: Article, settings: Settings, *, voice_name: str | None = None
) -> Script:
    """Plan the script of an already parsed article (language, voice, then plan)."""
    from audionews.models import BlockKind
    from audionews.speech.language import article_language, language_name
    from audionews.speech.plan import plan_script

    running_text = " ".join(
        [article.headline, *article.standfirsts]
        + [b.text for b in article.body if b.kind is BlockKind.PARAGRAPH]
    )
    language = article_language(article.language, running_text, settings.default_language)
    if voice_name:
        voice = find_voice(voice_name, settings)
    else:
        try:
            voice = voice_for_language(language, settings)
        except UnsupportedLanguageError as exc:
            raise UnsupportedLanguageError(
                f"the article is in {language_name(language)}: {exc}"
            ) from exc
    return plan_script(article, settings, voice=voice.name, language=language)


# --------------------------------------------------------------------------- publish (library)


def publish(
    data: bytes,
    settings: Settings,
    *,
    filename: str | None = None,
    source_format: str | None = None,
    voice_name: str | None = None,
    slug: str | None = None,
    category: str | None = None,
    kind: str = "update",
    note: str = "",
    editor: str = "cli",
    force: bool = False,
    link: str = "",
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PublishResult:
    """Publish an article: a new episode, a new revision of one, or nothing if unchanged.

    Crash-safe order: build into a private staging folder; copy the files into the episode's
    public folder under new revision names (nothing points at them yet); commit the revision to
    the database; re-render the feeds (temp file + rename). A failure at any step leaves the
    previous revision, its files and its feed in place. The first revision's kind is always
    "published"; later ones take `kind` and `note` (issue 6: correction, editors_note...).
    A revision with a note, or `force`, is made even when the source is unchanged. Editors'
    notes (this one and earlier ones) are spoken as notices of the article. `link` is the
    article's own page (see `fetch_article`); "" keeps the episode's link.
    """
    from audionews.ingest.rules import neutral_bidi
    from audionews.publish import feed, files, history
    from audionews.publish.library import (
        DEFAULT_CATEGORY,
        Library,
        NoticeView,
        PublishResult,
        new_revision,
    )

    note = history.check_note(note)  # before anything is read, built or spoken
    feed.settings_check(settings)  # before any work: a bad feed setting must not half-publish
    library = Library(settings)
    # What editors type is published like the article's own text: no unpaired bidi control.
    note, category = neutral_bidi(note), neutral_bidi(category) if category else category
    source_hash = hashlib.sha256(data).hexdigest()
    target = library.find(slugify(slug)) if slug else library.find_by_source(source_hash)
    unchanged = target is not None and target.current.source_hash == source_hash
    if target is not None and unchanged and not (note or force):
        if target.is_published:
            return PublishResult("unchanged", target)
        files.move_tree(library.withdrawn_dir / target.slug, library.episode_dir(target.slug))
        view = library.set_withdrawn(target.slug, False)
        feed.render_all(library)
        return PublishResult("republished", view)

    with voice_loading(settings, voice_name, synthesizer is None):
        from audionews.ingest.detect import read_article

        article = read_article(data, filename=filename, source_format=source_format)
        source_notices = article.notices
        slug = slugify(slug or article.headline)
        existing = library.find(slug)
        if existing is not None:
            article = history.with_editor_notices(article, existing, kind, note)
        script = script_for_article(article, settings, voice_name=voice_name)
        staging_root = settings.instance_dir / "staging"
        private_dir(staging_root, tighten=False)
        with tempfile.TemporaryDirectory(dir=staging_root) as staging:
            if existing is not None:
                _seed_previous_mp3(
                    library.episode_dir(slug) / existing.mp3.name, Path(staging), slug
                )
            result = build_script(
                script,
                Path(staging),
                settings,
                source_sha256=source_hash,
                slug=slug,
                synthesizer=synthesizer,
                progress=progress,
            )
            built = dict(result.files)
            built["html"] = Path(staging) / f"{slug}.html"
            built["html"].write_bytes(
                files.transcript_html(result.timeline, script.title, script.language)
            )
            if existing is not None and not existing.is_published:
                files.move_tree(library.withdrawn_dir / slug, library.episode_dir(slug))
            number = library.next_revision_number(slug)
            installed = files.install_revision(built, library.episode_dir(slug), slug, number)
        chosen = category or (existing.category if existing else "") or script.article.kicker
        revision = new_revision(
            result,
            installed,
            source=data,
            source_filename=filename or "",
            category=chosen or DEFAULT_CATEGORY,
            kind=kind if existing is not None else "published",
            note=note,
            editor=editor,
            link=link,
        )
        # The script also speaks the editors' notes, but those live in the revisions (kind +
        # note): recorded among the source's notices too, each would be listed twice.
        revision = replace(
            revision,
            notices=[NoticeView(str(n.kind), n.text, n.label) for n in source_notices],
        )
        try:
            view = library.record_revision(revision)
        except BaseException:  # not recorded: its files would lie unlisted in the public folder
            files.remove_revision(library.episode_dir(slug), installed)
            raise
        history.record_sentences(settings, slug, view.revision, script.sentences())
        feed.render_all(library)
        return PublishResult("revised" if existing is not None else "created", view, result)


@dataclass(frozen=True)
class FetchedArticle:
    """An article page fetched from its URL, ready to publish."""

    data: bytes  # the page as UTF-8 HTML
    link: str  # its canonical URL (<link rel=canonical>, og:url), else where it was found
    slug: str  # the episode already published from that link, else from the headline


def fetch_article(url: str, settings: Settings, *, slug: str | None = None) -> FetchedArticle:
    """Fetch an article's web page and read it (FetchError or InputError when that fails).

    Only http/https, and no internal addresses unless `allow_private_urls` (net/fetch.py).
    A page published before (same canonical URL) keeps its episode: it becomes a revision.
    Without a `slug`, a new page whose headline's slug belongs to an episode of another source
    is refused (ConflictError): it must not silently become a revision of that one.
    """
    from audionews.ingest.detect import read_article
    from audionews.ingest.html import page_link
    from audionews.net.fetch import fetch_page
    from audionews.publish.library import Library

    page = fetch_page(url, allow_private=settings.allow_private_urls)
    data = page.text.encode("utf-8")
    link = page_link(page.text, page.url)
    article = read_article(data, source_format="html")
    if slug:
        return FetchedArticle(data, link, slugify(slug))
    library = Library(settings)
    published = library.find_by_link(link)
    if published is not None:
        return FetchedArticle(data, link, published.slug)
    chosen = slugify(article.headline)
    if library.find(chosen) is not None:
        raise ConflictError(
            f"an episode '{chosen}' already exists from another source: give this article "
            "another slug (publish --slug), or correct that episode"
        )
    return FetchedArticle(data, link, chosen)


def publish_url(
    url: str,
    settings: Settings,
    *,
    slug: str | None = None,
    category: str | None = None,
    voice_name: str | None = None,
    editor: str = "cli",
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PublishResult:
    """Fetch the article at `url` and publish it; its canonical URL becomes the episode's link."""
    fetched = fetch_article(url, settings, slug=slug)
    return publish(
        fetched.data,
        settings,
        source_format="html",
        voice_name=voice_name,
        slug=fetched.slug,
        category=category,
        editor=editor,
        link=fetched.link,
        synthesizer=synthesizer,
        progress=progress,
    )


def _seed_previous_mp3(previous: Path, staging: Path, slug: str) -> None:
    """Link the served MP3 into the staging folder as the build's previous output.

    make_episode reads the previous build's loudness gain from it, and so encodes while it
    synthesizes instead of measuring first and encoding after (the two then overlap).
    A hard link costs nothing and the build replaces, never writes into, that name.
    """
    target = staging / f"{slug}.mp3"
    try:
        target.hardlink_to(previous)
    except OSError:
        with contextlib.suppress(OSError):  # no previous file: the build just measures first
            shutil.copyfile(previous, target)


def unpublish(slug: str, settings: Settings) -> PublishResult:
    """Take an episode out of the feeds and its files off the site; keep its private history.

    The database says "withdrawn" first, then the public folder moves to instance/withdrawn/,
    then the feeds are rendered: a crash in between leaves files unlisted, never listed and gone.
    """
    from audionews.publish import feed, files
    from audionews.publish.library import Library, PublishResult

    library = Library(settings)
    view = library.set_withdrawn(slugify(slug), True)
    files.move_tree(library.episode_dir(view.slug), library.withdrawn_dir / view.slug)
    feed.render_all(library)
    return PublishResult("unpublished", view)


def render_feeds(settings: Settings) -> list[Path]:
    """Render the main feed and the category feeds from the library."""
    from audionews.publish import feed
    from audionews.publish.library import Library

    return feed.render_all(Library(settings))


# --------------------------------------------------------------------------- editors (issue 6)


def correct(
    slug: str,
    data: bytes,
    settings: Settings,
    *,
    kind: str = "correction",
    note: str = "",
    editor: str = "cli",
    filename: str | None = None,
    source_format: str | None = None,
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PublishResult:
    """Publish a corrected article as a new revision of an existing episode SLUG.

    The note is spoken as a notice of `kind` and shown, dated, in the feed and on the page.
    Only sentences whose speech changed are synthesized; the guid stays, the files are new.
    """
    from audionews.publish.history import CORRECTION_KINDS
    from audionews.publish.library import Library

    if kind not in CORRECTION_KINDS:
        raise InputError(f"unknown kind {kind!r}: use one of {', '.join(CORRECTION_KINDS)}")
    existing = Library(settings).get_episode(slugify(slug), include_withdrawn=True)
    return publish(
        data,
        settings,
        filename=filename,
        source_format=source_format,
        slug=existing.slug,
        kind=kind,
        note=note,
        editor=editor,
        synthesizer=synthesizer,
        progress=progress,
    )


def regenerate(
    slug: str,
    settings: Settings,
    *,
    revision: int | None = None,
    editor: str = "cli",
    note: str = "",
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PublishResult:
    """Speak SLUG's current source again as a new revision (after a lexicon or voice change).

    With `revision`, roll back: that revision's source becomes the new current revision
    (history is never rewritten). Sentences whose speech did not change come from the cache.
    """
    from audionews.publish.library import Library

    library = Library(settings)
    episode = library.get_episode(slugify(slug), include_withdrawn=True)
    submitted = library.submitted(episode.slug, revision)
    return publish(
        submitted.data,
        settings,
        filename=submitted.filename or None,
        source_format=submitted.source_format or None,
        slug=episode.slug,
        kind="rollback" if revision is not None else "regenerated",
        note=note or (f"Back to revision {revision}." if revision is not None else ""),
        editor=editor,
        force=True,
        synthesizer=synthesizer,
        progress=progress,
    )


def preview(
    data: bytes,
    settings: Settings,
    *,
    filename: str | None = None,
    source_format: str | None = None,
    slug: str | None = None,
    kind: str = "update",
    note: str = "",
) -> tuple[Script, ScriptDiff | None]:
    """Plan the script an edit would be spoken from, and diff it with the published revision.

    The diff marks the sentences that would be synthesized again (their speech is new); it is
    None for a new article, or when the published revision's sentences were not recorded.
    """
    from audionews.ingest.detect import read_article
    from audionews.publish import history
    from audionews.publish.library import Library
    from audionews.speech.diff import diff_sentences

    note = history.check_note(note)
    article = read_article(data, filename=filename, source_format=source_format)
    existing = Library(settings).find(slugify(slug or article.headline))
    if existing is not None:
        article = history.with_editor_notices(article, existing, kind, note)
    script = script_for_article(article, settings)
    if existing is None:
        return script, None
    old = history.sentences_of(settings, existing.slug, existing.revision)
    return script, diff_sentences(old, script.sentences()) if old is not None else None
