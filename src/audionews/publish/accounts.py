"""Editor accounts, API tokens and the login rate limit, stored in the library database.

Passwords are hashed with scrypt (werkzeug's generate_password_hash); tokens are random, shown
once, and stored as SHA-256 (a token is already high-entropy, so a fast hash is enough and lets
us look it up). Failed logins are counted per client over a window: after LOGIN_MAX_FAILURES
within LOGIN_WINDOW_S the client must wait.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from audionews.config import Settings
from audionews.errors import InputError, NotFoundError
from audionews.publish import store

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_S = 15 * 60.0
TOKEN_PREFIX = "an_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


@dataclass(frozen=True)
class AccountView:
    name: str
    created: datetime
    last_used: datetime | None = None


@cache
def _dummy_hash() -> str:
    """Return the hash checked when the name is unknown, so a wrong name costs as long as a
    wrong password (made on first use: scrypt takes a while, and most commands never log in)."""
    return generate_password_hash("not a password", method=PASSWORD_METHOD)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _check_name(name: str, what: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(
            f"{what} name {name!r} is not valid: use letters, digits and . _ @ - (at most 100)"
        )
    return name


# --------------------------------------------------------------------------- editors


def add_editor(settings: Settings, name: str, password: str) -> AccountView:
    """Create an editor, or set a new password for an existing one."""
    name = _check_name(name, "editor")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    hashed = generate_password_hash(password, method=PASSWORD_METHOD)
    with store.session(settings) as s:
        row = s.scalar(select(store.Editor).where(store.Editor.name == name))
        if row is None:
            row = store.Editor(name=name, password_hash=hashed, created=_now())
            s.add(row)
        else:
            row.password_hash = hashed
        return AccountView(row.name, row.created.replace(tzinfo=UTC))


def list_editors(settings: Settings) -> list[AccountView]:
    """Return the editors by name."""
    with store.session(settings) as s:
        rows = s.scalars(select(store.Editor).order_by(store.Editor.name))
        return [AccountView(r.name, r.created.replace(tzinfo=UTC)) for r in rows]


def remove_editor(settings: Settings, name: str) -> None:
    """Delete an editor; their past revisions keep their name."""
    with store.session(settings) as s:
        if not s.execute(delete(store.Editor).where(store.Editor.name == name)).rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"no editor {name!r}: see `audionews editors list`")


def editor_exists(settings: Settings, name: str) -> bool:
    with store.session(settings) as s:
        return s.scalar(select(store.Editor.id).where(store.Editor.name == name)) is not None


def check_password(settings: Settings, name: str, password: str) -> bool:
    """Return True when `password` is the editor's password."""
    with store.session(settings) as s:
        hashed = s.scalar(select(store.Editor.password_hash).where(store.Editor.name == name))
    ok = check_password_hash(hashed or _dummy_hash(), password)
    return ok and hashed is not None


# --------------------------------------------------------------------------- login rate limit


def login_blocked(settings: Settings, client: str, now: float | None = None) -> bool:
    """Return True when `client` failed to log in too often lately."""
    since = (now or time.time()) - LOGIN_WINDOW_S
    with store.session(settings) as s:
        count = s.scalar(
            select(func.count(store.LoginAttempt.id)).where(
                store.LoginAttempt.client == client, store.LoginAttempt.at > since
            )
        )
    return (count or 0) >= LOGIN_MAX_FAILURES


def record_login(settings: Settings, client: str, ok: bool, now: float | None = None) -> None:
    """Count a failed login for `client`; a success clears its count."""
    now = now or time.time()
    with store.session(settings) as s:
        if ok:
            s.execute(delete(store.LoginAttempt).where(store.LoginAttempt.client == client))
        else:
            s.add(store.LoginAttempt(client=client, at=now))
            s.execute(delete(store.LoginAttempt).where(store.LoginAttempt.at < now - 86400))


# --------------------------------------------------------------------------- API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(settings: Settings, name: str) -> str:
    """Create a token for a content system and return it (the only time it is shown)."""
    name = _check_name(name, "token")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.session(settings) as s:
        if s.scalar(select(store.ApiToken.id).where(store.ApiToken.name == name)) is not None:
            raise InputError(f"a token named {name!r} exists: revoke it first or pick a name")
        s.add(store.ApiToken(name=name, token_hash=_digest(token), created=_now()))
    return token


def list_tokens(settings: Settings) -> list[AccountView]:
    """Return the tokens' names (never the tokens), by name."""
    with store.session(settings) as s:
        rows = s.scalars(select(store.ApiToken).order_by(store.ApiToken.name))
        return [
            AccountView(
                r.name,
                r.created.replace(tzinfo=UTC),
                r.last_used.replace(tzinfo=UTC) if r.last_used else None,
            )
            for r in rows
        ]


def revoke_token(settings: Settings, name: str) -> None:
    """Delete a token: requests carrying it are refused from now on."""
    with store.session(settings) as s:
        if not s.execute(delete(store.ApiToken).where(store.ApiToken.name == name)).rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"no token {name!r}: see `audionews tokens list`")


def token_owner(settings: Settings, token: str) -> str | None:
    """Return the name of the token, or None when it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with store.session(settings) as s:
        row = s.scalar(select(store.ApiToken).where(store.ApiToken.token_hash == _digest(token)))
        if row is None:
            return None
        row.last_used = _now()
        return row.name
