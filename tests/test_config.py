"""Settings: defaults, then instance/config.toml, then AUDIONEWS_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from audionews.config import Settings, load_settings
from audionews.errors import ConfigError


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert settings == Settings()
    assert settings.clip_cache_dir == Path("instance") / "clips"


def test_file_then_environment_override(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'publication = "Riverside Courier"\nbitrate_kbps = 96\nvoices = {en = "x"}\n',
        encoding="utf-8",
    )
    settings = load_settings(
        config, environ={"AUDIONEWS_BITRATE_KBPS": "128", "PUBLIC_URL": "https://a.example"}
    )
    assert settings.publication == "Riverside Courier"
    assert settings.bitrate_kbps == 128
    assert settings.voices == {"en": "x"}
    assert settings.public_url == "https://a.example"


def test_environment_dict_setting_is_toml_inline_table(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path / "none.toml", environ={"AUDIONEWS_ANNOUNCEMENTS": '{closing = "Bye."}'}
    )
    assert settings.announcements == {"closing": "Bye."}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bitrate_kbps = 'fast'", "bitrate_kbps"),
        ("colour = 'blue'", "unknown setting"),
        ("notices_position = 'middle'", "notices_position"),
        ("this is not toml", "not valid TOML"),
        ("embed_origins = ['https://news.example/articles']", "embed_origins entry"),
        ("embed_origins = ['news.example']", "embed_origins entry"),
        ('embed_origins = ["https://a.example; script-src *"]', "embed_origins entry"),
        ("embed_origins = [1]", "embed_origins"),
        ("revision_grace_minutes = -1", "revision_grace_minutes"),
        ("revision_grace_minutes = inf", "revision_grace_minutes"),
        ("revision_grace_minutes = nan", "revision_grace_minutes"),
    ],
)
def test_bad_settings_say_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_instance_dir_variable_locates_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('feed_title = "Evening"\n', encoding="utf-8")
    settings = load_settings(environ={"AUDIONEWS_INSTANCE_DIR": str(tmp_path)})
    assert settings.feed_title == "Evening"
    assert settings.instance_dir == tmp_path


def test_embed_origins_from_file_and_environment(tmp_path: Path) -> None:
    assert Settings().embed_origins == ("*",)
    config = tmp_path / "config.toml"
    config.write_text(
        "embed_origins = ['https://News.example/', \"'self'\", 'https://*.news.example:*']\n",
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    assert settings.embed_origins == ("https://news.example", "'self'", "https://*.news.example:*")
    env = {"AUDIONEWS_EMBED_ORIGINS": "https://a.example, http://[::1]:8080"}
    settings = load_settings(config, environ=env)
    assert settings.embed_origins == ("https://a.example", "http://[::1]:8080")
    # An environment variable cannot be empty to mean "none": CSP's own word says it.
    none = load_settings(config, environ={"AUDIONEWS_EMBED_ORIGINS": "'none'"})
    assert none.embed_origins == ()
