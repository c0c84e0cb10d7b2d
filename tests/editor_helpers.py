"""Helpers for the editor and API tests (the `desk` fixture is in editor_fixtures.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient

from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings

PASSWORD = "correct horse battery"


@dataclass
class Desk:
    """An editor's desk: settings, app, and the voice every job speaks with."""

    settings: Settings
    app: Flask
    voice: FakeSynthesizer = field(default_factory=FakeSynthesizer)

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def login(self, name: str = "ana", password: str = PASSWORD) -> FlaskClient:
        client = self.client()
        response = post_form(client, "/editor/login", {"name": name, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client


def csrf_of(client: FlaskClient, page: str) -> str:
    """Return the CSRF token of a page's first form."""
    html = client.get(page).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {page}"
    return found.group(1)


def post_form(
    client: FlaskClient, page: str, data: dict[str, object], action: str | None = None
) -> object:
    """Post `data` to `action` (default: `page`) with the CSRF token `page` gave."""
    return client.post(action or page, data={"csrf_token": csrf_of(client, page), **data})
