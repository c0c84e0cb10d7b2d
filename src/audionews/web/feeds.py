"""Feeds, cover art and episode files, with the HTTP behaviour podcast apps rely on.

werkzeug's send_file(conditional=True) answers HEAD, byte ranges (206/416), ETag and
Last-Modified (304); tests/test_http_files.py checks each of those rather than trusting it.
Every path from a request is checked by files.resolve_public, so nothing outside feed/ is read.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, abort, send_file

from audionews.publish import feed as feeds
from audionews.publish.files import resolve_public
from audionews.publish.library import FILE_KINDS
from audionews.web import context

bp = Blueprint("feeds", __name__)

#: Served types by file name ending, longest ending first; text types say their charset.
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
#: Types a web player on another site reads with fetch(): allowed from any origin (CORS).
CORS_TYPES = {"application/json+chapters", "text/vtt", "application/x-subrip", "text/html"}
CORS_TYPES |= {"text/plain", "audio/mpeg"}
#: A revision's files never change (a new revision gets new names): cache them for a year.
_REVISIONED = re.compile(r"-r\d+\.")
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
FEED_MAX_AGE = 300
#: How often (seconds) a worker checks that the feed files match the database.
FEED_CHECK_EVERY = 1.0


def media_type(name: str) -> str:
    """Return the Content-Type for a public file name."""
    for suffix, media in MEDIA_TYPES:
        if name.endswith(suffix):
            return f"{media}; charset=utf-8" if _is_text(media) else media
    return "application/octet-stream"


def _is_text(media: str) -> bool:
    # werkzeug already adds "; charset=utf-8" to text/* types; these are text it does not know.
    return not media.startswith("text/") and (media.endswith("xml") or media in _TEXT_APPS)


_TEXT_APPS = {"application/json+chapters", "application/x-subrip"}


def _send(path: Path | None, max_age: int, immutable: bool = False) -> Response:
    if path is None:
        abort(404)
    kind = media_type(path.name)
    response = send_file(path, mimetype=kind, conditional=True, etag=True, max_age=max_age)
    response.cache_control.public = True
    if immutable:
        response.cache_control.immutable = True
    if kind.split(";")[0] in CORS_TYPES:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "Content-Length, Content-Range, Accept-Ranges, ETag"
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/feed.xml")
def main_feed() -> Response:
    # a render that fails (a full disk) keeps the last good feed, which is served meanwhile
    current = feeds.ensure_rendered(context.library(), every=FEED_CHECK_EVERY)
    path = resolve_public(context.settings().feed_dir, feeds.MAIN_FEED)
    if path is None and not current:  # no good feed yet to fall back on
        abort(503, description="The feed is being written: try again in a minute.")
    return _send(path, FEED_MAX_AGE)


@bp.get("/feeds/<name>.xml")
def category_feed(name: str) -> Response:
    feeds.ensure_rendered(context.library(), every=FEED_CHECK_EVERY)
    path = resolve_public(context.settings().feed_dir / "feeds", f"{name}.xml")
    return _send(path, FEED_MAX_AGE)


@bp.get("/cover.png")
def cover() -> Response:
    settings = context.settings()
    feeds.write_cover(settings)
    return _send(resolve_public(settings.feed_dir, feeds.COVER_NAME), FEED_MAX_AGE)


@bp.get("/episodes/<slug>/<name>")
def episode_file(slug: str, name: str) -> Response:
    path = resolve_public(context.library().episodes_dir, slug, name)
    return _send(path, IMMUTABLE_MAX_AGE, immutable=bool(_REVISIONED.search(name)))
