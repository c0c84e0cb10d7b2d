"""The one place that wires the stages together: script, build, publish, regenerate.

ingest (source -> Article) -> speech (Article -> Script) -> audio (Script -> files)
-> publish (files -> library and feeds). CLI commands and web views call only these functions.

The stages are imported where they are used: a build starts loading the voice first thing
(see `voice_loading`), before it pays for importing the parsers and the script planner.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from audionews.audio.voices import find_voice, voice_for_language
from audionews.config import Settings, private_dir
from audionews.errors import (
    AudionewsError,
    ConflictError,
    InputError,
    NotFoundError,
    StorageError,
    UnsupportedLanguageError,
)
from audionews.naming import slugify
from audionews.vocabulary import (
    CORRECTION_KINDS,
    FILE_KINDS,
    FileKind,
    InputFormat,
    RevisionKind,
)

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer
    from audionews.models import Article, BuildResult, Script
    from audionews.publish.library import EpisodeView, Library, PublishResult
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
    headline's slug; `synthesizer` defaults to the script's voice spoken by the
    `tts_engine` (audio/engines.py).
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
    from audionews.audio.engines import engine
    from audionews.audio.synth import joined

    loading = None
    if needed:
        with contextlib.suppress(AudionewsError):  # the build itself reports a missing voice
            voice = find_voice(voice_name, settings) if voice_name else None
            voice = voice or voice_for_language(settings.default_language, settings)
            loading = engine(settings).start_loading(voice, settings)
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
    previous_gain_db: float | None = None,
) -> BuildResult:
    """Build the episode files of an already planned script (see `build`); with the previous
    revision's loudness gain, it encodes while it synthesizes (see make_episode)."""
    from audionews.audio.episode import make_episode

    if synthesizer is None:
        from audionews.audio.engines import engine
        from audionews.audio.voices import find_voice

        synthesizer = engine(settings).synthesizer(find_voice(script.voice, settings), settings)
    return make_episode(
        script,
        out_dir,
        slug or slugify(script.title),
        settings,
        synthesizer,
        source_sha256=source_sha256,
        progress=progress,
        previous_gain_db=previous_gain_db,
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
    from audionews.publish import pronunciations
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
    lexicon = pronunciations.load(settings)
    return plan_script(article, settings, voice=voice.name, language=language, lexicon=lexicon)


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
    kind: str = RevisionKind.UPDATE,
    note: str = "",
    editor: str = "cli",
    force: bool = False,
    republish: bool = False,
    job_id: int = 0,
    link: str = "",
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PublishResult:
    """Publish an article: a new episode, a new revision of one, or nothing if unchanged.

    The work is a `Publication`'s (reserve, plan, stage, install, commit, render, all under
    the article's lock); this checks what needs no lock first: the note and the feed settings
    (a bad one must not half-publish), and an unchanged source, which publishes nothing.
    The first revision's kind is always "published"; later ones take `kind` and `note`
    (issue 6: correction, editors_note...). A revision with a note, or `force`, is made even
    when the source is unchanged. Editors' notes (this one and earlier ones) are spoken as
    notices of the article. `link` is the article's own page, its canonical URL (see
    `fetch_article`); "" keeps the episode's link.

    Without an explicit `slug`, the article lands on `article_slug` (the episode of its page,
    else its headline's slug) and never on another article's episode: one that is not the same
    article (`_same_article`: another page, or another headline) is refused, and so is a slug
    reserved for a new article accepted by the API or the editor (unless this is that
    article's job, `job_id`). An unpublished episode changes only with `republish`.
    """
    from audionews.ingest.rules import neutral_bidi
    from audionews.publish import feed, history
    from audionews.publish.library import Library, PublishResult

    note = history.check_note(note)  # before anything is read, built or spoken
    revision_kind = _revision_kind(kind)
    feed.settings_check(settings)  # before any work: a bad feed setting must not half-publish
    library = Library(settings)
    # What editors type is published like the article's own text: no unpaired bidi control.
    note, category = neutral_bidi(note), neutral_bidi(category) if category else category
    source_hash = hashlib.sha256(data).hexdigest()
    named = slugify(slug) if slug else None
    target = library.find(named) if named else library.find_by_source(source_hash)
    unchanged = target is not None and target.current.source_hash == source_hash
    if target is not None and unchanged and not (note or force):
        if target.is_published or not republish:  # an unpublished one says how to put it back
            return PublishResult("unchanged", target)
        return republish_episode(target.slug, settings)

    with voice_loading(settings, voice_name, synthesizer is None):
        from audionews.ingest.detect import read_article

        article = read_article(data, filename=filename, source_format=source_format)
        publication = Publication(
            library,
            article,
            data,
            slug=named or article_slug(library, article.headline, link),
            explicit_slug=named is not None,
            filename=filename,
            voice_name=voice_name,
            category=category,
            kind=revision_kind,
            note=note,
            editor=editor,
            republish=republish,
            job_id=job_id,
            link=link,
            synthesizer=synthesizer,
            progress=progress,
        )
        return publication.run()


def _revision_kind(kind: str) -> RevisionKind:
    """Return the revision kind named `kind`, or refuse an unknown one."""
    try:
        return RevisionKind(kind)
    except ValueError:
        raise InputError(
            f"unknown revision kind {kind!r}: use one of {', '.join(RevisionKind)}"
        ) from None


def article_slug(library: Library, headline: str, link: str = "") -> str:
    """Return the slug a new article lands on without an explicit one: the episode published
    from its page (`link`, its canonical URL) if there is one, else its headline's slug."""
    published = library.find_by_link(link)
    return published.slug if published is not None else slugify(headline)


@contextlib.contextmanager
def holding_article(settings: Settings, slug: str) -> Iterator[None]:
    """Own the article `slug` while the body runs: the one lock every change of an episode
    takes (publish, correct, regenerate, unpublish, republish; a job already holds it).

    It is held in the database (storage/locks.py), so it excludes across machines; waiting and
    re-entrance are publish/jobs.py's; `_waiting_message` says on stderr why a command pauses.
    """
    from audionews.publish.jobs import hold_article

    with hold_article(settings, slug, on_wait=_waiting_message(slug)):
        yield


@dataclass(frozen=True)
class Staged:
    """A revision's files, built in a private staging folder, ready to install."""

    build: BuildResult
    files: Mapping[FileKind, Path]  # kind -> file: the build's, plus the HTML transcript


class Publication:
    """One publish of an article onto the episode `slug`, as steps run in order under the
    article's lock: reserve, plan, stage, install, commit, render (`run` does all of them).

    The order is what keeps a crash, a full disk or a reader harmless. Nothing public changes
    before `install`, and that only adds files under the new revision's names, which nothing
    points at yet; `commit` is the one moment the revision comes to exist (one transaction);
    `render` then points the feeds at it. A failure before `commit` leaves the previous
    revision, its files and its feeds as they were (what `install` put up is deleted again);
    a failure after it leaves the revision published and the feeds catching up at the next
    render. A failed write is a StorageError saying what was done and what to run.

    The lock is held from reading the episode (`reserve`) to rendering the feeds, so a running
    job, an unpublish and another publish of the same article never interleave, on this
    machine or another, and the revision number reserved first is still the next at `commit`.
    """

    def __init__(
        self,
        library: Library,
        article: Article,
        data: bytes,
        *,
        slug: str,
        explicit_slug: bool = False,
        filename: str | None = None,
        voice_name: str | None = None,
        category: str | None = None,
        kind: RevisionKind = RevisionKind.UPDATE,
        note: str = "",
        editor: str = "cli",
        republish: bool = False,
        job_id: int = 0,
        link: str = "",
        synthesizer: Synthesizer | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.library = library
        self.settings = library.settings
        self.article = article  # as read from the source: its own notices, no editors' ones
        self.data = data
        self.slug = slug
        self.explicit_slug = explicit_slug
        self.filename = filename
        self.voice_name = voice_name
        self.category = category
        self.kind = kind
        self.note = note
        self.editor = editor
        self.republish = republish
        self.job_id = job_id
        self.link = link
        self.synthesizer = synthesizer
        self.progress = progress
        #: Set by `reserve`: the episode as it is under the lock (None: a new one), and the
        #: number of the revision this publication makes.
        self.existing: EpisodeView | None = None
        self.number = 0

    def run(self) -> PublishResult:
        """Take the article's lock, then go through the steps; return what was published."""
        with holding_article(self.settings, self.slug):
            self.reserve()
            script = self.plan()
            with _nothing_published(), self.stage(script) as staged:
                installed = self.install(staged)
            return self.render(self.commit(staged.build, installed))

    def reserve(self) -> int:
        """Read the episode under the lock, refuse a wrong target, reserve the revision number.

        Read again here, not before the lock: a job or an unpublish may have changed the
        episode while this waited. The number is reserved once, by the library; the files
        and the database both take it from here, so they cannot disagree.
        """
        self.existing = self.library.find(self.slug)
        self._refuse_wrong_target()
        self.number = self.library.reserve_revision(self.slug)
        return self.number

    def plan(self) -> Script:
        """Plan the script: the article with the editors' notes (earlier ones and this one)
        spoken as notices, so listeners hear what was corrected."""
        from audionews.publish import history

        article = self.article
        if self.existing is not None:
            article = history.with_editor_notices(article, self.existing, self.kind, self.note)
        return script_for_article(article, self.settings, voice_name=self.voice_name)

    @contextlib.contextmanager
    def stage(self, script: Script) -> Iterator[Staged]:
        """Build the files into a private staging folder, kept while the body runs.

        Private so that a crash mid-build leaves nothing public (the worker clears old staging
        folders at start). The served MP3 is put there first, as the previous build's output:
        its loudness lets the build encode while it synthesizes (`_seed_previous_mp3`).
        """
        from audionews.publish import files

        staging_root = self.settings.instance_dir / "staging"
        private_dir(staging_root, tighten=False)
        with tempfile.TemporaryDirectory(dir=staging_root) as name:
            staging = Path(name)
            # the gain is in the database; a revision recorded before it was has it in its MP3
            gain = self.existing.current.gain_db if self.existing is not None else None
            if self.existing is not None and gain is None:
                self._seed_previous_mp3(self.existing.mp3.name, staging)
            result = build_script(
                script,
                staging,
                self.settings,
                source_sha256=hashlib.sha256(self.data).hexdigest(),
                slug=self.slug,
                synthesizer=self.synthesizer,
                progress=self.progress,
                previous_gain_db=gain,
            )
            built = dict(result.files)
            built[FileKind.HTML] = staging / f"{self.slug}{FILE_KINDS[FileKind.HTML][0]}"
            built[FileKind.HTML].write_bytes(
                files.transcript_html(result.timeline, script.title, script.language)
            )
            yield Staged(result, built)

    def install(self, staged: Staged) -> dict[FileKind, tuple[str, int]]:
        """Put the staged files into the public store under the reserved revision's names.

        New names only ('<slug>-r<number>.*'): the feeds still point at the previous
        revision's files, which stay untouched; a failed upload deletes what it put up.
        """
        from audionews.publish import files

        return files.install_revision(self.library, staged.files, self.slug, self.number)

    def commit(
        self, result: BuildResult, installed: Mapping[FileKind, tuple[str, int]]
    ) -> PublishResult:
        """Record the revision and make it current, in one transaction; say what was done.

        If that fails, the installed files are deleted again: unrecorded, they would lie in
        the public store with nothing listing them. The spoken sentences are kept after, for
        the next edit's preview.
        """
        from audionews.publish import files, history
        from audionews.publish.library import (
            DEFAULT_CATEGORY,
            NoticeView,
            PublishResult,
            new_revision,
        )

        existing = self.existing
        chosen = self.category or (existing.category if existing else "")
        chosen = chosen or result.script.article.kicker
        revision = new_revision(
            result,
            installed,
            source=self.data,
            source_filename=self.filename or "",
            category=chosen or DEFAULT_CATEGORY,
            kind=self.kind if existing is not None else RevisionKind.PUBLISHED,
            note=self.note,
            editor=self.editor,
            number=self.number,
            link=self.link,
        )
        # The script also speaks the editors' notes, but those live in the revisions (kind +
        # note): recorded among the source's notices too, each would be listed twice.
        revision = replace(
            revision,
            notices=[NoticeView(n.kind, n.text, n.label) for n in self.article.notices],
        )
        try:
            view = self.library.record_revision(revision, republish=self.republish)
        except BaseException as exc:
            files.remove_revision(self.library, self.slug, installed)
            if _disk_full(exc):
                raise StorageError(
                    f"the database could not be written ({getattr(exc, 'orig', exc)}); nothing "
                    "was published and the previous revision is still served: free some disk "
                    "space, then run the same command again"
                ) from exc
            raise
        history.record_sentences(self.settings, self.slug, view.revision, result.script.sentences())
        return PublishResult("revised" if existing is not None else "created", view, result)

    def render(self, done: PublishResult) -> PublishResult:
        """Render the feeds so that they name the new revision, then tell the webhooks.

        The webhooks are told even when the feeds could not be written (a StorageError that
        carries `done`): the revision is committed and its audio served, and the feeds catch
        up at the next render. They are queued for the worker, never waited for.
        """
        from audionews.publish import webhooks

        try:
            _render_after_commit(self.library, done)
        finally:
            webhooks.notify_published(self.settings, done)
        return done

    def _refuse_wrong_target(self) -> None:
        """Refuse a publish that would land on another article's episode, or re-publish one."""
        from audionews.publish.jobs import slug_reserved_by

        slug, existing = self.slug, self.existing
        reserved_by = slug_reserved_by(self.settings, slug)
        if existing is None:
            if reserved_by and reserved_by != self.job_id:
                raise ConflictError(
                    f"the slug '{slug}' is reserved for a new article accepted moments ago (job "
                    f"{reserved_by}): publish this one with another slug (--slug), or wait for "
                    f"that job and correct its episode with `audionews correct {slug} FILE`"
                )
            return
        if self.job_id and reserved_by == self.job_id:
            raise ConflictError(
                f"the episode '{slug}' was published by someone else after this new article was "
                "accepted: send it again with another headline, or correct that episode instead"
            )
        if not self.explicit_slug and not _same_article(existing, self.article.headline, self.link):
            whose = (
                f"from another source: {existing.link or 'a file or pasted text'}"
                if self.link or existing.link
                else f"headline {existing.title!r}"
            )
            raise ConflictError(
                f"the slug '{slug}' belongs to another article ({whose}): to correct that "
                f"episode run `audionews correct {slug} FILE`; to publish this as a new "
                "episode, give it another slug with --slug"
            )
        if not existing.is_published and not self.republish:
            raise ConflictError(_unpublished(slug))

    def _seed_previous_mp3(self, name: str, staging: Path) -> None:
        """Put the served MP3 into the staging folder as the build's previous output.

        make_episode reads the previous build's loudness gain from it, and so encodes while it
        synthesizes instead of measuring first and encoding after (the two then overlap).
        A hard link costs nothing and the build replaces, never writes into, that name; from
        object storage, the file is downloaded.
        """
        from audionews.publish import files

        target = staging / f"{self.slug}.mp3"
        previous = files.find_revision_file(self.library, self.slug, name)
        if previous is not None:
            with contextlib.suppress(OSError):
                target.hardlink_to(previous)
                return
        with contextlib.suppress(OSError):  # no previous file: the build just measures first
            files.copy_revision_file(self.library, self.slug, name, target)


@contextlib.contextmanager
def _nothing_published() -> Iterator[None]:
    """Turn a failed write while staging or installing (a full disk) into a StorageError that
    says nothing was published: the previous revision is still the one served."""
    try:
        yield
    except OSError as exc:
        raise StorageError(
            f"could not write {_where(exc)}: {exc.strerror or exc}; nothing was published and "
            "the previous revision is still served: free some disk space, then run the same "
            "command again"
        ) from exc


def _same_article(existing: EpisodeView, headline: str, link: str) -> bool:
    """Say whether an article given without a slug is the episode's own, so that it may become
    a new revision of it (else it is refused: it must not silently replace another article).

    When the article or the episode came from a web page, the page decides (its canonical URL:
    a page may change its headline, and another page or a pasted text may share it); else the
    headline does, case, spacing and punctuation aside.
    """
    from audionews.naming import same_headline

    if link or existing.link:
        return link == existing.link
    return same_headline(existing.title, headline)


def _unpublished(slug: str) -> str:
    from audionews.publish.library import unpublished_message

    return unpublished_message(slug)


#: PostgreSQL's SQLSTATE for a write that found no space (class 53: insufficient resources).
_PG_DISK_FULL = "53100"


def _disk_full(exc: BaseException) -> bool:
    """Return True for a database write that failed for want of space (SQLite: SQLITE_FULL;
    PostgreSQL: disk_full)."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    return getattr(exc.orig, "sqlstate", None) == _PG_DISK_FULL or "full" in str(exc.orig).lower()


def _where(exc: OSError) -> str:
    return str(exc.filename) if exc.filename else "the episode's files"


def _waiting_message(slug: str) -> Callable[[], None]:
    """Return a callback saying on stderr that a change waits for a job of the same article."""

    def say() -> None:
        import sys

        print(f"audionews: waiting for the job working on '{slug}' to finish", file=sys.stderr)

    return say


def _render_after_commit(library: Library, done: PublishResult) -> None:
    """Render the feeds after a committed change; take due earlier revisions off the site.

    The change is in the library whatever happens here: a failed write (a full disk) keeps the
    last good feeds served and raises a StorageError that says so and what to run.
    """
    from audionews.publish import feed, files

    try:
        feed.render_all(library)
    except OSError as exc:
        library.feeds_current = False
        raise StorageError(
            f"{done.message} (saved in the library), but the feeds could not be written "
            f"({_where(exc)}: {exc.strerror or exc}), so they still show the previous state: "
            "free some disk space, then run `audionews feed`",
            result=done,
        ) from exc
    with contextlib.suppress(OSError):  # they stay public a little longer; the next render retries
        files.retire_old_revisions(library)


@dataclass(frozen=True)
class FetchedArticle:
    """An article page fetched from its URL, ready to publish."""

    data: bytes  # the page as UTF-8 HTML
    link: str  # its canonical URL (<link rel=canonical>, og:url), else where it was found
    slug: str  # where it lands without an explicit slug (`article_slug`)
    etag: str = ""  # the page's validators, for the next conditional GET
    last_modified: str = ""


def fetch_article(url: str, settings: Settings) -> FetchedArticle:
    """Fetch an article's web page and read it (FetchError or InputError when that fails).

    Only http/https, and no internal addresses unless `allow_private_urls` (net/fetch.py).
    A page published before (same canonical URL) lands on its episode: it becomes a revision.
    Whether it may land there is `publish`'s to decide, under the article's lock.
    """
    fetched = fetch_changed_article(url, settings)
    assert fetched is not None  # no validators were sent: no 304
    return fetched


def fetch_changed_article(
    url: str, settings: Settings, *, etag: str = "", last_modified: str = ""
) -> FetchedArticle | None:
    """Fetch and read an article's page like `fetch_article`, conditionally: None when the
    server says it did not change since the fetch that gave `etag` / `last_modified` (304)."""
    from audionews.ingest.detect import read_article
    from audionews.ingest.html import page_link
    from audionews.net.fetch import fetch_page
    from audionews.publish.library import Library

    page = fetch_page(
        url, allow_private=settings.allow_private_urls, etag=etag, last_modified=last_modified
    )
    if page.not_modified:
        return None
    data = page.text.encode("utf-8")
    link = page_link(page.text, page.url)
    article = read_article(data, source_format=InputFormat.HTML)
    slug = article_slug(Library(settings), article.headline, link)
    return FetchedArticle(data, link, slug, page.etag, page.last_modified)


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
    """Fetch the article at `url` and publish it; its canonical URL becomes the episode's link.

    Without a `slug`, a new page whose headline's slug belongs to another article's episode is
    refused (publish's one rule: `_same_article`); the page's own episode gets a new revision.
    """
    fetched = fetch_article(url, settings)
    return publish(
        fetched.data,
        settings,
        source_format=InputFormat.HTML,
        voice_name=voice_name,
        slug=slug,
        category=category,
        editor=editor,
        link=fetched.link,
        synthesizer=synthesizer,
        progress=progress,
    )


def unpublish(slug: str, settings: Settings) -> PublishResult:
    """Take an episode out of the feeds and its files off the site; keep its private history.

    Holds the article's lock (a running job finishes first, and then the episode goes). The
    database says "withdrawn" first, then the public files move to private history, then the
    feeds are rendered: a crash in between leaves files unlisted, never listed and gone.
    """
    from audionews.publish import files
    from audionews.publish.library import Library, PublishResult

    library = Library(settings)
    key = slugify(slug)
    with holding_article(settings, key):
        view = library.set_withdrawn(key, True)
        try:
            files.withdraw_episode(library, view.slug)
        except OSError as exc:
            raise StorageError(
                f"'{view.slug}' is marked unpublished, but its files could not be moved off "
                f"the site ({_where(exc)}: {exc.strerror or exc}): fix that, then run "
                f"`audionews unpublish {view.slug}` again"
            ) from exc
        done = PublishResult("unpublished", view)
        _render_after_commit(library, done)
        return done


def republish_episode(slug: str, settings: Settings) -> PublishResult:
    """Put an unpublished episode back in the feeds with its current revision (explicitly).

    Its current revision's files go back on the site first, then the database says published,
    then the feeds are rendered. Earlier revisions' files stay in private history.
    """
    from audionews.publish import files
    from audionews.publish.library import Library, PublishResult

    library = Library(settings)
    key = slugify(slug)
    with holding_article(settings, key):
        episode = library.get_episode(key, include_withdrawn=True)
        if episode.is_published:
            return PublishResult("unchanged", episode)
        try:
            files.restore_current(library, episode)
        except OSError as exc:
            raise StorageError(
                f"could not put the files of '{key}' back on the site ({_where(exc)}: "
                f"{exc.strerror or exc}); it is still unpublished: fix that, then run "
                f"`audionews republish {key}` again"
            ) from exc
        missing = [f.name for f in episode.files.values() if not _public(library, key, f.name)]
        if missing:
            raise NotFoundError(
                f"cannot re-publish '{key}': its files {', '.join(missing)} are in neither "
                f"{library.public.location}{library.episode_key(key)} nor "
                f"{library.history.location}{key}/: publish its "
                "article again with `audionews correct`"
            )
        done = PublishResult("republished", library.set_withdrawn(key, False))
        _render_after_commit(library, done)
        return done


def _public(library: Library, slug: str, name: str) -> bool:
    return bool(library.public.existing([library.episode_key(slug, name)]))


def render_feeds(settings: Settings) -> list[str]:
    """Render the main feed and the category feeds from the library, then take earlier
    revisions whose grace period ended off the site; return where the feeds went."""
    from audionews.publish import feed, files
    from audionews.publish.library import Library

    library = Library(settings)
    try:
        written = feed.render_all(library)
    except OSError as exc:
        raise StorageError(
            f"could not write the feeds ({_where(exc)}: {exc.strerror or exc}); the last good "
            "feeds are still served: free some disk space, then run `audionews feed` again"
        ) from exc
    files.retire_old_revisions(library)
    return [library.public.location + key for key in written]


# --------------------------------------------------------------------------- editors (issue 6)


def correct(
    slug: str,
    data: bytes,
    settings: Settings,
    *,
    kind: str = RevisionKind.CORRECTION,
    note: str = "",
    editor: str = "cli",
    filename: str | None = None,
    source_format: str | None = None,
    republish: bool = False,
    synthesizer: Synthesizer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PublishResult:
    """Publish a corrected article as a new revision of an existing episode SLUG.

    The note is spoken as a notice of `kind` and shown, dated, in the feed and on the page.
    Only sentences whose speech changed are synthesized; the guid stays, the files are new.
    An unpublished episode is refused unless `republish` (then it is back in the feeds).
    """
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
        republish=republish,
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
    key = slugify(slug)
    # the source is read under the lock, so a job that changes the article meanwhile goes first
    with holding_article(settings, key):
        episode = library.get_episode(key, include_withdrawn=True)
        if not episode.is_published:
            raise ConflictError(_unpublished(episode.slug))
        submitted = library.submitted(episode.slug, revision)
        return publish(
            submitted.data,
            settings,
            filename=submitted.filename or None,
            source_format=submitted.source_format or None,
            slug=episode.slug,
            kind=RevisionKind.ROLLBACK if revision is not None else RevisionKind.REGENERATED,
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
    kind: str = RevisionKind.UPDATE,
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
        article = history.with_editor_notices(article, existing, _revision_kind(kind), note)
    script = script_for_article(article, settings)
    if existing is None:
        return script, None
    old = history.sentences_of(settings, existing.slug, existing.revision)
    return script, diff_sentences(old, script.sentences()) if old is not None else None
