"""Editor accounts and sessions, API tokens and the login throttle, in the library database.

Passwords are hashed with scrypt (werkzeug's generate_password_hash); tokens and session ids are
random, and stored as SHA-256 (they are already high-entropy, so a fast hash is enough and lets
us look them up). A session lasts `session_hours`; logging out ends it, and a new password or
removing the editor ends all of theirs.

The login throttle slows guessing down without locking the right password out. Every password
check is counted, before it is made, against the account and against the client's address
(LOGIN_FREE_PER_ACCOUNT and LOGIN_FREE_PER_ADDRESS checks go ahead at once); past those, each
further check on that key must wait twice as long as the last (LOGIN_FIRST_DELAY_S, doubling,
at most LOGIN_MAX_DELAY_S), and an attempt that comes too early is refused without a check and
without being counted. A right password clears its account's count and takes back its own
count from the address; counts are forgotten LOGIN_WINDOW_S after a key's last attempt.

Counting happens in the database, so every server thread and process (and machine) shares it, and
each reservation is one compare-and-set UPDATE: parallel attempts cannot all read the same
count and go ahead. Flask-Limiter was measured for this and does not fit: its storages are
memory (one per worker), Redis, Memcached or MongoDB, none the SQLite database we run on by
default; it counts a failure only after the response (30 parallel wrong passwords were all
checked), and past its limit it refuses the right password too.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from audionews.config import Settings
from audionews.errors import InputError, NotFoundError
from audionews.storage import database, tables

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
#: Password checks that go ahead at once, per account and per client address (the address
#: allows more: editors behind one proxy share it, and its counts are not cleared by a login).
LOGIN_FREE_PER_ACCOUNT = 5
LOGIN_FREE_PER_ADDRESS = 20
#: The wait before the next check once the free ones are used; it doubles with each further one.
LOGIN_FIRST_DELAY_S = 1.0
LOGIN_MAX_DELAY_S = 60.0
#: A key's count is forgotten this long after its last attempt.
LOGIN_WINDOW_S = 15 * 60.0
#: Compare-and-set rounds before a reservation gives up (each one lost means another attempt
#: was counted meanwhile).
_RESERVE_ROUNDS = 100
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
    with database.session(settings) as s:
        row = s.scalar(select(tables.Editor).where(tables.Editor.name == name))
        if row is None:
            row = tables.Editor(name=name, password_hash=hashed, created=_now())
            s.add(row)
        else:
            row.password_hash = hashed
            # a new password ends every session opened with the old one
            s.execute(delete(tables.EditorSession).where(tables.EditorSession.editor == name))
        return AccountView(row.name, row.created.replace(tzinfo=UTC))


def list_editors(settings: Settings) -> list[AccountView]:
    """Return the editors by name."""
    with database.session(settings) as s:
        rows = s.scalars(select(tables.Editor).order_by(tables.Editor.name))
        return [AccountView(r.name, r.created.replace(tzinfo=UTC)) for r in rows]


def remove_editor(settings: Settings, name: str) -> None:
    """Delete an editor; their past revisions keep their name."""
    with database.session(settings) as s:
        if not s.execute(delete(tables.Editor).where(tables.Editor.name == name)).rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"no editor {name!r}: see `audionews editors list`")
        s.execute(delete(tables.EditorSession).where(tables.EditorSession.editor == name))


def editor_exists(settings: Settings, name: str) -> bool:
    with database.session(settings) as s:
        return s.scalar(select(tables.Editor.id).where(tables.Editor.name == name)) is not None


def check_password(settings: Settings, name: str, password: str) -> bool:
    """Return True when `password` is the editor's password."""
    hashed = None
    if _NAME.fullmatch(name):  # no query for names no editor can have (NUL, megabytes of text)
        with database.session(settings) as s:
            hashed = s.scalar(select(tables.Editor.password_hash).where(tables.Editor.name == name))
    ok = check_password_hash(hashed or _dummy_hash(), password)
    return ok and hashed is not None


# --------------------------------------------------------------------------- sessions


def open_session(settings: Settings, name: str, now: float | None = None) -> str:
    """Start a session for editor `name` and return its id (for the session cookie)."""
    now = time.time() if now is None else now
    session_id = secrets.token_urlsafe(32)
    with database.session(settings) as s:
        s.execute(delete(tables.EditorSession).where(tables.EditorSession.expires <= now))
        s.add(
            tables.EditorSession(
                id_hash=_digest(session_id),
                editor=name,
                created=now,
                expires=now + settings.session_hours * 3600,
            )
        )
    return session_id


def session_editor(settings: Settings, session_id: str, now: float | None = None) -> str | None:
    """Return the editor of a live session, or None when it ended, expired or is unknown."""
    now = time.time() if now is None else now
    with database.session(settings) as s:
        return s.scalar(
            select(tables.Editor.name)
            .join(tables.EditorSession, tables.EditorSession.editor == tables.Editor.name)
            .where(
                tables.EditorSession.id_hash == _digest(session_id),
                tables.EditorSession.expires > now,
            )
        )


