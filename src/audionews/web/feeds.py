"""Feeds, cover art and episode files, with the HTTP behaviour podcast apps rely on.

werkzeug's send_file(conditional=True) answers HEAD, byte ranges (206/416), ETag and
Last-Modified (304); tests/test_http_files.py checks each of those rather than trusting it.
A Range header that is not one byte range is ignored (RFC 9110 14.2): the whole file, 200.
Feeds go out gzip-compressed to clients that accept it. Every path from a request is checked
by files.resolve_public, so nothing outside feed/ is read.
"""

from __future__ import annotations

import gzip
import io
import re
import threading
from pathlib import Path
from typing import IO, Any, cast

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.http import parse_range_header
from werkzeug.utils import send_file
from werkzeug.wsgi import wrap_file

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
CORS_TYPES |= {"application/json"}  # the JSON transcript
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


def _served_environ() -> dict[str, object]:
    """Return the request's WSGI environ without a Range header we do not serve.

    We serve one byte range. RFC 9110 says a server must ignore a range unit it does not know
    and may ignore what it does not support, such as several ranges: the answer is then the
    whole file (200), where werkzeug would refuse with 416. An unsatisfiable single range
    (past the end) still gets 416.
    """
    environ: dict[str, object] = request.environ
    header = request.headers.get("Range")
    if header is not None:
        wanted = parse_range_header(header)
        if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
            environ = {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
    return environ


def _send(path: Path | None, max_age: int, immutable: bool = False) -> Response:
    if path is None:
        abort(404)
    kind = media_type(path.name)
    response: Response = send_file(  # type: ignore[assignment]  # it makes response_class
        path,
        _served_environ(),
        mimetype=kind,
        conditional=True,
        etag=True,
        max_age=max_age,
        response_class=current_app.response_class,
    )
    if response.status_code == 206 and response.content_range is not None:
        served = response.content_range
        getattr(response.response, "close", lambda: None)()  # werkzeug's range iterator
        piece = FileSlice(path, served.start or 0, (served.stop or 0) - (served.start or 0))
        response.response = wrap_file(request.environ, cast(IO[bytes], piece))
    _public_headers(response, kind, immutable)
    return response


class FileSlice(io.RawIOBase):
    """Bytes [start, start + length) of a file, as a file of their own (read, seek, tell).

    A 206 is sent as the server's wsgi.file_wrapper over such a slice, so waitress streams the
    range from its event loop like a whole file, where werkzeug's range iterator keeps a
    thread writing until all but 16 MB are sent: a few slow podcast apps asking a long episode
    for "bytes=0-" would hold every thread. Hand-written: neither werkzeug nor the standard
    library has a bounded view of a file.
    """

    def __init__(self, path: Path, start: int, length: int) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._start, self._length, self._position = start, length, 0
        self._file.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:wanted])
        self._position += got
        return got

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, base + offset)
        self._file.seek(self._start + min(self._position, self._length))
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._file.close()
        super().close()


def _public_headers(response: Response, kind: str, immutable: bool = False) -> None:
    response.cache_control.public = True
    if immutable:
        response.cache_control.immutable = True
    if kind.split(";")[0] in CORS_TYPES:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "Content-Length, Content-Range, Accept-Ranges, ETag"
        )
    response.headers["X-Content-Type-Options"] = "nosniff"


# --------------------------------------------------------------------------- compressed feeds

#: Feeds compress to about a fifth. Compressed copies kept per feed file: (path, mtime_ns,
#: size) -> body. A feed file is replaced whole (atomic rename), so a new version never
#: shares its key with the old one.
_GZIPPED: dict[Path, tuple[tuple[int, int, int], bytes]] = {}
_GZIP_LOCK = threading.Lock()


def _gzipped(path: Path) -> tuple[bytes, str, float]:
    """Return the gzip body of a feed file, its ETag and its modification time."""
    stat = path.stat()
    key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _GZIP_LOCK:
        found = _GZIPPED.get(path)
    if found is None or found[0] != key:
        # mtime=0: the same feed always compresses to the same bytes, whichever worker does it
        found = (key, gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))
        with _GZIP_LOCK:
            _GZIPPED[path] = found
    etag = f"{stat.st_mtime_ns:x}-{stat.st_size:x}-gzip"  # differs from the plain file's
    return found[1], etag, stat.st_mtime


def _send_feed(path: Path | None) -> Response:
    """Send a feed, gzip-compressed when the client accepts it (podcast apps poll all day).

    Hand-written rather than a compression middleware: those skip file responses (send_file
    streams them), and here each feed version is compressed once, not once per request. The
    two forms have their own ETags and say Vary: Accept-Encoding, so caches keep them apart.
    Ranges are served on the plain form only.
    """
    if path is None:
        abort(404)
    if request.accept_encodings["gzip"] <= 0:
        response = _send(path, FEED_MAX_AGE)
    else:
        body, etag, modified = _gzipped(path)
        kind = media_type(path.name)
        response = current_app.response_class(body, mimetype=kind)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(etag)
        response.last_modified = modified  # type: ignore[assignment]
        response.cache_control.max_age = FEED_MAX_AGE
        _public_headers(response, kind)
        response.make_conditional(request)
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/feed.xml")
def main_feed() -> Response:
    # a render that fails (a full disk) keeps the last good feed, which is served meanwhile
    current = feeds.ensure_rendered(context.library(), every=FEED_CHECK_EVERY)
    path = resolve_public(context.settings().feed_dir, feeds.MAIN_FEED)
    if path is None and not current:  # no good feed yet to fall back on
        abort(503, description="The feed is being written: try again in a minute.")
    return _send_feed(path)


@bp.get("/feeds/<name>.xml")
def category_feed(name: str) -> Response:
    feeds.ensure_rendered(context.library(), every=FEED_CHECK_EVERY)
    path = resolve_public(context.settings().feed_dir / "feeds", f"{name}.xml")
    return _send_feed(path)


@bp.get("/cover.png")
def cover() -> Response:
    settings = context.settings()
    feeds.write_cover(settings)
    return _send(resolve_public(settings.feed_dir, feeds.COVER_NAME), FEED_MAX_AGE)


@bp.get("/episodes/<slug>/<name>")
def episode_file(slug: str, name: str) -> Response:
    path = resolve_public(context.library().episodes_dir, slug, name)
    return _send(path, IMMUTABLE_MAX_AGE, immutable=bool(_REVISIONED.search(name)))
