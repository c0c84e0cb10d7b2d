"""One exception family. Each error says what is wrong and how to fix it, in one line.

The edges translate these: the CLI prints the message and exits 2, the web app shows a 4xx page.
Anything that is not an AudionewsError is a bug (exit 1).
"""

from __future__ import annotations


class AudionewsError(Exception):
    """Base class: a problem with the user's input, files or configuration."""

    exit_code = 2
    http_status = 400


class InputError(AudionewsError, ValueError):
    """The article cannot be read: not UTF-8, binary, empty, nothing but boilerplate."""


class FieldError(InputError):
    """A field of an API request is missing, unknown, or of the wrong type or value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r} {message}")
        self.field = field


class UnsupportedLanguageError(AudionewsError, ValueError):
    """The article's language has no installed voice."""

    http_status = 422


class VoiceError(AudionewsError, LookupError):
    """A voice is missing or broken."""


class ConfigError(AudionewsError, ValueError):
    """A setting in instance/config.toml or AUDIONEWS_* is invalid."""


class NotFoundError(AudionewsError, LookupError):
    """An episode, revision or file does not exist."""

    http_status = 404


class ConflictError(AudionewsError, RuntimeError):
    """The operation clashes with the current state (e.g. a build for the article is running)."""

    http_status = 409


class StorageError(AudionewsError, OSError):
    """Writing to disk failed (a full disk, permissions). The message says what was already done
    (`result`, when a publish got as far as the database) and what to run once it is fixed."""

    def __init__(self, message: str, result: object = None) -> None:
        super().__init__(message)
        #: What the operation had done before the fault (a PublishResult), or None.
        self.result = result

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AudioError(AudionewsError, RuntimeError):
    """Encoding or mastering failed (ffmpeg missing or returned an error)."""

    exit_code = 1
    http_status = 500


class FetchError(AudionewsError, ValueError):
    """A page could not be fetched from its URL: DNS, timeout, HTTP status, size, type, refused.

    `status` is the HTTP status the server answered with, 0 when it gave none (DNS, timeout,
    refused address): a followed site's page that now answers 404 or 410 is told apart by it.
    """

    http_status = 422

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
