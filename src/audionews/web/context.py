"""Per-app objects for views: the settings and the library that create_app attached."""

from __future__ import annotations

from flask import current_app

from audionews.config import Settings
from audionews.publish.library import Library

SETTINGS_KEY = "audionews.settings"
LIBRARY_KEY = "audionews.library"


def settings() -> Settings:
    """Return the settings of the running app."""
    value: Settings = current_app.extensions[SETTINGS_KEY]
    return value


def library() -> Library:
    """Return the episode library of the running app."""
    value: Library = current_app.extensions[LIBRARY_KEY]
    return value