def close_session(settings: Settings, session_id: str) -> None:
    """End one session (logout): its cookie stops working at once."""
    with database.session(settings) as s:
        s.execute(
            delete(tables.EditorSession).where(tables.EditorSession.id_hash == _digest(session_id))
        )


# --------------------------------------------------------------------------- login throttle


def _login_keys(name: str, address: str) -> tuple[tuple[str, int], ...]:
    """Return the throttle keys of a login attempt with their free checks."""
    # names no editor can have share one key: guessing them can never succeed anyway
    account = name if _NAME.fullmatch(name) else "(not a valid name)"
    return (
        (f"account:{account}", LOGIN_FREE_PER_ACCOUNT),
        (f"address:{address[:150]}", LOGIN_FREE_PER_ADDRESS),
    )


def _delay(failures: int, free: int) -> float:
    """Return the wait after the `failures`-th counted check of a key with `free` free ones."""
    if failures < free:
        return 0.0
    return min(LOGIN_FIRST_DELAY_S * 2 ** min(failures - free, 32), LOGIN_MAX_DELAY_S)


def _reserve(settings: Settings, key: str, free: int, now: float) -> float:
    """Count one check against `key` and return 0.0, or return the seconds left to wait.

    A refusal only reads, so a flood of early attempts costs the database no writes.
    """
    table = tables.LoginThrottle
    for _ in range(_RESERVE_ROUNDS):
        try:
            with database.session(settings) as s:
                row = s.get(table, key)
                if row is None:
                    # a new key: forget the keys nobody tried for a while, so they do not pile up
                    s.execute(delete(table).where(table.last < now - LOGIN_WINDOW_S))
                    s.add(table(key=key, failures=1, last=now, next_allowed=now + _delay(1, free)))
                    return 0.0  # the commit fails (IntegrityError) if another made it first
                failures = row.failures if row.last > now - LOGIN_WINDOW_S else 0
                if failures >= free and row.next_allowed > now:
                    return row.next_allowed - now
                changed = s.execute(
                    update(table)
                    .where(table.key == key, table.version == row.version)
                    .values(
                        failures=failures + 1,
                        last=now,
                        next_allowed=now + _delay(failures + 1, free),
                        version=row.version + 1,
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if changed:
                    return 0.0
        except IntegrityError:
            pass
    return LOGIN_FIRST_DELAY_S  # so many attempts at once that it is too busy to count: wait


def _uncount(settings: Settings, key: str, *, clear: bool = False) -> None:
    """Take back one counted check of `key` (or, with `clear`, all of them)."""
    table = tables.LoginThrottle
    values: dict[str, Any] = {"version": table.version + 1}
    values.update(
        {"failures": 0, "next_allowed": 0.0} if clear else {"failures": table.failures - 1}
    )
    with database.session(settings) as s:
        s.execute(
            update(table)
            .where(table.key == key, table.failures > 0)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def begin_login(settings: Settings, name: str, address: str, now: float | None = None) -> float:
    """Reserve a password check for `name` from `address`.

    Return 0.0 when the check may go ahead (it counts as failed until `finish_login` says it
    was right, so a crash in between counts too), else the seconds to wait before trying again.
    """
    now = time.time() if now is None else now
    reserved: list[str] = []
    for key, free in _login_keys(name, address):
        wait = _reserve(settings, key, free, now)
        if wait > 0:
            for done in reserved:  # refused without a check: nothing to count
                _uncount(settings, done)
            return wait
        reserved.append(key)
    return 0.0


def finish_login(settings: Settings, name: str, address: str, ok: bool) -> None:
    """After a reserved check: a right password clears the account's count and takes back its
    own count from the address (other guesses from there still count); a wrong one stays."""
    if not ok:
        return
    (account, _), (client, _) = _login_keys(name, address)
    _uncount(settings, account, clear=True)
    _uncount(settings, client)


# --------------------------------------------------------------------------- API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(settings: Settings, name: str) -> str:
    """Create a token for a content system and return it (the only time it is shown)."""
    name = _check_name(name, "token")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with database.session(settings) as s:
        if s.scalar(select(tables.ApiToken.id).where(tables.ApiToken.name == name)) is not None:
            raise InputError(f"a token named {name!r} exists: revoke it first or pick a name")
        s.add(tables.ApiToken(name=name, token_hash=_digest(token), created=_now()))
    return token


def list_tokens(settings: Settings) -> list[AccountView]:
    """Return the tokens' names (never the tokens), by name."""
    with database.session(settings) as s:
        rows = s.scalars(select(tables.ApiToken).order_by(tables.ApiToken.name))
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
    with database.session(settings) as s:
        if not s.execute(delete(tables.ApiToken).where(tables.ApiToken.name == name)).rowcount:  # type: ignore[attr-defined]
            raise NotFoundError(f"no token {name!r}: see `audionews tokens list`")


def token_owner(settings: Settings, token: str) -> str | None:
    """Return the name of the token, or None when it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with database.session(settings) as s:
        row = s.scalar(select(tables.ApiToken).where(tables.ApiToken.token_hash == _digest(token)))
        if row is None:
            return None
        row.last_used = _now()
        return row.name
