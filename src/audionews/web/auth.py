"""Editor logins (Flask-Login), CSRF (Flask-WTF), session cookies, and API bearer tokens.

The session cookie is HttpOnly and SameSite=Lax always, and Secure whenever the public URL is
https (plain http is for localhost development only). The signing key lives in
<instance_dir>/secret_key, made on first use, readable by the owner only.
"""

from __future__ import annotations

import os
import secrets
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

from audionews.config import Settings, private_dir
from audionews.publish import accounts
from audionews.web import context

login_manager = LoginManager()
csrf = CSRFProtect()
_F = TypeVar("_F")
#: Where a blueprint's flag says it has initialised auth for this app.
_READY_KEY = "audionews.auth"


class EditorUser(UserMixin):
    """A logged-in editor; the id is the editor's name."""

    def __init__(self, name: str) -> None:
        self.id = name

    @property
    def name(self) -> str:
        return str(self.id)


@login_manager.user_loader
def _load_user(name: str) -> EditorUser | None:
    # a removed editor's session stops working at the next request
    return EditorUser(name) if accounts.editor_exists(context.settings(), name) else None


def secret_key(settings: Settings) -> str:
    """Return the app's signing key, creating instance/secret_key (mode 0600) the first time."""
    path: Path = settings.instance_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
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
        # a token lives as long as the session: an editor may spend hours on one correction
        WTF_CSRF_TIME_LIMIT=None,
    )
    login_manager.login_view = "editor.login"
    login_manager.login_message = "Log in to use the editor."
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
