"""Word times: spoken words mapped onto written words (pure, property-tested) and carried
through a build with the fake voice (contiguous, inside their sentence, the same from the cache)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audionews.audio.cache import Clip
from audionews.audio.fake import FAKE_HOP, FakeSynthesizer
from audionews.config import Settings
from audionews.models import BuildResult, Cue
from audionews.pipeline import build_script
from audionews.speech.lexicon import Lexicon
from audionews.speech.normalize import speech_sentences
from audionews.speech.words import spoken_words, written_spans, written_words
from scripts import sample_script

WORD = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Z", "Cc")), min_size=1)
SENTENCE = st.lists(WORD, min_size=1, max_size=30).map(" ".join)


def _spans(count: int, step: int = 256) -> list[tuple[int, int]]:
    return [(step * (i + 1), step * (i + 2)) for i in range(count)]


def _assert_contiguous(spans: list[tuple[int, int]], start: int, end: int) -> None:
    assert spans[0][0] >= start and spans[-1][1] <= end
    for (a, b), (c, _) in itertools.pairwise(spans):
        assert a <= b == c


@given(SENTENCE)
def test_a_sentence_spoken_as_written_maps_one_to_one(text: str) -> None:
    spoken = _spans(len(spoken_words(text)))
    spans = written_spans(text, text, spoken)
    if "[[" not in text:
        assert spans == spoken


@given(SENTENCE, SENTENCE)
def test_mapped_words_are_contiguous_inside_the_spoken_span(text: str, speech: str) -> None:
    spoken = _spans(len(spoken_words(speech)))
    spans = written_spans(text, speech, spoken)
    if spans is not None:
        assert len(spans) == len(written_words(text))
        _assert_contiguous(spans, spoken[0][0], spoken[-1][1])


@given(SENTENCE)
def test_normalized_sentences_map_or_say_they_cannot(text: str) -> None:
    for written, speech in speech_sentences(text):
        spoken = _spans(len(spoken_words(speech)))
        spans = written_spans(written, speech, spoken) if spoken else None
        if spans is not None:
            assert len(spans) == len(written_words(written))
            _assert_contiguous(spans, spoken[0][0], spoken[-1][1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He paid $212 million.", ["He", "paid", "212", "million dollars."]),
        ("Dr. Smith met J. K. Rowling.", ["Doctor", "Smith", "met", "J", "K", "Rowling."]),
        ("Talks ended in 2023 — at last.", ["Talks", "ended", "in", "20 23,", "", "at", "last."]),
        ("Prices rose 10% [1] this year.", ["Prices", "rose", "10 percent", "", "this", "year."]),
    ],
)
def test_written_words_get_the_spoken_words_they_became(text: str, expected: list[str]) -> None:
    ((written, speech),) = speech_sentences(text)
    said = spoken_words(speech)
    spans = written_spans(written, speech, [(i, i + 1) for i in range(len(said))])
    assert spans is not None
    assert [" ".join(said[a:b]) for a, b in spans] == expected


def test_lexicon_respellings_and_phonemes_keep_their_written_word() -> None:
    lexicon = Lexicon({"Guterres": "goo-TEH-resh", "Zelensky": "[[ zɛlˈɛnski ]]"})
    text = "Guterres met Zelensky today."
    speech = lexicon.apply(text)
    said = spoken_words(speech)
    assert said == ["goo-TEH-resh", "met", "zɛlˈɛnski", "today."]
    spans = written_spans(text, speech, [(i, i + 1) for i in range(len(said))])
    assert spans == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_words_that_cannot_be_shared_out_keep_sentence_timing() -> None:
    speech = "3.5 billion US dollars, for example now."
    spans = written_spans("US$3.5bn, e.g. now.", speech, _spans(len(spoken_words(speech))))
    assert spans is None


# --------------------------------------------------------------------------- through a build


def _build(tmp_path: Path, settings: Settings, synth: FakeSynthesizer, out: str) -> BuildResult:
    return build_script(
        sample_script(), tmp_path / out, settings, synthesizer=synth, source_sha256="x"
    )


def _check_cue(cue: Cue) -> None:
    assert [w.text for w in cue.words] == cue.text.split()
    assert cue.start <= cue.words[0].start and cue.words[-1].end <= cue.end
    for word, following in zip(cue.words, cue.words[1:], strict=False):
        assert word.start <= word.end == following.start


def test_build_times_every_written_word_inside_its_sentence(
    tmp_path: Path, settings: Settings, fake_synth: FakeSynthesizer
) -> None:
    result = _build(tmp_path, settings, fake_synth, "out")
    for cue in result.timeline.cues:
        _check_cue(cue)
    first = result.timeline.cues[0]
    # placed to the sample: the clip's first word starts FAKE_HOP samples into it
    assert first.words[0].start == pytest.approx(first.start + FAKE_HOP / 22050, abs=1e-9)
    timing = result.extra["word_timing"]
    assert timing["sentences"] == timing["word_timed"] == len(result.timeline.cues)
    assert timing["voice_word_times"] is True


def test_cached_rebuild_gives_the_same_word_times(
    tmp_path: Path, settings: Settings, fake_synth: FakeSynthesizer
) -> None:
    fresh = _build(tmp_path, settings, fake_synth, "out")
    again = FakeSynthesizer()
    reused = _build(tmp_path, settings, again, "out")  # nothing encoded: times from headers
    elsewhere = _build(tmp_path, settings, again, "elsewhere")  # clips read from the cache
    assert again.calls == [] and reused.extra["reused"] and not elsewhere.extra["reused"]
    for result in (reused, elsewhere):
        assert [c.words for c in result.timeline.cues] == [c.words for c in fresh.timeline.cues]


class _NoWordTimes(FakeSynthesizer):
    """A voice without alignments."""

    def speak(self, speech: str) -> Clip:
        return Clip(super().speak(speech).samples, None)


def test_a_voice_without_word_times_builds_with_sentence_timing(
    tmp_path: Path, settings: Settings
) -> None:
    result = _build(tmp_path, settings, _NoWordTimes(identity="no-words"), "out")
    assert all(cue.words == () for cue in result.timeline.cues)
    timing = result.extra["word_timing"]
    assert timing["voice_word_times"] is False
    assert timing["without_voice_word_times"] == timing["sentences"] > 0
    assert "<00:" not in result.files["vtt"].read_text().split("-->", 1)[1].split("\n", 1)[1]


# --------------------------------------------------------------------------- espeak's words


def _heard(*words: str, step: int = 100) -> list[tuple[str, list[int]]]:
    out, at = [], 0
    for word in words:
        out.append((word, list(range(at, at + step * len(word), step))))
        at += step * len(word) + step
    return out


def test_words_espeak_runs_together_share_its_letters() -> None:
    from audionews.audio.synth import _line_up

    said = [["ðɪs"], ["hˈæz"], ["bˈiːn"], ["tɹænslˈeɪɾᵻd"]]
    heard = _heard("ðɪs", "hɐzbɪn", "tɹænslˈeɪɾᵻd")  # "has been" as one word
    starts = _line_up([[w.replace("ˈ", "") for w in ws] for ws in said], heard, 9999)
    assert starts is not None
    this, joined, last = (h[1] for h in heard)
    assert starts[0] == this[0] and starts[3] == last[0]
    assert starts[1] == joined[0] and joined[0] < starts[2] < joined[-1]


def test_a_word_espeak_reads_as_several_gets_them_all() -> None:
    from audionews.audio.synth import _line_up

    said = [["ɒn"], ["tuːhʌndɹɪd", "twɛlv"], ["mɪliən"]]
    heard = _heard("ɒn", "tuːhʌndɹɪd", "twɛlv", "mɪliən")
    starts = _line_up(said, heard, 9999)
    assert starts == [heard[0][1][0], heard[1][1][0], heard[3][1][0]]


def test_unlike_readings_keep_sentence_timing() -> None:
    from audionews.audio.synth import _line_up

    assert _line_up([["ab"], ["cd"]], _heard("zzzzzzzzzzzz", "q", "r", "s", "t"), 9999) is None


def _model(path: Path, op: str) -> Path:
    from onnx import TensorProto, helper, save

    graph = helper.make_graph(
        [helper.make_node(op, ["x"], ["widths"], name="w_ceil")],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("widths", TensorProto.FLOAT, [1])],
        initializer=[helper.make_tensor("big", TensorProto.FLOAT, [1000], [0.5] * 1000)],
    )
    save(helper.make_model(graph), str(path))
    return path


def test_the_alignment_tensor_is_found_and_patched_in_as_piper_does(tmp_path: Path) -> None:
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    from audionews.audio.synth import alignment_output, with_alignments

    path = _model(tmp_path / "ceil.onnx", "Ceil")
    assert alignment_output(path.read_bytes()) == ("widths", ["widths"])  # an output already
    graph = onnx.load(str(path)).graph
    graph.output.pop()
    model = onnx.helper.make_model(graph)
    onnx.save(model, str(path))
    name, outputs = alignment_output(path.read_bytes())
    assert (name, outputs) == (add_alignment_output(onnx.load(str(path))), [])
    patched = with_alignments(path)
    assert isinstance(patched, bytes)
    assert [o.name for o in onnx.load_from_string(patched).graph.output] == ["widths"]


def test_the_patched_model_is_kept_on_disk_once_and_read_from_there(tmp_path: Path) -> None:
    import onnx

    from audionews.audio.synth import with_alignments

    path = _model(tmp_path / "ceil.onnx", "Ceil")
    graph = onnx.load(str(path)).graph
    graph.output.pop()
    onnx.save(onnx.helper.make_model(graph), str(path))
    in_memory = with_alignments(path)
    assert isinstance(in_memory, bytes)
    folder = tmp_path / "voices"
    kept = with_alignments(path, folder)
    assert isinstance(kept, str) and Path(kept).parent == folder
    assert Path(kept).read_bytes() == in_memory
    assert [o.name for o in onnx.load(kept).graph.output] == ["widths"]
    written = Path(kept).stat().st_mtime_ns
    assert with_alignments(path, folder) == kept  # written once
    assert Path(kept).stat().st_mtime_ns == written
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    # a folder that cannot be written: patched in memory, as without one
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert with_alignments(path, blocked / "voices") == in_memory


def test_a_model_without_an_alignment_tensor_gives_no_word_times(tmp_path: Path) -> None:
    from audionews.audio.synth import alignment_output, with_alignments

    path = _model(tmp_path / "plain.onnx", "Identity")
    assert alignment_output(path.read_bytes()) == (None, ["widths"])
    assert with_alignments(path) == str(path)
