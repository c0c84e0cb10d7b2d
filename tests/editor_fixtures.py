"""The `desk` fixture: an app with one editor, jobs run at once in-process, the fake voice.

Use with `pytest_plugins = ["publish_fixtures", "editor_fixtures"]`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import audionews.worker
from audionews.config import Settings
from audionews.publish import accounts, jobs
from audionews.web import create_app
from editor_helpers import PASSWORD, Desk


@pytest.fixture
def desk(fresh: Settings, tmp_path: Path) -> Iterator[Desk]:
    """An app over an empty library with editor 'ana'; jobs run in-process at once."""
    settings = fresh.with_overrides(
        cache_dir=tmp_path / "own-clips", voices_dir=tmp_path / "voices"
    )
    accounts.add_editor(settings, "ana", PASSWORD)
    audionews.worker.huey_for(settings).immediate = True
    found = Desk(settings, create_app(settings))
    found.app.config["TESTING"] = True
    jobs.use_synthesizer(lambda: found.voice)
    yield found
    jobs.use_synthesizer(None)
