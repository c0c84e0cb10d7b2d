"""Feeds, cover art and episode files, with the HTTP behaviour podcast apps rely on.

werkzeug's send_file(conditional=True) answers HEAD, byte ranges (206/416), ETag and
Last-Modified (304); tests/test_http_files.py checks each of those rather than trusting it.
A Range header that is not one byte range is ignored (RFC 9110 14.2): the whole file, 200.
Feeds go out gzip-compressed to clients that accept it. Files come from the public store
(storage/public.py); every key from a request is checked (check_key, and a local store's
local_path refuses links out of its folder), so nothing outside it is read. From object
storage the same behaviour is rebuilt on the store's ETag, size and ranged reads, or audio and
transcripts are redirected to media_url when a CDN serves them.
"""

from __future__ import annotations

import gzip
import io
import re
import threading
from pathlib import Path
from typing import IO, Any, cast

from flask import Blueprint, Response, abort, current_app, redirect, request
from werkzeug.http import parse_range_header
from werkzeug.utils import send_file
from werkzeug.wsgi import wrap_file

from audionews.errors import NotFoundError
from audionews.publish import feed as feeds
from audionews.publish.files import media_type
from audionews.storage.public import (
    FEED_MAX_AGE,
    IMMUTABLE_MAX_AGE,
    PublicStore,
    Stored,
    check_key,
)
from audionews.web import context

bp = Blueprint("feeds", __name__)

#: Types a web player on another site reads with fetch(): allowed from any origin (CORS).
CORS_TYPES = {"application/json+chapters", "text/vtt", "application/x-subrip", "text/html"}
CORS_TYPES |= {"application/json"}  # the JSON transcript
CORS_TYPES |= {"text/plain", "audio/mpeg"}
#: A revision's files never change (a new revision gets new names): cache them for a year.
_REVISIONED = re.compile(r"-r\d+\.")
#: How often (seconds) a worker checks that the feed files match the database.
FEED_CHECK_EVERY = 1.0


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
    if not current and context.library().public.stat(feeds.MAIN_FEED) is None:
        abort(503, description="The feed is being written: try again in a minute.")
    return _send_public(feeds.MAIN_FEED, FEED_MAX_AGE, feed=True)


@bp.get("/feeds/<name>.xml")
def category_feed(name: str) -> Response:
    feeds.ensure_rendered(context.library(), every=FEED_CHECK_EVERY)
    return _send_public(f"feeds/{name}.xml", FEED_MAX_AGE, feed=True)


@bp.get("/cover.png")
def cover() -> Response:
    feeds.write_cover(context.library())
    return _send_public(feeds.COVER_NAME, FEED_MAX_AGE)


@bp.get("/episodes/<slug>/<name>")
def episode_file(slug: str, name: str) -> Response:
    library = context.library()
    return _send_public(
        library.episode_key(slug, name), IMMUTABLE_MAX_AGE, immutable=bool(_REVISIONED.search(name))
    )


# --------------------------------------------------------------------------- the store


def _send_public(
    key: str, max_age: int, *, immutable: bool = False, feed: bool = False
) -> Response:
    """Send a file of the public store: from the disk when it is local; from object storage
    otherwise, or a redirect to media_url for audio and transcripts when a CDN serves them
    (feeds are always answered here: their address is the podcast's identity)."""
    library = context.library()
    store = library.public
    try:
        check_key(key)
    except NotFoundError:
        abort(404)
    if store.local:
        path = store.local_path(key)
        return _send_feed(path) if feed else _send(path, max_age, immutable)
    if library.settings.media_url and not feed:
        if store.stat(key) is None:
            abort(404)
        return redirect(f"{library.media_url}/{key}", 302)  # type: ignore[return-value]
    return _send_stored(store, key, max_age, immutable=immutable, feed=feed)


def _send_stored(
    store: PublicStore, key: str, max_age: int, *, immutable: bool, feed: bool
) -> Response:
    """Answer from object storage as send_file answers from disk: ETag and Last-Modified
    (304), one byte range (206/416), HEAD; a feed gzip-compressed when the client takes it."""
    stored = store.stat(key)
    if stored is None:
        abort(404)
    kind = media_type(key)
    response: Response = current_app.response_class(mimetype=kind)
    response.last_modified = stored.modified  # type: ignore[assignment]
    response.cache_control.max_age = max_age
    if feed and request.accept_encodings["gzip"] > 0:
        body = _gzipped_stored(store, stored)
        response.set_data(body)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{stored.etag}-gzip")
        response.vary.add("Accept-Encoding")
        _public_headers(response, kind, immutable)
        response.make_conditional(request)
        return response
    response.set_etag(stored.etag)
    response.response = []
    response.make_conditional(_served_environ(), accept_ranges=True, complete_length=stored.size)
    if response.status_code == 206 and response.content_range is not None:
        served = response.content_range
        start = served.start or 0
        response.response = store.stream(key, start, (served.stop or 0) - start)
    elif response.status_code == 200:
        response.response = store.stream(key)
        response.content_length = stored.size
    if feed:
        response.vary.add("Accept-Encoding")
    _public_headers(response, kind, immutable)
    return response


def _gzipped_stored(store: PublicStore, stored: Stored) -> bytes:
    """Return the gzip body of a feed in object storage, compressed once per version."""
    cache_key = (store.location, stored.key)
    version = (0, hash(stored.etag), stored.size)
    with _GZIP_LOCK:
        found = _GZIPPED_STORED.get(cache_key)
    if found is None or found[0] != version:
        found = (version, gzip.compress(store.read(stored.key), compresslevel=6, mtime=0))
        with _GZIP_LOCK:
            _GZIPPED_STORED[cache_key] = found
    return found[1]


_GZIPPED_STORED: dict[tuple[str, str], tuple[tuple[int, int, int], bytes]] = {}
