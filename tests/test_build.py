"""Building episodes with the fake voice: files, cache reuse, atomicity, tags and chapters."""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from audionews.audio.cache import ClipCache
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings
from audionews.errors import AudionewsError
from audionews.models import BuildResult, Script
from audionews.pipeline import build, build_script
from readers import ffmpeg_chapters, vtt_cue_times
from scripts import replace_segment, sample_script

SAMPLE = Path(__file__).parent.parent / "samples" / "ukraine-talks.txt"


def _build(script: Script, out: Path, settings: Settings, synth: FakeSynthesizer) -> BuildResult:
    return build_script(script, out, settings, synthesizer=synth, source_sha256="abc")


@pytest.fixture
def built(tmp_path: Path, settings: Settings, fake_synth: FakeSynthesizer) -> BuildResult:
    return _build(sample_script(), tmp_path / "out", settings, fake_synth)


def test_build_writes_six_files_named_by_slug(built: BuildResult) -> None:
    names = sorted(p.name for p in built.files["mp3"].parent.iterdir())
    slug = "talks-open-in-riyadh-geneva"
    assert built.slug == slug
    suffixes = (".mp3", ".chapters.json", ".vtt", ".srt", ".transcript.json", ".txt")
    assert names == sorted(f"{slug}{s}" for s in suffixes)
    assert built.segments_synthesized == 13 and built.segments_cached == 0
    assert (built.files["mp3"].stat().st_mode & 0o777) == 0o644


