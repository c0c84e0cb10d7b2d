"""Typed settings: defaults, then instance/config.toml, then AUDIONEWS_* environment variables.

Every setting is a field of `Settings` with its default as a named value and its help text in
the field's metadata; the README documents each one (a test checks that). A few settings also
read the conventional unprefixed variable (DATABASE_URL, PUBLIC_URL, REDIS_URL).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tomllib
import types
import typing
import uuid
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from audionews.errors import ConfigError

#: Where private state lives (database, clip cache, secrets). Never served.
DEFAULT_INSTANCE_DIR = Path("instance")
#: Public output: feed.xml, episodes/<slug>/..., cover art. Safe to sync to a CDN.
DEFAULT_FEED_DIR = Path("feed")
#: Minutes an earlier revision's files stay public after a newer revision replaces it: a podcast
#: app that read the feed just before (feeds are cached for 5 minutes) may still be downloading.
DEFAULT_REVISION_GRACE_MINUTES = 30.0
#: A year: longer is no grace period but a mistake (and would overflow date arithmetic).
MAX_REVISION_GRACE_MINUTES = 365 * 24 * 60.0
#: User-added Piper voices (*.onnx + *.onnx.json), and the lexicon an empty database takes in.
DEFAULT_VOICES_DIR = Path("voices")
#: A reserved address (RFC 2606) that receives nothing: fine for the demo, `feed`/`serve` warn.
DEFAULT_OWNER_EMAIL = "podcasts@example.org"
#: Sites that may frame /embed/<slug> (CSP frame-ancestors). Any: the episodes are public (the
#: feed and the audio already are), the embed has nothing to click but playback, so framing
#: cannot trick a listener into an action (clickjacking), and oEmbed exists so that any CMS, a
#: partner's or a syndicating site's, can show the player without asking first.
DEFAULT_EMBED_ORIGINS: tuple[str, ...] = ("*",)
#: One source of a frame-ancestors list: "*", 'self', or scheme://host[:port], where the host
#: may start with "*." (any subdomain) and the port may be "*"; a trailing "/" is allowed.
#: Attempts to deliver one webhook event (the first and its retries) before it is logged failed.
DEFAULT_WEBHOOK_MAX_ATTEMPTS = 8
#: Seconds before a webhook's first retry; each later retry waits twice as long as the one
#: before (with 8 attempts: 30 s, 1 min, 2 min, ... 32 min, about an hour in all).
DEFAULT_WEBHOOK_RETRY_DELAY_S = 30.0
_EMBED_ORIGIN = re.compile(
    r"\*|'self'|https?://(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:(\d{1,5}|\*))?/?"
)


def _setting(default: Any, help: str, env: tuple[str, ...] = ()) -> Any:
    metadata = {"help": help, "env": env}
    if isinstance(default, dict):  # mutable: each Settings gets its own copy
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """All settings. Change them in instance/config.toml or with AUDIONEWS_<NAME> variables."""

    instance_dir: Path = _setting(
        DEFAULT_INSTANCE_DIR, "Private state: database, clip cache, secrets (never served)."
    )
    feed_dir: Path = _setting(
        DEFAULT_FEED_DIR, "Public files: feed.xml, episodes/<slug>/..., cover art."
    )
    voices_dir: Path = _setting(
        DEFAULT_VOICES_DIR,
        "Extra Piper voices (*.onnx + *.onnx.json); a lexicon.toml is imported once.",
    )
    cache_dir: Path | None = _setting(None, "Clip cache directory; default <instance_dir>/clips.")
    publication: str = _setting("audionews", "Publication name: ID3 artist, feed author.")
    feed_title: str = _setting("audionews", "Podcast feed title (ID3 album).")
    narrator: str = _setting(
        "",
        "Speaker named in the transcripts (WebVTT voice tags, JSON transcript); podcast apps "
        "show it as the person speaking. Default: the publication name.",
    )
    feed_description: str = _setting("News articles read aloud.", "Podcast feed description.")
    owner_email: str = _setting(
        DEFAULT_OWNER_EMAIL,
        "itunes:email and podcast:locked owner: where Apple and Podcast Index hosts send the "
        "mail that proves you own the feed; the default is a placeholder that receives nothing.",
    )
    feed_subcategory: str = _setting(
        "Daily News", "Apple Podcasts subcategory under News, e.g. 'Daily News', 'Politics'."
    )
    feed_copyright: str = _setting("", "Feed copyright line; default '© <publication>'.")
    feed_cover: str = _setting(
        "", "Square RGB PNG/JPEG cover (1400-3000 px); default: generated from publication."
    )
    feed_explicit: bool = _setting(False, "itunes:explicit of the feed and its episodes.")
    feed_locked: bool = _setting(True, "podcast:locked: refuse moves of the feed to other hosts.")
    podcast_guid: str = _setting(
        "",
        "podcast:guid of the main feed (a UUID), e.g. the one it had at its old host; default: "
        "assigned once from the first public URL and kept in the database.",
    )
    proxy_hops: int = _setting(
        0, "Reverse proxies in front of the server whose X-Forwarded-* headers are trusted."
    )
    session_hours: float = _setting(
        12.0,
        "Hours an editor stays logged in; logging out, a new password or removing the editor "
        "ends their sessions at once.",
    )
    default_language: str = _setting(
        "en", "Language assumed when detection is unsure (ISO 639-1 code)."
    )
    voices: dict[str, str] = _setting(
        {}, 'Voice per language, e.g. {en = "en_US-joe-medium"}; default: the bundled voice.'
    )
    notices_position: str = _setting(
        "start", "Where notices are read: 'start' (right after the headline) or 'end'."
    )
    announcements: dict[str, str] = _setting(
        {}, "Overrides of spoken announcement wording, keyed as in speech/plan.py's table."
    )
    bitrate_kbps: int = _setting(64, "MP3 constant bit rate in kbit/s.")
    loudness_lufs: float = _setting(-19.0, "Integrated loudness target (mono), LUFS.")
    true_peak_dbtp: float = _setting(-1.5, "True-peak ceiling, dBTP.")
    synthesis_threads: int = _setting(2, "CPU threads for the Piper voice.")
    tts_engine: str = _setting(
        "piper",
        "Speech engine: 'piper' (the voices in voices_dir and the bundled one), 'fake' (a "
        "tone as long as the text: tests and demos without a model), or the module path of "
        "another engine (see audio/engines.py).",
    )
    revision_grace_minutes: float = _setting(
        DEFAULT_REVISION_GRACE_MINUTES,
        "Minutes an earlier revision's audio and transcripts stay public after a newer revision "
        "replaces it (for podcast apps mid-download); then they move to private history (0: at "
        "once).",
    )
    database_url: str = _setting(
        "", "SQLAlchemy URL; default sqlite:///<instance_dir>/audionews.db.", ("DATABASE_URL",)
    )
    public_url: str = _setting(
        "http://127.0.0.1:8000",
        "Base of absolute URLs in feeds and pages; unset, `audionews serve` uses its address.",
        ("PUBLIC_URL",),
    )
    redis_url: str = _setting("", "Redis URL for background jobs; default SQLite.", ("REDIS_URL",))
    public_store: str = _setting(
        "",
        "Where the public files go: empty for feed_dir, a folder, or s3://BUCKET/PREFIX for "
        "S3-compatible object storage (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).",
    )
    cache_store: str = _setting(
        "",
        "Where machines share clips and encoded pieces: empty (this machine only), a shared "
        "folder, or s3://BUCKET/PREFIX; each machine still keeps and reads its own copy first.",
    )
    history_store: str = _setting(
        "",
        "Where files taken off the site go (earlier revisions, unpublished episodes): empty for "
        "<instance_dir>/history, a folder, or s3://BUCKET/PREFIX (a private one, never served).",
    )
    cache_local_max_mb: float = _setting(
        0.0,
        "Most megabytes of clips and encoded pieces this machine keeps (0: no bound); the least "
        "recently used go first, fetched again from cache_store or made again when needed.",
    )
    media_url: str = _setting(
        "",
        "Public base URL of the stored files when a CDN or the bucket serves them (enclosures "
        "and transcripts link there); empty, the app serves them at public_url.",
    )
    request_timeout_s: float = _setting(
        30.0,
        "Seconds a client may take to send one request (headers and body) or stay idle "
        "between requests before `audionews serve` closes its connection.",
    )
    allow_private_urls: bool = _setting(
        False,
        "Let `publish URL`, the API and the editor fetch pages from loopback, private and "
        "link-local addresses (an intranet CMS); off, a URL cannot reach internal services.",
    )
    follow_interval_minutes: float = _setting(
        10.0,
        "Minutes between two polls of each followed feed by `audionews worker` "
        "(see `audionews follow`).",
    )
    follow_recheck_hours: float = _setting(
        48.0,
        "Hours after it first appeared in its feed that a followed item's page is fetched "
        "again at each poll (conditional GET), so a changed article becomes an update.",
    )
    embed_origins: tuple[str, ...] = _setting(
        DEFAULT_EMBED_ORIGINS,
        "Sites allowed to show /embed/<slug> in an iframe (CSP frame-ancestors), e.g. "
        "['https://news.example', 'https://*.news.example']; '*' any site, [] none.",
    )
    webhook_max_attempts: int = _setting(
        DEFAULT_WEBHOOK_MAX_ATTEMPTS,
        "Attempts to deliver each webhook event (the first and its retries, by the worker) "
        "before the delivery log marks it failed.",
    )
    webhook_retry_delay_s: float = _setting(
        DEFAULT_WEBHOOK_RETRY_DELAY_S,
        "Seconds before a webhook delivery's first retry; each later retry waits twice as long.",
    )

    @property
    def narrator_name(self) -> str:
        """The speaker the transcripts name: `narrator`, else the publication."""
        return self.narrator.strip() or self.publication

    @property
    def clip_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.instance_dir / "clips"

    @property
    def piece_store_dir(self) -> Path:
        """Encoded pieces of episodes (see audio/pieces.py), next to the database."""
        return self.instance_dir / "pieces"

    @property
    def default_database_file(self) -> Path:
        """The SQLite library used when no database_url is set."""
        return self.instance_dir / "audionews.db"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.default_database_file.resolve()}"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


ENV_PREFIX = "AUDIONEWS_"

#: Private state (instance_dir, the clip cache, databases, the secret key) is for the owner
#: only: other users of the machine must not read sources, drafts, password hashes or keys.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: Files SQLite keeps beside a database; it gives them the database file's mode.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path, tighten: bool = True) -> Path:
    """Create `path` and its missing parents for the owner only; tighten `path` if it exists.

    Tightening is how state made by an older version, or by hand, becomes private too; a
    folder we may not change (not ours) is left as it is.
    """
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        _chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode passes through the umask
    if tighten and not missing:
        _tighten(path)
    return path


def private_file(path: Path) -> Path:
    """Make `path` exist (empty if new) readable and writable by its owner only.

    For a database this runs before the driver opens it: SQLite creates files 0644 and gives
    its -wal and -shm files the database's mode.
    """
    if not path.parent.exists():
        private_dir(path.parent)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    for candidate in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        _tighten(candidate)
    return path


def _tighten(path: Path) -> None:
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    if mode & 0o077:
        _chmod(path, mode & ~0o077)


def _chmod(path: Path, mode: int) -> None:
    with contextlib.suppress(PermissionError):  # not ours to change
        os.chmod(path, mode)


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def setting_help() -> dict[str, str]:
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def load_settings(
    config_file: Path | None = None, environ: typing.Mapping[str, str] | None = None
) -> Settings:
    """Read defaults, then the TOML file (instance/config.toml), then the environment."""
    environ = os.environ if environ is None else environ
    config_file = _config_file(config_file, environ)
    raw = _configured(config_file, environ)
    hints = typing.get_type_hints(Settings)
    values = {name: _coerce(name, value, hints[name]) for name, value in raw.items()}
    settings = Settings(**values)
    if settings.notices_position not in ("start", "end"):
        raise ConfigError("notices_position must be 'start' or 'end'")
    if settings.request_timeout_s <= 0:
        raise ConfigError("request_timeout_s must be a positive number of seconds")
    settings = replace(settings, embed_origins=embed_origins(settings.embed_origins))
    if settings.podcast_guid:
        try:
            settings = replace(settings, podcast_guid=str(uuid.UUID(settings.podcast_guid)))
        except ValueError as exc:
            raise ConfigError(
                f"podcast_guid {settings.podcast_guid!r} is not a UUID: copy the feed's old "
                "podcast:guid (like 917393e3-1b1e-5cef-ace4-edaa54e1f810) or unset it"
            ) from exc
    if settings.webhook_max_attempts < 1:
        raise ConfigError("webhook_max_attempts must be 1 or more (1: no retries)")
    if not settings.webhook_retry_delay_s >= 0:  # NaN too
        raise ConfigError("webhook_retry_delay_s must be 0 or more seconds, e.g. 30")
    if not settings.session_hours > 0:
        raise ConfigError("session_hours must be a number of hours above 0, e.g. 12")
    if not 0 <= settings.revision_grace_minutes < MAX_REVISION_GRACE_MINUTES:  # NaN too
        raise ConfigError("revision_grace_minutes must be 0 or more minutes, and less than a year")
    if not settings.follow_interval_minutes > 0:
        raise ConfigError("follow_interval_minutes must be a number of minutes above 0, e.g. 10")
    if not settings.follow_recheck_hours >= 0:
        raise ConfigError("follow_recheck_hours must be 0 or more hours, e.g. 48")
    if not 0 <= settings.cache_local_max_mb < math.inf:  # NaN too
        raise ConfigError("cache_local_max_mb must be 0 (no bound) or more megabytes, e.g. 2000")
    return settings


def configured_names(
    config_file: Path | None = None, environ: typing.Mapping[str, str] | None = None
) -> set[str]:
    """Return the names of the settings given in the TOML file or the environment."""
    environ = os.environ if environ is None else environ
    return set(_configured(_config_file(config_file, environ), environ))


def _config_file(config_file: Path | None, environ: typing.Mapping[str, str]) -> Path:
    if config_file is not None:
        return config_file
    return Path(environ.get(ENV_PREFIX + "INSTANCE_DIR", DEFAULT_INSTANCE_DIR)) / "config.toml"


def _configured(config_file: Path, environ: typing.Mapping[str, str]) -> dict[str, Any]:
    """Return the raw values of the TOML file overridden by the environment, names checked."""
    raw: dict[str, Any] = {}
    if config_file.is_file():
        try:
            raw.update(tomllib.loads(config_file.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file} is not valid TOML ({exc}): fix or remove it") from exc
    for f in fields(Settings):
        names = (ENV_PREFIX + f.name.upper(), *f.metadata["env"])
        for name in names:
            if environ.get(name):
                raw[f.name] = environ[name]
                break
    unknown = sorted(set(raw) - set(setting_names()))
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(unknown)}: see 'Settings' in the README for the names"
        )
    return raw


def embed_origins(values: typing.Iterable[str]) -> tuple[str, ...]:
    """Return frame-ancestors sources, lowercased without a trailing "/", or say what is wrong."""
    result: list[str] = []
    for value in values:
        source = value.strip().lower()
        if source == "'none'":
            continue  # what CSP calls an empty list; [] says the same
        if not _EMBED_ORIGIN.fullmatch(source):
            raise ConfigError(
                f"embed_origins entry {value!r} is not a site: give scheme and host, like "
                "https://news.example (no path), '*' for any site, or [] to allow none"
            )
        if source.endswith("/"):
            source = source[:-1]
        if source not in result:
            result.append(source)
    return tuple(result)


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """Convert a TOML or environment value to the field's type, or say what was expected."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value in (None, ""):
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
        origin = typing.get_origin(hint)
    try:
        if hint is Path:
            return Path(value)
        if origin is tuple:
            # A TOML array, or from the environment a list separated by spaces or commas.
            items = value.replace(",", " ").split() if isinstance(value, str) else value
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                raise TypeError
            return tuple(items)
        if origin is dict:
            if isinstance(value, str):
                value = tomllib.loads(f"v = {value}")["v"]
            if not isinstance(value, dict):
                raise TypeError
            return {str(k): str(v) for k, v in value.items()}
        if hint is bool and isinstance(value, str):
            return value.lower() in ("1", "true", "yes", "on")
        return hint(value)
    except (TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"setting {name} = {value!r} is not a valid {hint}") from exc
