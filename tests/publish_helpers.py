"""Helpers for the publish, feed and HTTP tests (fixtures are in publish_fixtures.py).

Builds are real (mastering and MP3 encoding), only synthesis is faked, so files, sizes and
durations are what a listener would get.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from audionews import pipeline
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.publish.library import EpisodeView, Library, PublishResult

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PUBLIC_URL = "https://podcasts.example.test"


def cli_environ(settings: Settings, **more: str) -> dict[str, str]:
    """Return the environment that points the CLI at `settings`' folders, plus `more`."""
    return {
        "AUDIONEWS_INSTANCE_DIR": str(settings.instance_dir),
        "AUDIONEWS_FEED_DIR": str(settings.feed_dir),
        "AUDIONEWS_CACHE_DIR": str(settings.clip_cache_dir),
        "DATABASE_URL": settings.database_url,
        "PUBLIC_URL": PUBLIC_URL,
        **more,
    }


#: A short article for fast revision tests; {extra} changes it into a new revision.
SHORT_ARTICLE = """CITY
Bridge reopens after repairs
The river crossing is open again after six weeks of work.

Traffic returned to the old bridge on Monday morning. Engineers replaced the deck joints.{extra}
"""


def short_article(extra: str = "") -> bytes:
    return SHORT_ARTICLE.format(extra=extra).encode("utf-8")


def make_settings(root: Path, clips: Path | None = None, database_url: str = "") -> Settings:
    """Return settings that keep everything under `root` (and clips in a shared cache), the
    database too unless `database_url` names one."""
    return Settings(
        database_url=database_url,
        instance_dir=root / "instance",
        feed_dir=root / "feed",
        cache_dir=clips,
        public_url=PUBLIC_URL,
        publication="Riverside Courier",
        feed_title="Riverside Courier Audio",
        owner_email="audio@riverside.example",
    )


def publish(settings: Settings, data: bytes, **kwargs: object) -> PublishResult:
    """Publish with the fake voice."""
    return pipeline.publish(data, settings, synthesizer=FakeSynthesizer(), **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Site:
    settings: Settings
    library: Library
    app: Flask
    episodes: list[EpisodeView]

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def path_of(self, url: str) -> str:
        """Return the site path of an absolute URL of this site."""
        assert url.startswith(PUBLIC_URL + "/"), url
        return url.removeprefix(PUBLIC_URL)
