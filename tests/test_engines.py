"""Speech engines chosen by the `tts_engine` setting (audio/engines.py): Piper, the fake, or
another engine that is one module."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from audionews.audio.engines import ENGINES, engine
from audionews.audio.fake import FakeEngine
from audionews.audio.synth import PiperEngine
from audionews.config import Settings
from audionews.errors import ConfigError
from audionews.pipeline import build
from publish_helpers import short_article


def test_each_name_of_the_table_is_its_engine() -> None:
    assert isinstance(engine(Settings()), PiperEngine)  # the default
    assert isinstance(engine(Settings(tts_engine="fake")), FakeEngine)
    assert set(ENGINES) == {"piper", "fake"}


def test_an_unknown_engine_is_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigError, match="unknown tts_engine 'espeak': use one of piper, fake"):
        engine(Settings(tts_engine="espeak"))
    with pytest.raises(ConfigError, match=r"'no_such\.engine' cannot be used"):
        engine(Settings(tts_engine="no_such.engine"))


def test_the_fake_engine_builds_an_episode_without_loading_piper(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(short_article())
    code = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from audionews.config import Settings
        from audionews.pipeline import build
        root = Path({str(tmp_path)!r})
        settings = Settings(instance_dir=root / "instance", voices_dir=root / "voices",
                            tts_engine="fake")
        result = build((root / "article.txt").read_bytes(), root / "out", settings)
        print(json.dumps({{
            "synthesized": result.segments_synthesized,
            "mp3": result.mp3.stat().st_size,
            "loaded": [m for m in ("piper", "onnxruntime") if m in sys.modules],
        }}))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    done = json.loads(out)
    assert done["synthesized"] > 0 and done["mp3"] > 0
    assert done["loaded"] == []


def test_another_engine_is_one_module_named_in_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "newsroom_engines"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "counting.py").write_text(
        textwrap.dedent("""
        from audionews.audio.fake import FakeSynthesizer

        class CountingEngine:
            def __init__(self):
                self.voices = []

            def synthesizer(self, voice, settings):
                self.voices.append(voice.name)
                return FakeSynthesizer(voice.sample_rate, identity="counting-1")

            def start_loading(self, voice, settings):
                return None

        ENGINE = CountingEngine()
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = Settings(
        instance_dir=tmp_path / "instance",
        voices_dir=tmp_path / "voices",
        tts_engine="newsroom_engines.counting",
    )
    result = build(short_article(), tmp_path / "out", settings)
    from newsroom_engines.counting import ENGINE  # type: ignore[import-not-found]

    assert ENGINE.voices == [result.script.voice] and result.segments_synthesized > 0
