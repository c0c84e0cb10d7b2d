"""Fixtures for the publish, feed and HTTP tests: a small library built with the fake voice.

Use with `pytest_plugins = ["publish_fixtures"]` in the test module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audionews.config import Settings
from audionews.publish.library import Library
from audionews.web import create_app
from publish_helpers import SAMPLES, Site, make_settings, publish


@pytest.fixture(scope="session")
def shared_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_clips: Path) -> Iterator[Site]:
    """A library with the three bundled samples published, and an app serving it."""
    settings = make_settings(tmp_path_factory.mktemp("site"), shared_clips)
    for sample in sorted(SAMPLES.iterdir()):
        publish(settings, sample.read_bytes(), filename=sample.name)
    library = Library(settings)
    yield Site(settings, library, create_app(settings), library.list_episodes())


@pytest.fixture
def fresh(tmp_path: Path, shared_clips: Path) -> Settings:
    """Settings for an empty library of one test.

    A module whose tests should run on each database overrides it with `fresh_on_each`:
    `fresh = publish_fixtures.fresh_on_each`.
    """
    return make_settings(tmp_path, shared_clips)


@pytest.fixture
def fresh_on_each(tmp_path: Path, shared_clips: Path, database_url: str) -> Settings:
    """Settings for an empty library of one test, on SQLite and then on PostgreSQL."""
    return make_settings(tmp_path, shared_clips, database_url)
