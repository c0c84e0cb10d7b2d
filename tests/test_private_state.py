"""Private state is the owner's only: instance_dir and the clip cache 0700, databases and the
secret key 0600, whoever makes them first (a publish, the server, the job queue, a build)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from audionews.config import Settings
from audionews.publish import accounts, jobs
from audionews.publish.library import Library
from audionews.web import create_app
from publish_helpers import make_settings, publish, short_article

pytest_plugins = ["publish_fixtures"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _folders_open_to_others(root: Path) -> list[str]:
    """Return the folders under `root` (itself included) that others may list or enter."""
    found = [root, *(p for p in root.rglob("*") if p.is_dir())]
    return sorted(f"{p} {_mode(p):o}" for p in found if _mode(p) & 0o077)


def _use_everything(settings: Settings) -> None:
    """Make every kind of private state: database, clips, pieces, staging, jobs, secret key."""
    publish(settings, short_article(), filename="bridge.txt")
    accounts.add_editor(settings, "ana", "correct horse battery")
    accounts.add_token(settings, "cms")
    jobs.huey_for(settings)
    create_app(settings)  # the editor blueprint makes the session's signing key


def test_new_private_state_is_the_owners_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which makes files 0644
    try:
        settings = make_settings(tmp_path, clips=tmp_path / "clips")
        _use_everything(settings)
    finally:
        os.umask(old_umask)
    instance = settings.instance_dir
    assert _mode(instance) == 0o700 and _mode(settings.clip_cache_dir) == 0o700
    for name in ("audionews.db", "audionews.db-wal", "audionews.db-shm", "jobs.db", "secret_key"):
        path = instance / name
        assert not path.exists() or _mode(path) == 0o600, f"{name} is {_mode(path):o}"
    assert (instance / "audionews.db").exists()
    assert not (instance / "secret_key").exists()  # the signing key is in the database
    for root in (instance, settings.clip_cache_dir):  # clips, pieces, staging, marks, digests
        assert _folders_open_to_others(root) == []
    # the public side stays readable by a web server
    assert _mode(settings.feed_dir / "feed.xml") == 0o644


def test_state_made_open_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.instance_dir.mkdir(mode=0o755)
    os.chmod(settings.instance_dir, 0o755)
    Library(settings)
    database = settings.instance_dir / "audionews.db"
    for path in (database, database.with_name("audionews.db-wal")):
        path.touch()
        os.chmod(path, 0o644)
    os.chmod(settings.instance_dir, 0o755)
    Library(settings)
    assert _mode(settings.instance_dir) == 0o700
    assert _mode(database) == 0o600 and _mode(database.with_name("audionews.db-wal")) == 0o600
