"""Editor logins (Flask-Login), CSRF (Flask-WTF), session cookies, and API bearer tokens.

The session cookie is HttpOnly and SameSite=Lax always, and Secure whenever the public URL is
https (plain http is for localhost development only). It names a server-side session
(accounts.open_session) that logging out, a new password or removing the editor deletes, and
that ends after `session_hours`, like the cookie's signature and its CSRF token. Logging in
starts a new cookie session (new CSRF token). The signing key lives in the database
(storage/shared.py), so every web machine signs and checks cookies with the same one: made on
first use, or taken once from an older version's <instance_dir>/secret_key.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from audionews.config import Settings
from audionews.errors import ConfigError
from audionews.publish import accounts
from audionews.storage import shared
from audionews.web import context

login_manager = LoginManager()
csrf = CSRFProtect()
_F = TypeVar("_F")
#: Where a blueprint's flag says it has initialised auth for this app.
_READY_KEY = "audionews.auth"
#: Blueprints whose pages depend on who is logged in; every other response is the same for
#: every visitor.
SESSION_BLUEPRINTS = frozenset({"editor"})


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, left out of public responses.

    Flask-Login looks at the session after every request, so Flask marks every response as
    varying by cookie and refreshes a logged-in editor's cookie on it: a CDN or a shared cache
    would then keep a copy of the feed per visitor, or none at all. Feeds, audio, pages and the
    API are the same whoever asks; only the editor's pages carry and refresh the session.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.blueprint in SESSION_BLUEPRINTS or session.modified:
            super().save_session(app, session, response)


class EditorUser(UserMixin):
    """A logged-in editor. Flask-Login keeps `get_id()` in the session cookie: here that is the
    id of a server-side session (accounts.open_session), never the name, so ending the session
    in the database logs the cookie out wherever it is."""

    def __init__(self, name: str, session_id: str) -> None:
        self.name = name
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id


@login_manager.user_loader
def _load_user(session_id: str) -> EditorUser | None:
    # a session that was closed (logout, new password, editor removed) or expired is no login
    name = accounts.session_editor(context.settings(), session_id)
    return EditorUser(name, session_id) if name is not None else None


def log_in(name: str) -> None:
    """Log editor `name` in on a new session: a fresh cookie session, so a new CSRF token too
    (whatever a visitor's cookie held before login, including a planted session, is dropped)."""
    session.clear()
    session.permanent = True  # the cookie ends with the server-side session, not before
    login_user(EditorUser(name, accounts.open_session(context.settings(), name)))


def log_out() -> None:
    """End the current editor's session on the server and forget the cookie's contents."""
    user = current_user
    if user.is_authenticated:
        accounts.close_session(context.settings(), user.session_id)
    logout_user()
    session.clear()


#: Shortest signing key accepted (we make 64 hex digits).
MIN_SECRET_CHARS = 32
#: Where versions before the shared key kept it; read once, when the database has none yet.
SECRET_KEY_FILE = "secret_key"


def secret_key(settings: Settings) -> str:
    """Return the app's signing key, the same on every machine of the database.

    The first machine to ask makes it (or takes it from an older version's
    instance/secret_key, so editors stay logged in across the upgrade); when several ask at
    once, the first insert wins and all use that key. A key file that is empty or too short
    is refused (ConfigError) rather than imported: an empty key would sign nothing.
    """
    path = settings.instance_dir / SECRET_KEY_FILE

    def make() -> bytes:
        try:
            return _read_secret(path).encode("ascii")
        except FileNotFoundError:
            return secrets.token_hex(32).encode("ascii")

    key = shared.first(settings, shared.SECRET_KEY, make).decode("ascii", errors="replace")
    if len(key) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"the database's signing key (row 'secret_key' of shared_values) is shorter than "
            f"{MIN_SECRET_CHARS} characters: delete that row and start again to make a new "
            "one (editors then log in again)"
        )
    return key


def _read_secret(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        key = ""
    if len(key) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"{path} holds no usable key (empty or shorter than {MIN_SECRET_CHARS} characters, "
            "perhaps from a crash while it was written): delete it and start again to make a "
            "new one (editors then log in again)"
        )
    return key


def init_app(app: Flask) -> None:
    """Set up sessions, logins and CSRF on `app` once (the editor blueprints call this)."""
    if app.extensions.get(_READY_KEY):
        return
    settings: Settings = app.extensions[context.SETTINGS_KEY]
    secure = urlsplit(settings.public_url).scheme == "https"
    if not app.secret_key:
        app.secret_key = secret_key(settings)
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # checked by the editor blueprint on every unsafe request, not app-wide: the token API
        # carries no cookies and the public pages have no forms
        WTF_CSRF_CHECK_DEFAULT=False,
        # a session and its CSRF token last `session_hours` (an editor may spend hours on one
        # correction); the signed cookie itself is refused after that too
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_TIME_LIMIT=int(settings.session_hours * 3600),
    )
    login_manager.login_view = "editor.login"
    login_manager.login_message = "Log in to use the editor."
    app.session_interface = _SessionInterface()
    login_manager.init_app(app)
    csrf.init_app(app)
    app.extensions[_READY_KEY] = True


def bearer_token() -> str:
    """Return the token of an 'Authorization: Bearer ...' header, or ''."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def unauthorized_json(message: str) -> tuple[Response, int]:
    response = jsonify(error=message, status=401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="audionews"'
    return response, 401


def token_required(view: _F) -> _F:
    """Refuse a JSON API call (401) unless it carries a valid token; pass the token's name."""
    func = cast(Any, view)

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        if not token:
            return unauthorized_json("send 'Authorization: Bearer <token>' (audionews tokens add)")
        owner = accounts.token_owner(context.settings(), token)
        if owner is None:
            return unauthorized_json("this token is unknown or was revoked")
        return func(*args, client=owner, **kwargs)

    return cast(_F, wrapper)
