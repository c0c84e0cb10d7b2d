"""The editor (behind login): new articles, corrections with a live preview, history and
rollback, job progress, and the pronunciation lexicon.

Views stay thin: they read the form, call pipeline / publish.jobs / publish.pronunciations, and
render. Every page needs a logged-in editor (else a redirect to the login page), every unsafe
request a valid CSRF token (else 400). Publishing runs as a background job (publish/jobs.py).
"""

from __future__ import annotations

import math
from pathlib import PurePath
from typing import Any, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from audionews import pipeline
from audionews.errors import AudionewsError
from audionews.ingest.detect import EXTENSIONS
from audionews.publish import accounts, files, history, jobs, pronunciations, webhooks
from audionews.vocabulary import (
    CORRECTION_KINDS,
    INPUT_FORMAT_LABELS,
    NOTICE_LABELS,
    WEBHOOK_EVENT_HELP,
    FileKind,
    JobAction,
    RevisionKind,
    WebhookEvent,
)
from audionews.web import auth, context

editor = Blueprint(
    "editor",
    __name__,
    url_prefix="/editor",
    static_folder="static/editor",
    static_url_path="/static",
)
editor.record_once(lambda state: auth.init_app(cast(Flask, state.app)))

UI_LANGUAGE = "en"
#: Largest article accepted from a form or an upload.
MAX_ARTICLE_BYTES = 1_000_000
#: Upload extensions -> the ingest format they are read as (the CLI's table).
UPLOAD_FORMATS = EXTENSIONS
#: Format choices in the forms ("" = detect from the content).
FORMAT_CHOICES: dict[str, str] = {"": "Detect automatically"} | {
    str(f): label for f, label in INPUT_FORMAT_LABELS.items()
}
#: What a correction may be, as the form names it (the label of the notice it becomes).
CORRECTION_CHOICES: dict[str, str] = {
    kind: NOTICE_LABELS[notice] for kind, notice in CORRECTION_KINDS.items()
}
#: Largest id a database row can have (SQLite and PostgreSQL store 64-bit signed integers): a
#: larger one in a URL is a 404, not an overflow inside the database driver.
MAX_ROW_ID = 2**63 - 1
#: Endpoints that work without a login.
PUBLIC_ENDPOINTS = {"editor.login", "editor.static"}


@editor.before_request
def _guard() -> ResponseReturnValue | None:
    """Send visitors to the login page; check the CSRF token of every unsafe request."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        auth.csrf.protect()
    return None


@editor.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> ResponseReturnValue:
    """Say what to do when a form's CSRF token is missing or stale, in the editor's layout."""
    return _render(
        "editor/message.html",
        400,
        title="The form could not be sent",
        message=f"{exc.description} Reload the page and try again.",
    )


@editor.after_request
def _private(response: Response) -> Response:
    # editor pages show unpublished text: never store them in shared caches
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _render(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    page = render_template(
        template,
        site_title=context.settings().feed_title,
        page_lang=UI_LANGUAGE,
        ui_attr=Markup(""),
        active_nav="editor",
        editor_name=current_user.name if current_user.is_authenticated else "",
        format_choices=FORMAT_CHOICES,
        correction_kinds=CORRECTION_CHOICES,
        max_kb=MAX_ARTICLE_BYTES // 1000,
        **values,
    )
    return page, status


def _client() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path inside the editor (no open redirects), else the index.

    Only printable ASCII without backslashes is kept: CR/LF would split the Location header
    (werkzeug refuses it with an error, a 500), and browsers read "\\" as "/", so
    "/editor/\\..\\" could leave the editor.
    """
    target = target or ""
    parts = urlsplit(target)
    printable = target.isascii() and target.isprintable() and "\\" not in target
    if printable and not parts.scheme and not parts.netloc and parts.path.startswith("/editor/"):
        return target
    return url_for("editor.index")


# --------------------------------------------------------------------------- login


@editor.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    settings = context.settings()
    errors: dict[str, str] = {}
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        wait = accounts.begin_login(settings, name, _client())
        if wait > 0:
            seconds = math.ceil(wait)
            errors["password"] = (
                f"Too many failed attempts. Wait {seconds} second{'s' if seconds > 1 else ''}, "
                "then try again."
            )
            page, status = _render("editor/login.html", 429, errors=errors, name=name)
            return page, status, {"Retry-After": str(seconds)}
        ok = accounts.check_password(settings, name, request.form.get("password", ""))
        accounts.finish_login(settings, name, _client(), ok)
        if ok:
            auth.log_in(name)
            return redirect(_safe_next(request.args.get("next")))
        errors["password"] = "The name or the password is wrong."
    return _render("editor/login.html", 401 if errors else 200, errors=errors, name=name)


