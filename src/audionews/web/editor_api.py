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

An article is sent as JSON {"text": ..., "format": "text|html|markdown", "kind", "note",
"republish" (PUT only: true puts an unpublished episode back)}, as a
multipart upload (field "file", same other fields), or as the raw body with Content-Type
text/plain, text/html or text/markdown (kind and note then go in the query string). POST also
takes JSON {"url": "https://..."} (URL_SCHEMA): the job fetches that page (see publish/jobs.py)
and only then knows its slug, so a page whose slug is another article's episode or reserved
for another new article fails the job (its message says why) instead of a 409; a page
published before becomes a new revision of its episode.
Fields are checked against a JSON Schema (FIELDS_SCHEMA, JSON_SCHEMA): a missing, unknown or
mistyped field is a 400 whose JSON names it ({"error": ..., "status": 400, "field": "text"}).
Every call needs 'Authorization: Bearer <token>' (audionews tokens add), else 401.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from audionews.errors import FieldError, InputError
from audionews.net.fetch import MAX_URL_LENGTH
from audionews.publish import history, jobs
from audionews.vocabulary import CORRECTION_KINDS, InputFormat, JobAction, RevisionKind
from audionews.web import auth, context
from audionews.web.editor import (
    FORMAT_CHOICES,
    MAX_ARTICLE_BYTES,
    MAX_ROW_ID,
    UPLOAD_FORMATS,
)

bp = Blueprint("editor_api", __name__, url_prefix="/api/v1")
bp.record_once(lambda state: auth.csrf.exempt(bp))

#: Raw body media types -> ingest format.
BODY_FORMATS: dict[str, InputFormat] = {
    "text/plain": InputFormat.TEXT,
    "text/html": InputFormat.HTML,
    "text/markdown": InputFormat.MARKDOWN,
}

#: The fields of an article however they come (a JSON body, a multipart form, or the query
#: string of a raw body). Unknown fields are refused rather than ignored, so a typo ("notes")
#: is an error and not a correction published without its note.
FIELDS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "format": {"enum": list(FORMAT_CHOICES)},
        "kind": {"enum": list(CORRECTION_KINDS)},
        "note": {"type": "string", "maxLength": history.MAX_NOTE_CHARS},
        # PUT only: put an unpublished episode back in the feeds (never done implicitly);
        # a form or query string sends it as text
        "republish": {"enum": [True, False, "true", "false"]},
    },
    "additionalProperties": False,
}
#: A JSON body also carries the article's text, which must be a string (never null or a number,
#: which str() would publish as an episode titled "None").
JSON_SCHEMA: dict[str, Any] = {
    **FIELDS_SCHEMA,
    "properties": {"text": {"type": "string"}, **FIELDS_SCHEMA["properties"]},
    "required": ["text"],
}
#: A new article given by the address of its page: only the URL (the page says the rest).
URL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"url": {"type": "string", "maxLength": MAX_URL_LENGTH}},
    "required": ["url"],
    "additionalProperties": False,
}
_VALIDATORS = {
    id(schema): Draft202012Validator(schema) for schema in (FIELDS_SCHEMA, JSON_SCHEMA, URL_SCHEMA)
}
#: Python types of parsed JSON -> their JSON names, for messages.
JSON_TYPES = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def _check_fields(fields: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """Return `fields` if they match `schema`, else raise FieldError naming the first bad one."""
    if not isinstance(fields, dict):
        raise InputError('send a JSON object: {"text": "...", "format": "text"}')
    found = best_match(_VALIDATORS[id(schema)].iter_errors(fields))
    if found is None:
        for field, value in fields.items():
            if isinstance(value, str) and not _is_unicode(value):
                raise FieldError(field, "holds a lone surrogate (\\ud800-\\udfff): send valid text")
        return fields
    allowed = list(schema["properties"])
    if found.validator == "required":
        missing = next(name for name in schema["required"] if name not in fields)
        raise FieldError(missing, "is missing: send the article in it")
    if found.validator == "additionalProperties":
        unknown = next(name for name in fields if name not in allowed)
        raise FieldError(unknown, f"is not a field: send only {', '.join(allowed)}")
    field = str(found.path[0])
    value = fields[field]
    if found.validator == "enum":
        choices = ", ".join(repr(c) for c in found.validator_value)
        raise FieldError(field, f"must be one of {choices}, not {_json(value)}")
    if found.validator == "maxLength":
        raise FieldError(field, f"must have at most {found.validator_value} characters")
    raise FieldError(field, f"must be a string, not {JSON_TYPES.get(type(value), 'that')}")


def _is_unicode(text: str) -> bool:
    """Return True unless `text` holds a lone surrogate, which JSON allows ("\\ud800") but no
    UTF-8 file or database column can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else JSON_TYPES.get(type(value), "that")


def _json_body() -> Any:
    """Parse the request body as JSON; bad or too deeply nested JSON is the client's error."""
    try:
        return json.loads(request.get_data())
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"the body is not valid JSON ({reason})") from None


def _article() -> tuple[bytes, str, str, dict[str, Any]]:
    """Return (data, filename, format, other fields) from JSON, multipart or a raw body."""
    if request.content_length and request.content_length > MAX_ARTICLE_BYTES:
        raise InputError(f"the article is larger than {MAX_ARTICLE_BYTES // 1000} kB")
    fields: dict[str, Any]
    if request.is_json:
        fields = _check_fields(_json_body(), JSON_SCHEMA)
        data, filename = fields.pop("text").encode("utf-8"), ""
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
    _check_fields(fields, FIELDS_SCHEMA)
    source_format = str(fields.get("format") or "")
    if not data.strip():
        raise InputError("the article is empty: send its text")
    if len(data) > MAX_ARTICLE_BYTES:
        raise InputError(f"the article is larger than {MAX_ARTICLE_BYTES // 1000} kB")
    return data, filename, source_format, fields


def _url_field() -> str | None:
    """Return the "url" of a JSON body {"url": ...}, or None when the body sends no URL."""
    if not request.is_json:
        return None
    body = _json_body()
    if not isinstance(body, dict) or "url" not in body:
        return None
    return str(_check_fields(body, URL_SCHEMA)["url"])


def _accepted(job: jobs.JobView) -> tuple[Response, int]:
    response = jsonify(job.to_dict())
    response.headers["Location"] = url_for("editor_api.job", job_id=job.id)
    return response, 202


@bp.post("/articles")
@auth.token_required
def create_article(client: str) -> tuple[Response, int]:
    url = _url_field()
    if url is not None:
        return _accepted(
            jobs.submit(context.settings(), JobAction.PUBLISH, url=url, editor=f"api:{client}")
        )
    data, filename, source_format, fields = _article()
    if "republish" in fields:
        raise FieldError("republish", "is for PUT /api/v1/articles/<slug>, not a new article")
    queued = jobs.submit(
        context.settings(),
        JobAction.PUBLISH,
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
    kind = str(fields.get("kind") or RevisionKind.CORRECTION)
    republish = fields.get("republish") in (True, "true")
    queued = jobs.submit(
        context.settings(),
        JobAction.REPUBLISH if republish else JobAction.CORRECT,
        slug=episode.slug,
        source=data,
        filename=filename,
        source_format=source_format,
        kind=kind,
        note=history.check_note(str(fields.get("note") or "")),  # 400 now, not a failed job
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


@bp.get(f"/jobs/<int(max={MAX_ROW_ID}):job_id>")
@auth.token_required
def job(job_id: int, client: str) -> Response:
    return jsonify(jobs.get_job(context.settings(), job_id).to_dict())
