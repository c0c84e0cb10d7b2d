"""Plan, timeline, earcons, limiter and loudness meter, checked against independent readers."""

from __future__ import annotations

import itertools

import numpy as np
import pyloudnorm
from hypothesis import given, settings
from hypothesis import strategies as st

from audionews.audio import master
from audionews.audio.fake import FakeSynthesizer
from audionews.models import (
    Article,
    Chapter,
    ChapterKind,
    Earcon,
    Script,
    Segment,
    SegmentKind,
    Sentence,
)

RATE = 22050

sentences = st.lists(st.text(min_size=1, max_size=60), min_size=0, max_size=3)
segments = st.lists(
    st.tuples(st.sampled_from(SegmentKind), sentences, st.none() | st.sampled_from(Earcon)),
    min_size=0,
    max_size=3,
)
scripts = st.lists(st.tuples(st.text(max_size=10), st.sampled_from(ChapterKind), segments),
                   min_size=1, max_size=4)  # fmt: skip


def _script(chapters: list) -> Script:  # type: ignore[type-arg]
    return Script(
        title="t",
        language="en",
        voice="v",
        article=Article(headline="t", body=()),
        chapters=tuple(
            Chapter(title, kind, tuple(
                Segment(seg_kind, " ".join(texts), tuple(Sentence(t, t) for t in texts), earcon)
                for seg_kind, texts, earcon in segs
            ))
            for title, kind, segs in chapters
        ),
    )  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(scripts)
def test_chapters_are_contiguous_and_cues_ordered_inside_them(chapters: list) -> None:  # type: ignore[type-arg]
    synth = FakeSynthesizer()
    steps = master.plan(_script(chapters))
    lengths = {
        s.sentence.speech: len(synth.synthesize(s.sentence.speech)) for s in master.speeches(steps)
    }
    timeline = master.timeline(steps, lambda s: lengths[s.sentence.speech], RATE)
    limiter = master.PeakLimiter(RATE, 16.0)
    rendered = master.render(steps, lambda s: synth.synthesize(s.sentence.speech), limiter)
    audio_length = sum(len(chunk) for chunk in rendered)
    assert timeline.duration == audio_length / RATE
    marks = timeline.chapters
    if marks:
        assert marks[0].start == 0 and marks[-1].end == timeline.duration
        assert all(a.end == b.start and a.start < a.end for a, b in itertools.pairwise(marks))
        assert marks[-1].start < marks[-1].end
    for before, after in zip(timeline.cues, timeline.cues[1:], strict=False):
        assert before.end <= after.start
    for cue in timeline.cues:
        mark = marks[cue.chapter_index]
        assert mark.start <= cue.start < cue.end <= mark.end
    spoken = [s for c in chapters for _, texts, _ in c[2] for s in texts if s.strip()]
    assert [c.speech for c in timeline.cues] == spoken


def test_earcons_are_distinct_short_and_quiet() -> None:
    rendered = {e: master.render_earcon(e, RATE) for e in Earcon}
    for samples in rendered.values():
        assert 0.3 < len(samples) / RATE < 1.5
        assert np.abs(samples).max() < 0.5
    assert len({r.tobytes() for r in rendered.values()}) == len(Earcon)
    assert set(master.EARCONS) == set(Earcon)


def test_pause_table_orders_sentence_segment_section_chapter() -> None:
    p = master.PAUSES
    assert (
        p[master.Pause.SENTENCE]
        < p[master.Pause.SEGMENT]
        < p[master.Pause.SECTION]
        < p[master.Pause.CHAPTER]
    )
    assert p[master.Pause.TAIL] < 0.3  # the last caption ends near the end of the audio


def test_meter_agrees_with_pyloudnorm_when_fed_in_chunks() -> None:
    rng = np.random.default_rng(3)
    envelope = np.repeat(rng.random(300) > 0.4, RATE // 10) * rng.uniform(0.01, 0.2, 300).repeat(
        RATE // 10
    )
    signal = (rng.normal(0, 1, len(envelope)) * envelope).astype(np.float32)
    meter = master.LoudnessMeter(RATE)
    for chunk in np.array_split(signal, 53):
        meter.add(chunk)
    reference = pyloudnorm.Meter(RATE).integrated_loudness(signal.astype(np.float64))
    assert abs(meter.integrated() - reference) < 0.2
    assert master.LoudnessMeter(RATE).integrated() == float("-inf")


def test_limiter_caps_peaks_and_leaves_quiet_audio_alone() -> None:
    rng = np.random.default_rng(5)
    loud = (rng.normal(0, 0.2, RATE) + np.where(np.arange(RATE) % 5000 == 0, 0.9, 0)).astype(
        np.float32
    )
    limited = master.limit_peaks(loud, 0.5, RATE)
    assert np.abs(limited).max() <= 0.5 + 1e-6
    quiet = loud * 0.1
    assert np.array_equal(master.limit_peaks(quiet, 0.5, RATE), quiet)


def test_running_min_matches_brute_force() -> None:
    values = np.random.default_rng(2).random(500)
    for size in (1, 3, 9, 41):
        half = size // 2
        padded = np.pad(values, half, mode="edge")
        expected = [padded[i : i + size].min() for i in range(len(values))]
        assert np.array_equal(master.running_min(values, size), expected)


def test_meter_reads_chunked_silence_like_one_stream() -> None:
    rng = np.random.default_rng(9)
    speech = (rng.normal(0, 0.1, RATE * 2)).astype(np.float32)
    pieces = [speech, np.zeros(RATE // 3, np.float32), speech[::-1].copy()]
    chunked, whole = master.LoudnessMeter(RATE), master.LoudnessMeter(RATE)
    for piece in pieces:
        chunked.add(piece)
    whole.add(np.concatenate(pieces))
    assert abs(chunked.integrated() - whole.integrated()) < 1e-9
