"""Command line: parse arguments, call pipeline, turn AudionewsError into one line and exit 2.

Commands stay thin; all work happens in pipeline.py and below. Exit codes: 0 ok, 2 bad input or
usage (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from audionews import __version__
from audionews.config import Settings, configured_names, load_settings
from audionews.errors import AudionewsError, InputError
from audionews.vocabulary import CORRECTION_KINDS, InputFormat

if TYPE_CHECKING:
    from audionews.audio.cache import FileStore


class _Group(click.Group):
    """Click group that turns our errors into one line (exit 2) and bugs into exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AudionewsError as exc:
            click.echo(f"audionews: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            # One line instead of click's usage block, so scripts and people see the fix at once.
            where = exc.ctx.command_path if exc.ctx else "audionews"
            click.echo(f"audionews: error: {exc.format_message()} (see '{where} --help')", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("audionews: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug: say so briefly, details on request
            if os.environ.get("AUDIONEWS_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"audionews: internal error: {type(exc).__name__}: {exc} "
                "(set AUDIONEWS_DEBUG=1 for details and please report it)",
                err=True,
            )
            sys.exit(1)


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audionews")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Turn news articles into accessible, chaptered podcast audio with a local voice.

    Settings come from instance/config.toml and AUDIONEWS_* variables (see README).
    """
    try:
        ctx.obj = load_settings()
    except AudionewsError as exc:
        click.echo(f"audionews: error: {exc}", err=True)
        sys.exit(exc.exit_code)


#: Set by commands after which the process may end without tearing down the interpreter.
_quick_exit = False


def run() -> None:
    """Run the `audionews` command (the console script; tests call `main`).

    After `build`, the process ends without Python's teardown: freeing the voice's inference
    session and every module takes ~0.1 s, a twentieth of a correction's rebuild, and there is
    nothing left for it to do (files are written and renamed into place, threads joined).
    Other commands (a server that forks, a worker) end the ordinary way.
    """
    # audionews does no linear algebra, yet importing numpy starts an OpenBLAS thread per core:
    # ~25 ms of every command's start (on the way to loading the voice) for nothing.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code: str | int | None = 0
    try:
        main()
    except SystemExit as done:
        code = done.code
    if not _quick_exit:
        sys.exit(code)
    if isinstance(code, str):
        click.echo(code, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1 if code else 0)


def _warn_about_lexicon(settings: Settings) -> None:
    """Say which lines of the pronunciation lexicon are skipped (the rest is used)."""
    from audionews.publish import pronunciations

    for problem in pronunciations.load(settings).problems:
        click.echo(f"audionews: warning: {problem}", err=True)


ARTICLE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
FORMAT = click.option(
    "--format",
    "source_format",
    type=click.Choice([str(f) for f in InputFormat]),
    default=None,
    help="Input format; default: detected from the extension or content.",
)


# ------------------------------------------------------------------ script, voices, lexicon


@main.command()
@ARTICLE
@FORMAT
@click.option("--voice", "voice_name", default=None, help="Voice name (see 'audionews voices').")
@click.option("--json", "as_json", is_flag=True, help="Print Script.to_dict() as JSON.")
@click.pass_context
def script(
    ctx: click.Context,
    file: Path,
    source_format: str | None,
    voice_name: str | None,
    as_json: bool,
) -> None:
    """Print the speech script of FILE: chapters, segments and what the voice says."""
    from audionews.pipeline import read_article_file, script_for_article
    from audionews.speech.render import render_script

    article = read_article_file(file, source_format)
    _warn_about_lexicon(_settings(ctx))
    planned = script_for_article(article, _settings(ctx), voice_name=voice_name)
    if as_json:
        _print_json(planned.to_dict())
    else:
        click.echo(render_script(planned), nl=False)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the voices as a JSON list.")
@click.pass_context
def voices(ctx: click.Context, as_json: bool) -> None:
    """List installed voices: name, language, sample rate, and where the model is."""
    from audionews.audio.voices import list_voices

    found = list_voices(_settings(ctx))
    rows = [
        {
            "name": v.name,
            "language": v.language,
            "sample_rate": v.sample_rate,
            "source": "bundled" if v.bundled else str(v.model_path),
        }
        for v in found
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}\t{row['language']}\t{row['sample_rate']} Hz\t{row['source']}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the entries as a JSON object.")
@click.option("--toml", "as_toml", is_flag=True, help="Print the lexicon's lines as kept.")
@click.option(
    "--import",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Replace the lexicon by the lines of this TOML file first.",
)
@click.pass_context
def lexicon(ctx: click.Context, as_json: bool, as_toml: bool, source: Path | None) -> None:
    """List the pronunciation lexicon: word -> respelling or [[phonemes]].

    It is kept in the database, shared by every machine (an older version's voices/lexicon.toml
    is taken in once); edit it in the editor, or `--toml > FILE`, edit FILE, `--import FILE`.
    Lines that cannot be read are skipped when speaking; they are named here, one line each on
    stderr, after the entries that are used, and the exit code is then 2.
    """
    from audionews.publish import pronunciations

    settings = _settings(ctx)
    found = (
        pronunciations.import_file(settings, source)
        if source is not None
        else pronunciations.load(settings)
    )
    if as_toml and not any(problem.line == 0 for problem in found.problems):  # 0: unreadable
        click.echo(pronunciations.stored(settings).decode("utf-8", "replace"), nl=False)
    elif as_json:
        _print_json(found.entries)
    elif not found.entries:
        click.echo("no entries (the lexicon is empty, or its lines cannot be read)")
    else:
        click.echo(
            "".join(f"{word}\t{spoken}\n" for word, spoken in found.entries.items()), nl=False
        )
    for problem in found.problems:
        click.echo(f"audionews: error: {problem}", err=True)
    if found.problems:
        sys.exit(2)


# ------------------------------------------------------------------ build, clip cache


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a progress callback drawing a bar on stderr, or None when stderr is no terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def update(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield update


@main.command()
@ARTICLE
@FORMAT
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Directory for <slug>.mp3, .chapters.json, .vtt, .srt, .txt; default: here.",
)
@click.option("--voice", "voice_name", default=None, help="Voice name (see 'audionews voices').")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of the build.")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running and build again each time FILE is saved (Ctrl-C stops). The voice "
    "stays loaded, so a correction costs little more than speaking its sentences; --json "
    "prints one JSON line per build.",
)
@click.pass_context
def build(
    ctx: click.Context,
    file: Path,
    source_format: str | None,
    out_dir: Path,
    voice_name: str | None,
    as_json: bool,
    watch: bool,
) -> None:
    """Speak FILE into a chaptered MP3 plus chapters JSON, WebVTT, SRT and text transcripts.

    Sentences already in the clip cache are not synthesized again. Prints the MP3's path.
    """
    from audionews import pipeline

    global _quick_exit
    _quick_exit = True

    def build_once() -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror or exc}") from exc
        try:
            with _progress_bar("Synthesizing") as progress:
                result = pipeline.build(
                    data,
                    out_dir,
                    _settings(ctx),
                    filename=file.name,
                    source_format=source_format,
                    voice_name=voice_name,
                    progress=progress,
                )
        finally:
            # Said after the build, which reads the lexicon itself while the voice loads in
            # the background: reading it first (the database layer's imports, ~0.4 s) held
            # back the voice's loading, most of a one-sentence correction's fixed cost.
            _warn_about_lexicon(_settings(ctx))
        if not as_json:
            click.echo(str(result.mp3))
            return
        summary = {
            "mp3": str(result.mp3),
            "duration_s": round(result.duration_s, 3),
            "chapters": [
                {"title": c.title, "start": round(c.start, 3), "end": round(c.end, 3)}
                for c in result.timeline.chapters
            ],
            "segments_synthesized": result.segments_synthesized,
            "segments_cached": result.segments_cached,
            "seconds": round(result.seconds, 3),
            "word_timing": result.extra.get("word_timing"),
        }
        if watch:  # one line per build, so a program can follow along
            click.echo(json.dumps(summary, ensure_ascii=False))
        else:
            _print_json(summary)

    if not watch:
        build_once()
        return
    with pipeline.voice_loading(_settings(ctx), voice_name, needed=True):
        _watch(file, build_once)


#: How often --watch looks at the file (a stat call: costs nothing).
WATCH_INTERVAL_S = 0.1


def _watch(file: Path, build_once: Callable[[], None]) -> None:
    """Build now and each time the file changes, until Ctrl-C; a failed build is reported in
    one line and the watch goes on (its previous files stay in place)."""
    seen: tuple[int, int] | None = None
    click.echo(f"audionews: watching {file} (Ctrl-C stops)", err=True)
    try:
        while True:
            try:
                stat = file.stat()
                state = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                state = None  # being replaced, or gone: build when it is back
            if state is not None and state != seen:
                seen = state
                try:
                    build_once()
                except AudionewsError as exc:
                    click.echo(f"audionews: error: {exc}", err=True)
            _pause()
    except KeyboardInterrupt:
        click.echo("audionews: stopped watching", err=True)


def _pause() -> None:
    """Wait before looking at the file again (tests script their edits here)."""
    time.sleep(WATCH_INTERVAL_S)


@main.group()
def cache() -> None:
    """Inspect or prune the audio caches: clips (one per synthesized sentence) and encoded
    pieces (one per paragraph of an episode's MP3)."""


def _audio_stores(settings: Settings) -> dict[str, FileStore]:
    from audionews.audio.cache import ClipCache
    from audionews.audio.pieces import PieceStore

    return {
        "clips": ClipCache(settings.clip_cache_dir),
        "pieces": PieceStore(settings.piece_store_dir),
    }


@cache.command()
@click.option("--json", "as_json", is_flag=True, help="Print entries, bytes and path as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show how many clips and pieces the caches hold, their size and where they are."""
    found = {name: store.stats() for name, store in _audio_stores(_settings(ctx)).items()}
    if as_json:
        clips, pieces = found["clips"], found["pieces"]
        _print_json({"entries": clips.entries, "bytes": clips.bytes, "path": str(clips.path),
                     "pieces": {"entries": pieces.entries, "bytes": pieces.bytes,
                                "path": str(pieces.path)}})  # fmt: skip
    else:
        for name, counted in found.items():
            click.echo(f"{counted.entries} {name}, {counted.bytes / 1e6:.1f} MB in {counted.path}")


@cache.command()
@click.option(
    "--older-than",
    "days",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Delete clips and pieces not used by any build for this many days (0: delete all).",
)
@click.pass_context
def prune(ctx: click.Context, days: float) -> None:
    """Delete clips and pieces no build has used recently; the next build remakes what it needs."""
    for name, store in _audio_stores(_settings(ctx)).items():
        removed = store.prune(days)
        click.echo(
            f"removed {removed.entries} {name}, {removed.bytes / 1e6:.1f} MB from {removed.path}"
        )


# ------------------------------------------------------------------ library, feeds, server


_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _is_url(source: str) -> bool:
    """Say whether a publish argument is a web address (scheme://...) rather than a file."""
    return bool(_URL_RE.match(source)) and not Path(source).exists()


@main.command()
@click.argument("source", metavar="FILE|URL")
@FORMAT
@click.option("--slug", default=None, help="Episode slug; default: from the headline.")
@click.option("--category", default=None, help="Feed category; default: the article's kicker.")
@click.option("--voice", "voice_name", default=None, help="Voice name (see 'audionews voices').")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def publish(
    ctx: click.Context,
    source: str,
    source_format: str | None,
    slug: str | None,
    category: str | None,
    voice_name: str | None,
    as_json: bool,
) -> None:
    """Publish FILE, or the article page at URL, as an episode (or a new revision of SLUG) and
    re-render the feeds.

    A URL (http or https) is fetched: at most 5 MB, 5 redirects and 30 s; never from loopback,
    private or link-local addresses unless the setting allow_private_urls is true. The page's
    canonical URL becomes the episode's link, and publishing that page again makes a new
    revision of its episode.

    Without --slug, the slug comes from the headline; if an episode with that slug is another
    article (another headline, or another web page), nothing is published (use `audionews
    correct` or --slug). An unpublished episode is put back only by `audionews republish`.
    """
    from audionews import pipeline

    _warn_about_lexicon(_settings(ctx))
    if _is_url(source):
        if source_format not in (None, "html"):
            raise InputError("a URL is read as an HTML page: leave out --format")
        result = pipeline.publish_url(
            source, _settings(ctx), slug=slug, category=category, voice_name=voice_name
        )
    else:
        file = Path(source)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror or exc}") from exc
        result = pipeline.publish(
            data,
            _settings(ctx),
            filename=file.name,
            source_format=source_format,
            voice_name=voice_name,
            slug=slug,
            category=category,
        )
    if as_json:
        _print_json(result.to_dict())
    else:
        click.echo(result.message)


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the episodes as a JSON list.")
@click.pass_context
def list_episodes(ctx: click.Context, as_json: bool) -> None:
    """List published episodes, newest first: slug, revision, duration, category, title."""
    from audionews.publish.library import Library

    episodes = Library(_settings(ctx)).list_episodes()
    if as_json:
        _print_json([e.to_dict() for e in episodes])
        return
    if not episodes:
        click.echo("no episodes yet: publish one with `audionews publish FILE`")
    for e in episodes:
        click.echo(f"{e.slug}\tr{e.revision}\t{e.duration_s:.0f} s\t{e.category}\t{e.title}")


@main.command()
@click.argument("slug")
@click.pass_context
def unpublish(ctx: click.Context, slug: str) -> None:
    """Remove SLUG from the feeds and the site; its revisions stay in the private library.

    Waits for a job working on SLUG to finish first, so the job cannot bring it back.
    """
    from audionews import pipeline

    click.echo(pipeline.unpublish(slug, _settings(ctx)).message)


def _warn_about_feed_settings(settings: Settings) -> None:
    """Refuse feed settings no app accepts (exit 2); warn about the demo's placeholders."""
    from audionews.publish.feed import settings_check, settings_warnings

    settings_check(settings)
    for warning in settings_warnings(settings):
        click.echo(f"audionews: warning: {warning}", err=True)


@main.command()
@click.argument("slug")
@click.pass_context
def republish(ctx: click.Context, slug: str) -> None:
    """Put the unpublished SLUG back in the feeds and on the site with its current revision."""
    from audionews import pipeline

    click.echo(pipeline.republish_episode(slug, _settings(ctx)).message)


@main.command()
@click.pass_context
def feed(ctx: click.Context) -> None:
    """Render feed.xml and the per-category feeds from the library into the public store.

    Warns (once, on stderr) while owner_email is a placeholder that can receive no mail.
    """
    from audionews import pipeline

    _warn_about_feed_settings(_settings(ctx))
    for where in pipeline.render_feeds(_settings(ctx)):
        click.echo(f"wrote {where}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--threads",
    default=lambda: _serve_module().THREADS,  # lazy: importing waitress slows every command
    show_default="8",
    type=click.IntRange(min=1),
    help="Threads running the app (connections are read and written without a thread each).",
)
@click.option(
    "--print-url",
    is_flag=True,
    help="Print the public URL the server would put in links, and exit.",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, print_url: bool) -> None:
    """Serve feeds, audio, pages and API with waitress, safe against slow clients.

    Without a configured public_url (PUBLIC_URL), links in the feeds and pages name the
    address served, http://HOST:PORT.
    """
    from audionews.web.auth import secret_key

    serving = _serve_module()
    settings = _settings(ctx)
    if "public_url" not in configured_names():
        settings = settings.with_overrides(public_url=serving.served_url(host, port))
    if print_url:
        click.echo(settings.public_url)
        return
    _warn_about_feed_settings(settings)
    secret_key(settings)  # made (or refused, in one line) before the server starts
    sys.exit(serving.run(settings, host, port, threads))


def _serve_module() -> Any:
    from audionews.web import serve

    return serve


# ------------------------------------------------------------------ corrections (issue 6)

KIND_CHOICE = click.Choice([str(k) for k in CORRECTION_KINDS])


def _report(result: Any, as_json: bool) -> None:
    """Print what a publish did, with how many sentences were synthesized or reused."""
    if as_json:
        _print_json(result.to_dict())
        return
    click.echo(result.message)
    if result.build is not None:
        click.echo(
            f"{result.build.segments_synthesized} sentence(s) synthesized, "
            f"{result.build.segments_cached} from the cache, {result.build.seconds:.1f} s"
        )


@main.command()
@click.argument("slug")
@ARTICLE
@FORMAT
@click.option(
    "--kind",
    type=KIND_CHOICE,
    default=str(next(iter(CORRECTION_KINDS))),
    show_default=True,
    help="What the note is; it is announced with this label.",
)
@click.option(
    "--note",
    default="",
    help="Note read to listeners and shown in the feed (at most 1,000 characters).",
)
@click.option("--editor", default="cli", show_default=True, help="Who made the change.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def correct(
    ctx: click.Context,
    slug: str,
    file: Path,
    source_format: str | None,
    kind: str,
    note: str,
    editor: str,
    as_json: bool,
) -> None:
    """Publish FILE as a corrected revision of SLUG; only changed sentences are re-spoken."""
    from audionews import pipeline

    _warn_about_lexicon(_settings(ctx))
    with _progress_bar("Synthesizing") as progress:  # pipeline holds the article's lock
        result = pipeline.correct(
            slug,
            file.read_bytes(),
            _settings(ctx),
            kind=kind,
            note=note,
            editor=editor,
            filename=file.name,
            source_format=source_format,
            progress=progress,
        )
    _report(result, as_json)


@main.command()
@click.argument("slug")
@click.option(
    "--revision",
    type=click.IntRange(min=1),
    default=None,
    help="Roll back to this revision's text (as a new revision).",
)
@click.option("--editor", default="cli", show_default=True, help="Who made the change.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def regenerate(
    ctx: click.Context, slug: str, revision: int | None, editor: str, as_json: bool
) -> None:
    """Speak SLUG again as a new revision, e.g. after a lexicon change (cached sentences reused)."""
    from audionews import pipeline

    _warn_about_lexicon(_settings(ctx))
    with _progress_bar("Synthesizing") as progress:  # pipeline holds the article's lock
        result = pipeline.regenerate(
            slug, _settings(ctx), revision=revision, editor=editor, progress=progress
        )
    _report(result, as_json)


@main.command()
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Jobs run at the same time (threads).",
)
@click.pass_context
def worker(ctx: click.Context, workers: int) -> None:
    """Run background jobs (publishes from the editor and the API) and deliver webhooks until
    interrupted."""
    from audionews.worker import huey_for, run_worker

    settings = _settings(ctx)
    _warn_about_lexicon(settings)
    queue = "Redis" if settings.redis_url else f"SQLite ({huey_for(settings).storage.filename})"
    click.echo(f"audionews worker: {workers} thread(s), queue in {queue}", err=True)
    run_worker(settings, workers=workers)


# ------------------------------------------------------------------ the database


@main.group()
def db() -> None:
    """Manage the database's schema (migrations; see DATABASE_URL)."""


@db.command(name="upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply the migrations the database lacks (every command also does, at its start)."""
    from audionews.storage import database

    settings = _settings(ctx)
    revision = database.upgrade(settings)
    shown = database.display_url(settings.sqlalchemy_url)
    click.echo(f"database {shown} is at revision {revision} (the newest)")


# ------------------------------------------------------------------ editors and API tokens


@main.group()
def editors() -> None:
    """Manage editor accounts for the web editor (passwords are stored hashed)."""


@editors.command(name="add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def editors_add(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Add editor NAME, or set a new password (which logs NAME out everywhere).

    Prompts for the password twice.
    """
    from audionews.publish import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts.add_editor(_settings(ctx), name, password)
    click.echo(f"editor '{name}' can now log in at /editor/")


@editors.command(name="list")
@click.pass_context
def editors_list(ctx: click.Context) -> None:
    """List editor accounts with the date each was created."""
    from audionews.publish import accounts

    found = accounts.list_editors(_settings(ctx))
    if not found:
        click.echo("no editors yet: add one with `audionews editors add NAME`")
    for editor in found:
        click.echo(f"{editor.name}\t{editor.created:%Y-%m-%d}")


@editors.command(name="remove")
@click.argument("name")
@click.pass_context
def editors_remove(ctx: click.Context, name: str) -> None:
    """Remove editor NAME and end their sessions; revisions they made keep their name."""
    from audionews.publish import accounts

    accounts.remove_editor(_settings(ctx), name)
    click.echo(f"removed editor '{name}'")


@main.group()
def tokens() -> None:
    """Manage API tokens for content systems (stored hashed, shown once)."""


@tokens.command(name="add")
@click.argument("name")
@click.pass_context
def tokens_add(ctx: click.Context, name: str) -> None:
    """Create a token called NAME and print it once; send it as 'Authorization: Bearer ...'."""
    from audionews.publish import accounts

    click.echo(accounts.add_token(_settings(ctx), name))


@tokens.command(name="list")
@click.pass_context
def tokens_list(ctx: click.Context) -> None:
    """List token names with when each was created and last used (never the tokens)."""
    from audionews.publish import accounts

    found = accounts.list_tokens(_settings(ctx))
    if not found:
        click.echo("no tokens yet: add one with `audionews tokens add NAME`")
    for token in found:
        used = f"{token.last_used:%Y-%m-%d %H:%M}" if token.last_used else "never used"
        click.echo(f"{token.name}\t{token.created:%Y-%m-%d}\t{used}")


@tokens.command(name="revoke")
@click.argument("name")
@click.pass_context
def tokens_revoke(ctx: click.Context, name: str) -> None:
    """Revoke the token called NAME: requests carrying it are refused from now on."""
    from audionews.publish import accounts

    accounts.revoke_token(_settings(ctx), name)
    click.echo(f"revoked token '{name}'")


# ------------------------------------------------------------------ webhooks (publish/webhooks.py)


def _event_help() -> str:
    from audionews.vocabulary import WEBHOOK_EVENT_HELP

    return "; ".join(f"{event}: {when}" for event, when in WEBHOOK_EVENT_HELP.items())


@main.group()
def webhooks() -> None:
    """Tell a CMS when audio is ready: signed JSON POSTs, sent by `audionews worker`."""


@webhooks.command(name="add")
@click.argument("url")
@click.option(
    "--events",
    default="",
    metavar="E,...",
    help="Comma-separated events to send; default: all.",
)
@click.option("--secret", default=None, help="Signing secret (16+ characters); default: generated.")
@click.pass_context
def webhooks_add(ctx: click.Context, url: str, events: str, secret: str | None) -> None:
    """Send events to URL, signed with a secret (printed once when generated).

    Each delivery is a JSON POST with the headers X-Audionews-Event, X-Audionews-Delivery and
    X-Audionews-Signature (sha256=HMAC-SHA256 of the body); `audionews worker` sends it and
    retries failures. Events:
    """
    from audionews.publish import webhooks as hooks

    view, made = hooks.add_webhook(_settings(ctx), url, events, secret)
    click.echo(f"webhook {view.id}: {view.url} ({', '.join(view.events)})")
    if not secret:
        click.echo(f"secret (shown once, keep it for checking signatures): {made}")


webhooks_add.help = f"{inspect.cleandoc(webhooks_add.help or '')}\n\n{_event_help()}."


@webhooks.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the webhooks as a JSON list.")
@click.pass_context
def webhooks_list(ctx: click.Context, as_json: bool) -> None:
    """List webhooks: id, URL, events and the latest delivery (never the secrets)."""
    from audionews.publish import webhooks as hooks

    found = hooks.list_webhooks(_settings(ctx))
    if as_json:
        _print_json([w.to_dict() for w in found])
        return
    if not found:
        click.echo("no webhooks yet: add one with `audionews webhooks add URL`")
    for hook in found:
        last = hook.last
        latest = f"{last.state} ({last.outcome}, {last.attempts} attempt(s))" if last else "none"
        click.echo(f"{hook.id}\t{hook.url}\t{','.join(hook.events)}\tlast delivery: {latest}")


@webhooks.command(name="remove")
@click.argument("webhook", metavar="ID|URL")
@click.pass_context
def webhooks_remove(ctx: click.Context, webhook: str) -> None:
    """Remove a webhook (its deliveries not yet sent are dropped; the log keeps them)."""
    from audionews.publish import webhooks as hooks

    view = hooks.remove_webhook(_settings(ctx), webhook)
    click.echo(f"removed webhook {view.id} ({view.url})")


@webhooks.command(name="log")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print the deliveries as a JSON list.")
@click.pass_context
def webhooks_log(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Show the latest webhook deliveries: id, event, URL, state, status or error, attempts."""
    from audionews.publish import webhooks as hooks

    found = hooks.deliveries(_settings(ctx), limit=limit)
    if as_json:
        _print_json([d.to_dict() for d in found])
        return
    if not found:
        click.echo("no deliveries yet")
    for d in found:
        tried = f"{d.last_attempt:%Y-%m-%d %H:%M:%S}" if d.last_attempt else "not yet"
        click.echo(
            f"{d.id}\t{d.event}\t{d.url}\t{d.state}\t{d.outcome}\t"
            f"{d.attempts}/{d.max_attempts} attempt(s)\t{d.created:%Y-%m-%d %H:%M:%S}\t{tried}"
        )


# ------------------------------------------------------------------ following a site's feed


@main.group()
def follow() -> None:
    """Follow sites' feeds (RSS, Atom, JSON Feed, news sitemap): new articles are published,
    changed ones re-published as updates (see README, 'Following a site')."""


@follow.command(name="add")
@click.argument("feed_url")
@click.option("--category", default="", help="Feed category for items that name none.")
@click.pass_context
def follow_add(ctx: click.Context, feed_url: str, category: str) -> None:
    """Follow the feed at FEED_URL (fetched once now to check it is a feed)."""
    from audionews.publish import follow as following

    found = following.add_source(_settings(ctx), feed_url, category)
    click.echo(f"following {found.url} (id {found.id}); `audionews worker` polls it")


@follow.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources and their logs as JSON.")
@click.pass_context
def follow_list(ctx: click.Context, as_json: bool) -> None:
    """List followed feeds with their last poll (seen, published, updated, failed) and log."""
    from audionews.publish import follow as following

    settings = _settings(ctx)
    sources = following.list_sources(settings)
    if as_json:
        _print_json(
            [
                {**s.to_dict(), "log": [e.to_dict() for e in following.events(settings, s.id)]}
                for s in sources
            ]
        )
        return
    if not sources:
        click.echo("no followed feeds: add one with `audionews follow add FEED_URL`")
    for s in sources:
        polled = f"{s.last_poll:%Y-%m-%d %H:%M}" if s.last_poll else "never polled"
        click.echo(f"{s.id}\t{s.url}\t{s.category or '-'}\t{polled}\t{s.last_message}")
        for e in following.events(settings, s.id, limit=10):
            click.echo(f"\t{e.created:%Y-%m-%d %H:%M}\t{e.action}\t{e.url}\t{e.message}")


@follow.command(name="remove")
@click.argument("source")
@click.pass_context
def follow_remove(ctx: click.Context, source: str) -> None:
    """Stop following SOURCE (its id or URL); its episodes stay published."""
    from audionews.publish import follow as following

    found = following.remove_source(_settings(ctx), source)
    click.echo(f"no longer following {found.url}")


@follow.command(name="run")
@click.option("--once", is_flag=True, required=True, help="Poll every followed feed once, now.")
@click.option("--json", "as_json", is_flag=True, help="Print what each poll did as JSON.")
@click.pass_context
def follow_run(ctx: click.Context, once: bool, as_json: bool) -> None:
    """Poll every followed feed once in this process (the worker polls them on a schedule)."""
    from audionews import polling

    _warn_about_lexicon(_settings(ctx))
    reports = polling.run_once(_settings(ctx))
    if as_json:
        _print_json([vars(r) for r in reports])
        return
    if not reports:
        click.echo("no followed feeds: add one with `audionews follow add FEED_URL`")
    for r in reports:
        click.echo(f"{r.source_id}: {r.message}")
        for failure in r.failed:
            click.echo(f"\tfailed: {failure}")
