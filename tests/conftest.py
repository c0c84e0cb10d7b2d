"""Shared fixtures: `settings` (private dirs under tmp_path), `fake_synth` (instant voice),
`fake_piper` (the fake voice wherever the pipeline would make a Piper one), and the databases:
`postgres` (a real server for the session) and `database_url` (each test on SQLite, then on a
new PostgreSQL database)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audionews.audio.fake import FakeSynthesizer
from audionews.audio.voices import Voice
from audionews.config import Settings
from postgres import TEMPLATE, PostgresServer, binaries

#: The databases a test taking `database_url` runs on: "" is the default SQLite file.
DATABASES = [
    pytest.param("", id="sqlite"),
    pytest.param("postgres", marks=pytest.mark.postgres, id="postgres"),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return default settings with instance/, feed/ and voices/ inside tmp_path."""
    return Settings(
        instance_dir=tmp_path / "instance",
        feed_dir=tmp_path / "feed",
        voices_dir=tmp_path / "voices",
    )


@pytest.fixture
def fake_synth() -> FakeSynthesizer:
    """Return a deterministic synthesizer that makes a soft tone per sentence, instantly."""
    return FakeSynthesizer()


@pytest.fixture
def fake_piper(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the pipeline use the fake voice where it would use Piper; return the names of the
    voices it starts loading ahead (a build that expects to synthesize loads one first thing)."""
    from audionews.audio import synth

    loaded: list[str] = []

    def start_loading(voice: Voice, threads: int, models_dir: object = None) -> threading.Thread:
        loaded.append(voice.name)
        thread = threading.Thread(target=threading.Event().wait, args=(0.05,))
        thread.start()
        return thread

    monkeypatch.setattr(synth, "piper_synthesizer", lambda *_a: FakeSynthesizer())
    monkeypatch.setattr(synth, "start_loading", start_loading)
    return loaded


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """Start a PostgreSQL server for the session, with a template database at the head."""
    from audionews.config import Settings
    from audionews.storage import database

    bin_dir = binaries()
    if bin_dir is None:
        missing = (
            "PostgreSQL is not installed: `make test` installs it (apt-get install postgresql)"
        )
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    server = PostgresServer(bin_dir)
    server.start()
    try:
        server.execute(f'CREATE DATABASE "{TEMPLATE}"')
        template = Settings(database_url=server.url(TEMPLATE))
        database.upgrade(template)
        database.forget_engines(template.sqlalchemy_url)  # a template must have no connections
        yield server
    finally:
        database.forget_engines()
        server.stop()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Return "" (SQLite in the instance folder), then the URL of a new PostgreSQL database."""
    if not request.param:
        yield ""
        return
    from audionews.storage import database

    url = request.getfixturevalue("postgres").new_database(TEMPLATE)
    yield url
    database.forget_engines(url)  # its pooled connections end with the test
