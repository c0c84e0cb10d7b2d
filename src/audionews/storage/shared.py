"""Values every web and worker machine must read alike, kept in the database (shared_values).

A machine's own files are seen by that machine only: a session cookie signed with one web
host's key would be refused by the next, a lexicon edited on one host would not be spoken by a
worker on another. So these live in the database every machine opens, by name:

    SECRET_KEY      the key that signs session cookies and CSRF tokens (web/auth.py)
    LEXICON         the pronunciation lexicon: its TOML lines (publish/pronunciations.py)
    FEEDS_RENDERED  which library state the feeds in the public store show (publish/feed.py)

Writes never race on a read value: `first` inserts once (the first machine wins, the others
read its value), `change` is a compare-and-set on the row's version, retried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from audionews.config import Settings
from audionews.storage import database
from audionews.storage.tables import SharedValue

SECRET_KEY = "secret_key"
LEXICON = "lexicon"
FEEDS_RENDERED = "feeds_rendered"

#: How often `change` reads again after another machine changed the value first; each retry
#: means a writer succeeded, so running out needs that many writers at once.
CHANGE_ATTEMPTS = 20


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def read(settings: Settings, name: str) -> bytes | None:
    """Return the value called `name`, or None if no machine has set it."""
    with database.session(settings) as s:
        return s.scalar(select(SharedValue.value).where(SharedValue.name == name))


def first(settings: Settings, name: str, make: Callable[[], bytes]) -> bytes:
    """Return the value called `name`, setting it to `make()` if it is not set yet.

    Two machines doing this at once both get the value of the one that inserted first.
    """
    found = read(settings, name)
    if found is not None:
        return found
    value = make()
    try:
        with database.session(settings) as s:
            s.add(SharedValue(name=name, value=value, version=1, updated=_now()))
    except IntegrityError:  # another machine made it meanwhile: theirs is the value
        found = read(settings, name)
        assert found is not None
        return found
    return value


def write(settings: Settings, name: str, value: bytes) -> None:
    """Set the value called `name`, whatever it was."""
    change(settings, name, lambda _old: value)


def change(settings: Settings, name: str, edit: Callable[[bytes | None], bytes]) -> bytes:
    """Set the value called `name` to `edit(current value or None)`; return the new value.

    `edit` may run more than once: when another machine changed the value between the read
    and the write, the write does nothing and `edit` runs again on that machine's value.
    """
    for _attempt in range(CHANGE_ATTEMPTS):
        with database.session(settings) as s:
            row = s.execute(
                select(SharedValue.value, SharedValue.version).where(SharedValue.name == name)
            ).one_or_none()
        if row is None:
            value = edit(None)
            try:
                with database.session(settings) as s:
                    s.add(SharedValue(name=name, value=value, version=1, updated=_now()))
            except IntegrityError:  # another machine inserted it first: edit theirs
                continue
            return value
        value = edit(row.value)
        with database.session(settings) as s:
            done = s.execute(
                update(SharedValue)
                .where(SharedValue.name == name, SharedValue.version == row.version)
                .values(value=value, version=row.version + 1, updated=_now())
            )
            if done.rowcount:  # type: ignore[attr-defined]
                return value
    raise RuntimeError(f"{name} kept changing under {CHANGE_ATTEMPTS} attempts to change it")