@editor.post("/logout")
def logout() -> ResponseReturnValue:
    auth.log_out()
    return redirect(url_for("editor.login"))


# --------------------------------------------------------------------------- overview, jobs


@editor.get("/")
def index() -> ResponseReturnValue:
    settings = context.settings()
    return _render(
        "editor/index.html",
        episodes=context.library().list_episodes(),
        jobs=jobs.list_jobs(settings, limit=15),
    )


@editor.get(f"/jobs/<int(max={MAX_ROW_ID}):job_id>")
def job(job_id: int) -> ResponseReturnValue:
    return _render("editor/job.html", job=jobs.get_job(context.settings(), job_id))


@editor.get(f"/jobs/<int(max={MAX_ROW_ID}):job_id>.json")
def job_json(job_id: int) -> ResponseReturnValue:
    return jobs.get_job(context.settings(), job_id).to_dict()


# --------------------------------------------------------------------------- articles


def _article_from_form() -> tuple[bytes, str, str, dict[str, str]]:
    """Return (data, filename, format, errors) from the text field or the upload."""
    errors: dict[str, str] = {}
    source_format = request.form.get("source_format", "")
    if source_format not in FORMAT_CHOICES:
        errors["source_format"] = "Choose one of the formats in the list."
    upload: FileStorage | None = request.files.get("upload")
    if upload is not None and upload.filename:
        suffix = PurePath(upload.filename).suffix.lower()
        if suffix not in UPLOAD_FORMATS:
            errors["upload"] = "Upload a .txt, .html or .md file."
            return b"", "", source_format, errors
        data = upload.stream.read(MAX_ARTICLE_BYTES + 1)
        name = PurePath(upload.filename).name
        source_format = source_format or UPLOAD_FORMATS[suffix]
        field = "upload"
    else:
        data = request.form.get("text", "").replace("\r\n", "\n").encode("utf-8")
        name, field = "", "text"
    if not data.strip():
        errors[field] = "Paste the article's text, or upload a file."
    elif len(data) > MAX_ARTICLE_BYTES:
        errors[field] = f"The article is larger than {MAX_ARTICLE_BYTES // 1000} kB."
    return data, name, source_format, errors


@editor.route("/new", methods=["GET", "POST"])
def new_article() -> ResponseReturnValue:
    form = request.form
    errors: dict[str, str] = {}
    if request.method == "POST" and form.get("url", "").strip():
        return _new_from_url(form)
    if request.method == "POST":
        data, filename, source_format, errors = _article_from_form()
        if not errors:
            try:
                queued = jobs.submit(
                    context.settings(),
                    JobAction.PUBLISH,
                    source=data,
                    filename=filename,
                    source_format=source_format,
                    editor=current_user.name,
                    new_only=True,
                )
            except AudionewsError as exc:
                errors["upload" if filename else "text"] = str(exc)
            else:
                return redirect(url_for("editor.job", job_id=queued.id), 303)
    return _render("editor/new.html", 400 if errors else 200, errors=errors, form=form)


def _new_from_url(form: Any) -> ResponseReturnValue:
    """Queue a job that fetches and publishes the page at the form's web address."""
    errors: dict[str, str] = {}
    has_upload = bool(getattr(request.files.get("upload"), "filename", ""))
    if form.get("text", "").strip() or has_upload:
        errors["url"] = "Give the article's web address, or its text, not both."
    else:
        try:
            queued = jobs.submit(
                context.settings(), JobAction.PUBLISH, url=form["url"], editor=current_user.name
            )
        except AudionewsError as exc:
            errors["url"] = str(exc)
        else:
            return redirect(url_for("editor.job", job_id=queued.id), 303)
    return _render("editor/new.html", 400, errors=errors, form=form)


def _source_text(slug: str) -> tuple[str, str]:
    """Return the current source of an episode as text and its format, for the edit form."""
    submitted = context.library().submitted(slug)
    return submitted.data.decode("utf-8", errors="replace"), submitted.source_format