def test_unchanged_rebuild_synthesizes_nothing(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    again = FakeSynthesizer()
    same_dir = _build(sample_script(), tmp_path / "out", settings, again)
    other_dir = _build(sample_script(), tmp_path / "elsewhere", settings, again)
    assert again.calls == []
    for result in (same_dir, other_dir):
        assert (result.segments_synthesized, result.segments_cached) == (0, 13)
        assert result.timeline == built.timeline
    assert same_dir.extra["reused"] and not other_dir.extra["reused"]
    assert other_dir.files["vtt"].read_text() == built.files["vtt"].read_text()


def test_edit_synthesizes_only_the_changed_sentence(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    edited = sample_script()
    body = edited.chapters[2].segments[2]
    edited = replace_segment(edited, 2, 2, "Observers called it a cautious first step.")
    assert body.text != edited.chapters[2].segments[2].text
    again = FakeSynthesizer()
    result = _build(edited, tmp_path / "out", settings, again)
    assert again.calls == ["Observers called it a cautious first step."]
    assert (result.segments_synthesized, result.segments_cached) == (1, 12)


def test_corrupt_cache_entry_is_synthesized_again(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    cache = ClipCache(settings.clip_cache_dir)
    victim = sorted(cache.entries())[0]
    victim.write_bytes(victim.read_bytes()[:-7])
    again = FakeSynthesizer()
    result = _build(sample_script(), tmp_path / "other", settings, again)
    assert (result.segments_synthesized, result.segments_cached) == (1, 12)
    assert result.timeline == built.timeline


class _Broken(FakeSynthesizer):
    def synthesize(self, speech: str) -> np.ndarray:
        if len(self.calls) == 5:
            raise RuntimeError("voice crashed")
        return super().synthesize(speech)


def test_failed_build_leaves_previous_files_untouched_and_no_debris(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    edited = replace_segment(sample_script(), 2, 0, "New first sentence.", "And six more.",
                              "Seven.", "Eight.", "Nine.", "Ten.", "Eleven.")  # fmt: skip
    with pytest.raises(RuntimeError):
        _build(edited, out, settings, _Broken())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_failed_first_build_leaves_nothing(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(RuntimeError):
        _build(sample_script(), tmp_path / "out", settings, _Broken())
    assert list((tmp_path / "out").glob("*")) == []


def test_tags_round_trip_with_mutagen(built: BuildResult) -> None:
    tags = ID3(built.files["mp3"])
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == "Talks open in Riyadh & <Geneva>"
    assert str(tags["TPE1"]) == "Hana Sato, audionews"
    assert str(tags["TALB"]) == "audionews"
    assert str(tags["TCON"]) == "Podcast"
    raw = ID3(built.files["mp3"], translate=False)
    assert (str(raw["TYER"]), str(raw["TDAT"])) == ("2025", "1802")  # ID3v2.3 has no TDRC
    assert "TDRC" not in raw
    assert tags.getall("COMM")[0].text == ["Diplomats meet for the first time in three years."]
    assert "Key points" in tags.getall("USLT")[0].text
    assert int(str(tags["TLEN"])) == round(built.duration_s * 1000)
    picture = tags.getall("APIC")[0]
    assert picture.mime == "image/png" and picture.data[:8] == b"\x89PNG\r\n\x1a\n"
    provenance = {f.desc: f.text[0] for f in tags.getall("TXXX")}
    assert provenance["audionews:source_sha256"] == "abc"
    assert provenance["audionews:voice"] == "en_US-joe-medium"
    assert provenance["audionews:synthesis"] == "fake-1"
    assert "audionews:version" in provenance


def test_cover_is_a_square_1400_png(built: BuildResult) -> None:
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(ID3(built.files["mp3"]).getall("APIC")[0].data))
    assert image.size == (1400, 1400) and image.mode == "RGB"


def test_chapters_are_stored_in_order_and_match_the_timeline(built: BuildResult) -> None:
    tags = ID3(built.files["mp3"])
    toc = tags.getall("CTOC")[0]
    assert toc.child_element_ids == [f"chp{i}" for i in range(5)]
    data = built.files["mp3"].read_bytes()
    offsets = [data.index(b"CHAP\x00\x00") for _ in range(1)]  # the first CHAP frame header
    offsets += [data.index(f"chp{i}".encode() + b"\x00", offsets[0]) for i in range(5)]
    assert offsets == sorted(offsets)  # chp0 .. chp4 appear in time order in the file
    seen = ffmpeg_chapters(built.files["mp3"])
    titles = [m.title for m in built.timeline.chapters]
    assert [title for _, _, title in seen] == titles
    assert seen[0][0] == 0 and abs(seen[-1][1] - built.duration_s) < 0.002
    assert all(a[1] == b[0] for a, b in itertools.pairwise(seen))
    chapters = json.loads(built.files["chapters"].read_text())["chapters"]
    assert [c["title"] for c in chapters] == titles


def test_mp3_is_mono_44100_cbr_with_info_header(built: BuildResult) -> None:
    info = MP3(built.files["mp3"]).info
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 44100, 64000)
    assert info.bitrate_mode is BitrateMode.CBR
    data = built.files["mp3"].read_bytes()
    first_frame = ID3(built.files["mp3"]).size
    assert b"Info" in data[first_frame : first_frame + 200]


def test_cues_are_one_per_sentence_and_end_near_the_end(built: BuildResult) -> None:
    times = vtt_cue_times(built.files["vtt"].read_text())
    assert len(times) == 13
    assert built.duration_s - times[-1][1] < 0.3


def test_progress_reports_every_sentence(tmp_path: Path, settings: Settings) -> None:
    seen: list[tuple[int, int]] = []
    build_script(sample_script(), tmp_path, settings, synthesizer=FakeSynthesizer(),
                 progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(i, 13) for i in range(1, 14)]


def test_cli_build_json_and_cache_commands(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, fake_piper: list[str]
) -> None:
    from audionews import cli

    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    runner = CliRunner()
    result = runner.invoke(cli.main, ["build", str(SAMPLE), "-o", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert set(summary) == {"mp3", "duration_s", "chapters", "segments_synthesized",
                            "segments_cached", "seconds", "word_timing"}  # fmt: skip
    assert Path(summary["mp3"]).is_file() and summary["segments_cached"] == 0
    assert summary["chapters"][0]["start"] == 0
    assert summary["chapters"][-1]["end"] == summary["duration_s"]
    plain = runner.invoke(cli.main, ["build", str(SAMPLE), "-o", str(tmp_path)])
    assert plain.output.strip() == summary["mp3"]
    stats = runner.invoke(cli.main, ["cache", "stats", "--json"])
    counted = json.loads(stats.output)
    assert counted["entries"] == summary["segments_synthesized"]
    assert counted["pieces"]["entries"] > 0
    assert counted["pieces"]["path"] == str(settings.piece_store_dir)
    pruned = runner.invoke(cli.main, ["cache", "prune", "--older-than", "0"])
    assert pruned.exit_code == 0 and "removed" in pruned.output and " pieces," in pruned.output
    emptied = json.loads(runner.invoke(cli.main, ["cache", "stats", "--json"]).output)
    assert emptied["entries"] == 0 and emptied["pieces"]["entries"] == 0


def test_rebuild_in_place_encodes_with_a_gain_within_tolerance(
    tmp_path: Path, settings: Settings, built: BuildResult
) -> None:
    from audionews.audio.episode import GAIN_TOLERANCE_DB

    edited = replace_segment(sample_script(), 2, 2, "Observers called it a cautious first step.")
    result = _build(edited, tmp_path / "out", settings, FakeSynthesizer())
    exact = settings.loudness_lufs - float(result.extra["measured_lufs"])  # type: ignore[arg-type]
    assert abs(float(result.extra["gain_db"]) - exact) <= GAIN_TOLERANCE_DB  # type: ignore[arg-type]
    assert result.extra["encoded_while_synthesizing"]  # one sentence barely moves the loudness
    assert abs(MP3(result.mp3).info.length - result.duration_s) < 0.06
    assert vtt_cue_times(result.files["vtt"].read_text())[-1][1] <= result.duration_s


def test_a_build_loads_the_voice_first_thing_unless_its_source_was_built_before(
    tmp_path: Path, settings: Settings, fake_piper: list[str]
) -> None:
    data = SAMPLE.read_bytes()
    first = build(data, tmp_path / "out", settings, filename=SAMPLE.name)
    assert fake_piper == ["en_US-joe-medium"] and first.segments_synthesized > 0
    again = build(data, tmp_path / "out", settings, filename=SAMPLE.name)
    assert fake_piper == ["en_US-joe-medium"] and again.segments_synthesized == 0
    edited = data.replace(b"more than three years", b"over three years")
    build(edited, tmp_path / "out", settings, filename=SAMPLE.name)
    assert len(fake_piper) == 2
    ClipCache(settings.clip_cache_dir).prune(0)  # the hints promised clips that are gone now
    build(data, tmp_path / "out", settings, filename=SAMPLE.name)
    assert len(fake_piper) == 3


def test_the_early_voice_load_is_waited_for_when_the_build_fails(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process must not end while a thread is inside onnxruntime, even after an error."""
    from audionews.audio import synth

    threads: list[threading.Thread] = []

    def start_loading(
        voice: object, threads_wanted: int, models_dir: object = None
    ) -> threading.Thread:
        threads.append(threading.Thread(target=threading.Event().wait, args=(0.2,)))
        threads[-1].start()
        return threads[-1]

    monkeypatch.setattr(synth, "start_loading", start_loading)
    with pytest.raises(AudionewsError):
        build(b"   \n", tmp_path / "out", settings, filename="empty.txt")
    assert len(threads) == 1 and not threads[0].is_alive()


def test_watch_builds_again_on_each_save_and_survives_bad_input(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, fake_piper: list[str]
) -> None:
    from audionews import cli

    article = tmp_path / "article.txt"
    text = SAMPLE.read_text(encoding="utf-8")
    article.write_text(text, encoding="utf-8")
    edits = iter(
        [
            lambda: None,  # no change: no build
            lambda: article.write_text(text.replace("more than", "over"), encoding="utf-8"),
            lambda: article.write_text("   \n", encoding="utf-8"),  # bad input: reported, not fatal
            lambda: article.unlink(),  # an editor replacing the file: wait for it
            lambda: article.write_text(text, encoding="utf-8"),
            lambda: (_ for _ in ()).throw(KeyboardInterrupt),  # Ctrl-C
        ]
    )
    monkeypatch.setattr(cli, "_pause", lambda: next(edits)())
    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli.main, ["build", str(article), "-o", str(out), "--watch", "--json"]
    )
    assert result.exit_code == 0, result.output
    builds = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(builds) == 3 and builds[0]["segments_cached"] == 0
    assert [b["segments_synthesized"] for b in builds[1:]] == [1, 0]
    assert builds[0]["mp3"] == builds[1]["mp3"] == builds[2]["mp3"]
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "input is empty" in errors[0]
    assert "stopped watching" in result.stderr
    assert Path(builds[2]["mp3"]).is_file()
    assert fake_piper[0] == "en_US-joe-medium"  # loaded up front, ready for the first edit
