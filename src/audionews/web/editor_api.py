"""Token-authenticated JSON API for content systems: publish and correct articles, watch jobs.

    POST /api/v1/articles                     new article -> 202 + job (Location: the job);
                                              409 when its slug is taken by an episode or by
                                              another new article accepted and not yet
                                              published (PUT to correct it)
    PUT  /api/v1/articles/<slug>              corrected article (kind, note) -> 202 + job;
                                              409 if the episode is unpublished, unless
                                              "republish": true puts it back in the feeds
    GET  /api/v1/articles/<slug>/revisions    every revision: who, when, why, what changed
    GET  /api/v1/jobs/<id>                    queued / running (done, total) / published / failed

An article is sent as JSON {"text": ..., "format": "text|html|markdown", "kind", "note"}, as a
multipart upload (field "file", same other fields), or as the raw body with Content-Type
text/plain, text/html or text/markdown (kind and note then go in the query string).
Every call needs 'Authorization: Bearer <token>' (audionews tokens add), else 401.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from audionews.errors import InputError
from audionews.publish import history, jobs
from audionews.web import auth, context
from audionews.web.editor import FORMAT_CHOICES, MAX_ARTICLE_BYTES, UPLOAD_FORMATS

bp = Blueprint("editor_api", __name__, url_prefix="/api/v1")
bp.record_once(lambda state: auth.csrf.exempt(bp))

#: Raw body media types -> ingest format.
BODY_FORMATS = {"text/plain": "text", "text/html": "html", "text/markdown": "markdown"}


def _article() -> tuple[bytes, str, str, dict[str, Any]]:
    """Return (data, filename, format, other fields) from JSON, multipart or a raw body."""
    if request.content_length and request.content_length > MAX_ARTICLE_BYTES:
        raise InputError(f"the article is larger than {MAX_ARTICLE_BYTES // 1000} kB")
    fields: dict[str, Any]
    if request.is_json:
        fields = request.get_json(silent=True) or {}
        if not isinstance(fields, dict):
            raise InputError('send a JSON object: {"text": "...", "format": "text"}')
        data, filename = str(fields.get("text", "")).encode("utf-8"), ""
    elif request.files.get("file") is not None:
        upload = request.files["file"]
        suffix = PurePath(upload.filename or "").suffix.lower()
        if suffix not in UPLOAD_FORMATS:
            raise InputError("upload a .txt, .html or .md file")
        data, filename = upload.stream.read(MAX_ARTICLE_BYTES + 1), upload.filename or ""
        fields = {"format": UPLOAD_FORMATS[suffix], **request.form.to_dict()}
    else:
        data, filename = request.get_data(), ""
        fields = {"format": BODY_FORMATS.get(request.mimetype, ""), **request.args.to_dict()}
    source_format = str(fields.get("format") or "")
    if source_format not in FORMAT_CHOICES:
        raise InputError(f"format must be one of {', '.join(k for k in FORMAT_CHOICES if k)}")
    if not data.strip():
        raise InputError("the article is empty: send its text")
    if len(data) > MAX_ARTICLE_BYTES:
        raise InputError(f"the article is larger than {MAX_ARTICLE_BYTES // 1000} kB")
    return data, filename, source_format, fields


def _accepted(job: jobs.JobView) -> tuple[Response, int]:
    response = jsonify(job.to_dict())
    response.headers["Location"] = url_for("editor_api.job", job_id=job.id)
    return response, 202


@bp.post("/articles")
@auth.token_required
def create_article(client: str) -> tuple[Response, int]:
    data, filename, source_format, _fields = _article()
    queued = jobs.submit(
        context.settings(),
        "publish",
        source=data,
        filename=filename,
        source_format=source_format,
        editor=f"api:{client}",
        new_only=True,
    )
    return _accepted(queued)


@bp.put("/articles/<slug>")
@auth.token_required
def update_article(slug: str, client: str) -> tuple[Response, int]:
    episode = context.library().get_episode(slug, include_withdrawn=True)
    data, filename, source_format, fields = _article()
    kind = str(fields.get("kind") or "correction")
    if kind not in history.CORRECTION_KINDS:
        raise InputError(f"kind must be one of {', '.join(history.CORRECTION_KINDS)}")
    republish = fields.get("republish") in (True, "true", "1", "yes", "on")
    queued = jobs.submit(
        context.settings(),
        jobs.REPUBLISH_ACTION if republish else "correct",
        slug=episode.slug,
        source=data,
        filename=filename,
        source_format=source_format,
        kind=kind,
        note=str(fields.get("note") or "").strip(),
        editor=f"api:{client}",
    )
    return _accepted(queued)


@bp.get("/articles/<slug>/revisions")
@auth.token_required
def revisions(slug: str, client: str) -> Response:
    episode = context.library().get_episode(slug, include_withdrawn=True)
    entries = history.history(context.settings(), episode)
    return jsonify(
        slug=episode.slug,
        guid=episode.guid,
        current=episode.revision,
        revisions=[e.to_dict() for e in entries],
    )


@bp.get("/jobs/<int:job_id>")
@auth.token_required
def job(job_id: int, client: str) -> Response:
    return jsonify(jobs.get_job(context.settings(), job_id).to_dict())
