"""The Flask app: feeds and audio, the player pages, the editor and the API.

`create_app` is the one wiring point (as in Flask's tutorial): it loads settings, opens the
library, registers the blueprints and turns AudionewsError into a 4xx page or JSON answer.
Blueprints: feeds (feeds, cover, episode files), api (JSON, /healthz), and, when present,
player (pages; issue 5), embed (the player in other sites' iframes, oEmbed; issue 13) and
editor (issue 6). Until the player exists, `home` serves a minimal list of episodes so the
feed's links lead somewhere.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

from flask import Flask, Response, jsonify, render_template_string, request
from markupsafe import Markup
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from audionews.config import Settings, load_settings
from audionews.errors import AudionewsError, FieldError
from audionews.ingest.rules import neutral_bidi
from audionews.publish.library import Library
from audionews.web.context import LIBRARY_KEY, SETTINGS_KEY

#: Blueprints registered when their module exists: (module, attribute). The player's pages
#: take over "/" and /episodes/<slug>/ from the fallback home.
OPTIONAL_BLUEPRINTS = (
    ("audionews.web.player", "player"),
    ("audionews.web.embed", "embed"),
    ("audionews.web.editor", "editor"),
    ("audionews.web.editor_api", "bp"),
)

#: Largest request body (bytes) of a form without an article: login, lexicon, rollback... and
#: of every other route (most take no body at all).
FORM_BODY_BYTES = 64 * 1024
#: Endpoints that take an article (pasted, uploaded or sent by the API): the article's limit
#: plus room for the other form fields and multipart boundaries.
ARTICLE_ENDPOINTS = frozenset(
    {
        "editor.new_article",
        "editor.edit",
        "editor.preview",
        "editor_api.create_article",
        "editor_api.update_article",
    }
)


def article_body_bytes() -> int:
    """Return the body limit of the ARTICLE_ENDPOINTS."""
    from audionews.web.editor import MAX_ARTICLE_BYTES  # the editor imports this package

    return MAX_ARTICLE_BYTES + FORM_BODY_BYTES


def max_body_bytes() -> int:
    """Return the largest body any route accepts (the server refuses larger ones unread)."""
    return max(FORM_BODY_BYTES, article_body_bytes())


_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ status }} · {{ title }}</title></head>
<body><main><h1>{{ heading }}</h1><p>{{ message }}</p><p><a href="/">Home</a></p></main></body>
</html>"""


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Return the audionews web app for `settings` (default: loaded from config and env)."""
    settings = settings if settings is not None else load_settings()
    if overrides:
        settings = settings.with_overrides(**overrides)
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.merge_slashes = False  # "//etc/passwd" is a 404, not a redirect to a guess
    app.jinja_env.finalize = _shown  # every {{ value }} of every page
    app.extensions[SETTINGS_KEY] = settings
    app.config["AUDIONEWS_SETTINGS"] = settings
    app.extensions[LIBRARY_KEY] = Library(settings)
    if settings.proxy_hops > 0:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )

    from audionews.web import api, feeds

    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    has_player = False
    for module_name, attribute in OPTIONAL_BLUEPRINTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module exists but is broken: say so, do not hide it
            continue
        app.register_blueprint(getattr(module, attribute, None) or module.bp)
        has_player = has_player or module_name.endswith(".player")
    if not has_player:
        from audionews.web import home

        app.register_blueprint(home.bp)

    app.before_request(_limit_body)
    app.register_error_handler(AudionewsError, _audionews_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    return app


def _shown(value: Any) -> Any:
    """Return a template value without unpaired bidi controls (an open U+202E would show the
    rest of the page's line reversed); markup stays markup."""
    if isinstance(value, Markup):
        return Markup(neutral_bidi(str(value)))
    return neutral_bidi(value) if isinstance(value, str) else value


def _limit_body() -> None:
    """Bound what this request's body may hold, before a view or a form parser reads it.

    werkzeug refuses a Content-Length over the limit at once. A body of unknown length
    (chunked, which a server passes on with wsgi.input_terminated) werkzeug would cut at the
    limit without a word, and a cut article is a wrong article: read it here, at most one byte
    past the limit, and refuse it whole or pass it on with its length.
    """
    limit = article_body_bytes() if request.endpoint in ARTICLE_ENDPOINTS else FORM_BODY_BYTES
    request.max_content_length = limit
    request.max_form_memory_size = limit  # a pasted article is one big form field
    environ = request.environ
    if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            raise RequestEntityTooLarge()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated")
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # de-chunked now: its length is known


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error(status: int, title: str, message: str, **extra: str) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify(error=message, status=status, **extra), status
    page = render_template_string(
        _ERROR_PAGE, status=status, title=title, heading=title, message=message
    )
    return page, status


def _audionews_error(exc: AudionewsError) -> tuple[Response | str, int]:
    extra = {"field": exc.field} if isinstance(exc, FieldError) else {}
    return _error(exc.http_status, "Something is wrong", str(exc), **extra)


def _too_large(_exc: RequestEntityTooLarge) -> tuple[Response | str, int]:
    limit = request.max_content_length or FORM_BODY_BYTES
    return _error(
        413, "Too large", f"This request is larger than this address accepts ({limit // 1000} kB)."
    )


def _not_found(_exc: NotFound) -> tuple[Response | str, int]:
    return _error(404, "Not found", "There is nothing at this address.")
