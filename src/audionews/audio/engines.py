"""Speech engines: which synthesizer speaks a voice, chosen by the `tts_engine` setting.

    engine(settings).synthesizer(voice, settings)   -> a Synthesizer (audio/synth.py's Protocol)
    engine(settings).start_loading(voice, settings) -> a thread loading the voice, or None

ENGINES names the module of each engine; that module holds the engine as `ENGINE` and is
imported only when the engine is used (Piper's pulls in onnxruntime). `tts_engine` is a name
of ENGINES or the dotted path of any module with an `ENGINE`, so another engine is one module:
give it a synthesizer for a catalog voice (voices.py) and name it in the settings.
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from audionews.config import Settings
from audionews.errors import ConfigError

if TYPE_CHECKING:
    from audionews.audio.synth import Synthesizer
    from audionews.audio.voices import Voice

#: Engine name -> the module whose ENGINE it is.
ENGINES: dict[str, str] = {
    "piper": "audionews.audio.synth",  # the voices in voices/ and the bundled one
    "fake": "audionews.audio.fake",  # a tone as long as the text: tests, demos without a voice
}


class Engine(Protocol):
    """A speech engine: makes the synthesizer of a voice, and may load it ahead."""

    def synthesizer(self, voice: Voice, settings: Settings) -> Synthesizer: ...

    def start_loading(self, voice: Voice, settings: Settings) -> threading.Thread | None:
        """Start loading `voice` in the background and return the thread (None: nothing to
        load); the caller joins it (synth.joined)."""
        ...


def engine(settings: Settings) -> Engine:
    """Return the engine `settings.tts_engine` names, or say which names are known."""
    name = settings.tts_engine.strip()
    module_name = ENGINES.get(name) or (name if "." in name else "")
    if not module_name:
        raise ConfigError(
            f"unknown tts_engine {name!r}: use one of {', '.join(ENGINES)}, or the module "
            "path of another engine"
        )
    try:
        found: Engine = import_module(module_name).ENGINE
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"tts_engine {name!r} cannot be used ({exc}): give a module that has an ENGINE"
        ) from exc
    return found


if TYPE_CHECKING:  # the built-in engines are Engines (mypy checks them here)
    from audionews.audio import fake, synth

    _BUILT_IN: tuple[Engine, ...] = (synth.ENGINE, fake.ENGINE)
