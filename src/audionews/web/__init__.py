"""The Flask app: feeds and audio, the player pages, the editor and the API.

`create_app` is the one wiring point (as in Flask's tutorial): it loads settings, opens the
library, registers the blueprints and turns AudionewsError into a 4xx page or JSON answer.
Blueprints: feeds (feeds, cover, episode files), api (JSON, /healthz), and, when present,
player (pages; issue 5) and editor (issue 6). Until the player exists, `home` serves a minimal
list of episodes so the feed's links lead somewhere.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, Response, jsonify, render_template_string, request
from markupsafe import Markup
from werkzeug.exceptions import NotFound
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
    ("audionews.web.editor", "editor"),
    ("audionews.web.editor_api", "bp"),
)

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

    app.register_error_handler(AudionewsError, _audionews_error)
    app.register_error_handler(NotFound, _not_found)
    return app


def _shown(value: Any) -> Any:
    """Return a template value without unpaired bidi controls (an open U+202E would show the
    rest of the page's line reversed); markup stays markup."""
    if isinstance(value, Markup):
        return Markup(neutral_bidi(str(value)))
    return neutral_bidi(value) if isinstance(value, str) else value


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


def _not_found(_exc: NotFound) -> tuple[Response | str, int]:
    return _error(404, "Not found", "There is nothing at this address.")