@editor.route("/episodes/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    episode = context.library().get_episode(slug, include_withdrawn=True)
    if request.method == "GET":
        text, source_format = _source_text(slug)
        form: dict[str, str] = {
            "text": text,
            "source_format": source_format,
            "kind": str(RevisionKind.CORRECTION),
        }
        return _render("editor/edit.html", episode=episode, form=form, errors={})
    form = request.form.to_dict()
    data, filename, source_format, errors = _article_from_form()
    kind, note = form.get("kind", ""), form.get("note", "").strip()
    errors.update(_correction_errors(kind, note))
    republish = form.get("republish") == "yes"
    if not episode.is_published and not republish:  # re-publishing is never implicit
        errors["republish"] = "This episode is unpublished: tick the box to put it back."
    previewing = form.get("action") == "preview"
    if not previewing and not errors:
        action = JobAction.REPUBLISH if republish else JobAction.CORRECT
        try:
            queued = jobs.submit(
                context.settings(), action, slug=slug, source=data, filename=filename,
                source_format=source_format, kind=kind, note=note, editor=current_user.name,
            )  # fmt: skip
        except AudionewsError as exc:
            errors["text"] = str(exc)
        else:
            return redirect(url_for("editor.job", job_id=queued.id), 303)
    preview = _preview(data, filename, source_format, slug, kind, note) if data else None
    return _render(
        "editor/edit.html",
        200 if previewing else 400,
        episode=episode,
        form=form,
        errors={} if previewing else errors,  # a preview is not a submission: no error list
        preview=preview,
    )


def _correction_errors(kind: str, note: str) -> dict[str, str]:
    """Return field -> message for the kind and note of a correction."""
    errors = {}
    if kind not in CORRECTION_KINDS:
        errors["kind"] = "Choose what kind of change this is."
    if not note:
        errors["note"] = "Write the note listeners will hear and read, e.g. what was corrected."
    elif len(note) > history.MAX_NOTE_CHARS:
        errors["note"] = f"Keep the note to at most {history.MAX_NOTE_CHARS:,} characters."
    return errors


def _preview(
    data: bytes, filename: str, source_format: str, slug: str, kind: str, note: str
) -> dict[str, Any]:
    """Return what the preview fragment shows: the script and the diff, or the error."""
    try:
        script, diff = pipeline.preview(
            data,
            context.settings(),
            filename=filename or None,
            source_format=source_format or None,
            slug=slug or None,
            kind=kind,
            note=note,
        )
    except AudionewsError as exc:
        return {"error": str(exc)}
    return {"script": script, "diff": diff}


@editor.post("/preview")
def preview() -> ResponseReturnValue:
    data, filename, source_format, errors = _article_from_form()
    if errors:
        return _render("editor/_preview.html", 200, preview={"error": " ".join(errors.values())})
    found = _preview(
        data,
        filename,
        source_format,
        request.form.get("slug", ""),
        request.form.get("kind", RevisionKind.CORRECTION),
        request.form.get("note", "").strip(),
    )
    return _render("editor/_preview.html", preview=found)


@editor.get("/episodes/<slug>/history")
def episode_history(slug: str) -> ResponseReturnValue:
    episode = context.library().get_episode(slug, include_withdrawn=True)
    entries = history.history(context.settings(), episode)
    return _render("editor/history.html", episode=episode, entries=entries)


@editor.get("/episodes/<slug>/revisions/<int:number>.mp3")
def revision_audio(slug: str, number: int) -> ResponseReturnValue:
    """Play any revision's audio to editors, from the site or from private history.

    Earlier revisions leave the public folder after the grace period (uncorrected audio must
    not stay public); editors still hear them here, behind the login, never cached.
    """
    library = context.library()
    episode = library.get_episode(slug, include_withdrawn=True)
    revision = next((r for r in episode.revisions if r.number == number), None)
    if revision is None or FileKind.MP3 not in revision.files:
        abort(404)
    name = revision.files[FileKind.MP3].name
    path = files.find_revision_file(library, episode.slug, name)
    if path is not None:
        response = send_file(path, mimetype="audio/mpeg", conditional=True, etag=True)
    elif library.public.existing([library.episode_key(episode.slug, name)]):
        # public, in object storage: the public route streams (or redirects to) it
        return redirect(url_for("feeds.episode_file", slug=episode.slug, name=name))
    else:  # private history in object storage, kept by whichever machine took it off
        stored = library.history.stat(library.history_key(episode.slug, name))
        if stored is None:
            abort(404)
        chunks = library.history.stream(stored.key)
        response = Response(chunks, mimetype="audio/mpeg", direct_passthrough=True)
        response.content_length = stored.size
    response.headers["Cache-Control"] = "private, no-store"
    return response


@editor.post("/episodes/<slug>/rollback")
def rollback(slug: str) -> ResponseReturnValue:
    episode = context.library().get_episode(slug, include_withdrawn=True)
    number = request.form.get("revision", type=int)
    if number is None or number not in {r.number for r in episode.revisions}:
        abort(400)
    queued = jobs.submit(
        context.settings(), JobAction.ROLLBACK, slug=slug, revision=number, editor=current_user.name
    )
    return redirect(url_for("editor.job", job_id=queued.id), 303)


# --------------------------------------------------------------------------- lexicon


@editor.route("/lexicon", methods=["GET", "POST"])
def lexicon() -> ResponseReturnValue:
    settings = context.settings()
    form = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
    errors: dict[str, str] = {}
    saved = ""
    word, spoken = form.get("word", "").strip(), form.get("spoken", "").strip()
    action = form.get("action")
    if request.method == "POST" and action == "remove":  # needs only the word it names
        pronunciations.remove_entry(settings, word)
    elif request.method == "POST" and action == "remove_line":  # a line the lexicon skips
        number = request.form.get("line", type=int)
        if number is None:
            abort(400)
        try:
            pronunciations.remove_line(settings, number, request.form.get("digest", ""))
        except AudionewsError as exc:
            errors = {"problems": str(exc)}
    elif request.method == "POST":
        errors = pronunciations.check_entry(word, spoken)
        if not errors and action == "save":
            pronunciations.save_entry(settings, word, spoken)
            saved = word
    affected = pronunciations.episodes_saying(settings, saved) if saved else []
    return _render(
        "editor/lexicon.html",
        400 if errors else 200,
        entries=pronunciations.entries(settings),
        problems=[
            (p.line, pronunciations.shown(p.text), p.message, pronunciations.line_digest(p.text))
            for p in pronunciations.problems(settings)
        ],
        form=form,
        errors=errors,
        saved=saved,
        affected=affected,
        preview_ready=request.method == "POST" and action == "preview" and not errors,
    )


@editor.get("/lexicon/preview.wav")
def lexicon_preview() -> ResponseReturnValue:
    args = request.args
    wav = pronunciations.preview_wav(
        context.settings(),
        args.get("sentence", ""),
        args.get("word", ""),
        args.get("spoken", ""),
        synthesizer=jobs.job_synthesizer(),
    )
    return Response(wav, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


@editor.post("/lexicon/republish")
def lexicon_republish() -> ResponseReturnValue:
    settings = context.settings()
    word = request.form.get("word", "")
    queued = [
        jobs.submit(
            settings,
            JobAction.REGENERATE,
            slug=slug,
            editor=current_user.name,
            note=f"Pronunciation of '{word}' changed.",
        )
        for slug in request.form.getlist("slug")
    ]
    return _render("editor/republished.html", word=word, jobs=queued)


# --------------------------------------------------------------------------- webhooks


@editor.route("/webhooks", methods=["GET", "POST"])
def webhooks_page() -> ResponseReturnValue:
    """List the webhooks and their deliveries; add one (its secret is shown once, here)."""
    settings = context.settings()
    form = request.form
    errors: dict[str, str] = {}
    added: tuple[webhooks.WebhookView, str] | None = None
    events = form.getlist("events") if request.method == "POST" else [str(e) for e in WebhookEvent]
    if request.method == "POST":
        url, secret = form.get("url", "").strip(), form.get("secret", "").strip()
        errors = webhooks.form_errors(settings, url, events, secret)
        if not errors:
            try:
                added = webhooks.add_webhook(settings, url, events, secret or None)
            except AudionewsError as exc:  # e.g. added by someone else meanwhile
                errors["url"] = str(exc)
    return _render(
        "editor/webhooks.html",
        400 if errors else 200,
        hooks=webhooks.list_webhooks(settings),
        deliveries=webhooks.deliveries(settings, limit=30),
        event_help=WEBHOOK_EVENT_HELP,
        chosen=set(events),
        form=form if errors else {},
        errors=errors,
        added=added,
    )


@editor.post(f"/webhooks/<int(max={MAX_ROW_ID}):webhook_id>/remove")
def webhook_remove(webhook_id: int) -> ResponseReturnValue:
    webhooks.remove_webhook(context.settings(), webhook_id)
    return redirect(url_for("editor.webhooks_page"), 303)


# The "Followed sites" page registers its routes on this blueprint (kept in its own module).
from audionews.web import editor_follow  # noqa: E402, F401
