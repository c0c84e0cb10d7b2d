"""Assemble clips, pauses and earcons into one mono episode, its timeline and its loudness.

The episode is planned as a list of steps (silence, earcon, sentence, chapter start) from the
Script; the same plan gives the timeline (exact sample positions) and the audio, which is
rendered as a stream of chunks so nothing holds a long article's audio at once. Loudness is
measured once for the whole episode (ITU-R BS.1770-4 with gating, the EBU R128 meter) and the
encoder applies one gain, so loudness never jumps between sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import numpy as np

from audionews.models import (
    ChapterKind,
    ChapterMark,
    Cue,
    Earcon,
    Script,
    SegmentKind,
    Sentence,
    Timeline,
    Word,
)
from audionews.speech.words import Span, written_spans, written_words

# --------------------------------------------------------------------------- pauses


class Pause(StrEnum):
    LEAD_IN = "lead_in"  # before the first sound
    SENTENCE = "sentence"  # between sentences of one segment
    SEGMENT = "segment"  # between paragraphs, list items, ...
    SECTION = "section"  # around headings and announcements
    CHAPTER = "chapter"  # before a new chapter
    AFTER_EARCON = "after_earcon"  # between an earcon and the speech it introduces
    TAIL = "tail"  # after the last sound; short, so the last caption ends near the end


#: Seconds of silence added by us; Piper's clips carry ~0.05 s before and ~0.15 s after speech.
PAUSES: dict[Pause, float] = {
    Pause.LEAD_IN: 0.25,
    Pause.SENTENCE: 0.25,
    Pause.SEGMENT: 0.6,
    Pause.SECTION: 0.9,
    Pause.CHAPTER: 1.2,
    Pause.AFTER_EARCON: 0.3,
    Pause.TAIL: 0.2,
}

#: The pause around a segment of this kind; between two segments the longer one wins.
SEGMENT_PAUSES: dict[SegmentKind, Pause] = {
    SegmentKind.ANNOUNCEMENT: Pause.SECTION,
    SegmentKind.HEADLINE: Pause.SECTION,
    SegmentKind.SUBHEADING: Pause.SECTION,
    SegmentKind.CLOSING: Pause.SECTION,
}

#: Voice-tag label of a caption, by segment kind; announcements take their chapter's label.
SECTION_LABELS: dict[SegmentKind, str] = {
    SegmentKind.KICKER: "Kicker",
    SegmentKind.HEADLINE: "Headline",
    SegmentKind.STANDFIRST: "Summary",
    SegmentKind.BYLINE: "Byline",
    SegmentKind.PARAGRAPH: "Article",
    SegmentKind.SUBHEADING: "Subheading",
    SegmentKind.KEY_POINT: "Key points",
    SegmentKind.LIST_ITEM: "List",
    SegmentKind.NOTICE: "Notice",
    SegmentKind.QUOTE: "Quote",
    SegmentKind.LANGUAGE_NOTE: "Language note",
    SegmentKind.CLOSING: "Closing",
}
CHAPTER_LABELS: dict[ChapterKind, str] = {
    ChapterKind.OPENING: "Opening",
    ChapterKind.NOTICES: "Notice",
    ChapterKind.BODY: "Article",
    ChapterKind.KEY_POINTS: "Key points",
    ChapterKind.CLOSING: "Closing",
}

# --------------------------------------------------------------------------- earcons


@dataclass(frozen=True)
class Note:
    """One struck note of an earcon: a sine with two soft overtones and a bell-like decay."""

    frequency: float  # Hz
    onset: float  # seconds from the earcon's start
    length: float  # seconds until silent


#: Short, distinct figures: rising for chapters and key points, falling for notices and the end.
EARCONS: dict[Earcon, tuple[Note, ...]] = {
    Earcon.CHAPTER: (Note(659.26, 0.0, 0.35), Note(783.99, 0.09, 0.45)),
    Earcon.KEY_POINTS: (Note(523.25, 0.0, 0.3), Note(659.26, 0.08, 0.3), Note(783.99, 0.16, 0.45)),
    Earcon.NOTICE: (Note(880.0, 0.0, 0.3), Note(587.33, 0.14, 0.5)),
    Earcon.CLOSING: (Note(783.99, 0.0, 0.3), Note(659.26, 0.12, 0.3), Note(523.25, 0.24, 0.7)),
}
#: Peak level of a note before mastering; puts earcons a little under Piper's speech loudness.
EARCON_LEVEL = 0.18
_OVERTONES = ((1.0, 1.0), (2.0, 0.3), (3.0, 0.1))  # (frequency ratio, relative level)
_ATTACK_S = 0.004


@cache
def render_earcon(earcon: Earcon, sample_rate: int) -> np.ndarray:
    """Return the earcon as float32 samples in [-1, 1]."""
    notes = EARCONS[earcon]
    total = max(n.onset + n.length for n in notes)
    out = np.zeros(round(total * sample_rate), dtype=np.float64)
    for note in notes:
        t = np.arange(round(note.length * sample_rate)) / sample_rate
        envelope = np.minimum(t / _ATTACK_S, 1.0) * np.exp(-t / (note.length / 5))
        wave = sum(
            level * np.sin(2 * np.pi * note.frequency * ratio * t) for ratio, level in _OVERTONES
        )
        start = round(note.onset * sample_rate)
        out[start : start + len(t)] += EARCON_LEVEL * envelope * wave
    return out.astype(np.float32)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Silence:
    seconds: float


@dataclass(frozen=True)
class Tone:
    earcon: Earcon


@dataclass(frozen=True)
class Speech:
    sentence: Sentence
    chapter: int  # index into the timeline's chapters
    section: str


@dataclass(frozen=True)
class ChapterStart:
    title: str
    kind: ChapterKind


Step = Silence | Tone | Speech | ChapterStart


def plan(script: Script) -> list[Step]:
    """Lay out the episode: chapters of segments of sentences, with pauses and earcons.

    Sentences with no speech are skipped, and so are chapters with nothing to say, so every
    chapter on the timeline has a length.
    """
    steps: list[Step] = [Silence(PAUSES[Pause.LEAD_IN])]
    chapter_index = 0
    for chapter in script.chapters:
        body: list[Step] = []
        previous: SegmentKind | None = None
        for segment in chapter.segments:
            spoken = [s for s in segment.sentences if s.speech.strip()]
            if not spoken and segment.earcon is None:
                continue
            if previous is not None:
                body.append(Silence(max(_pause(previous), _pause(segment.kind))))
            if segment.earcon is not None:
                body += [Tone(segment.earcon), Silence(PAUSES[Pause.AFTER_EARCON])]
            label = _section(segment.kind, chapter.kind)
            for i, sentence in enumerate(spoken):
                if i:
                    body.append(Silence(PAUSES[Pause.SENTENCE]))
                body.append(Speech(sentence, chapter_index, label))
            previous = segment.kind
        if not body:
            continue
        if chapter_index:
            steps.append(Silence(PAUSES[Pause.CHAPTER]))
        steps += [ChapterStart(chapter.title, chapter.kind), *body]
        chapter_index += 1
    steps.append(Silence(PAUSES[Pause.TAIL]))
    return steps


#: Pauses at least this long are cut in the middle into two pieces of the encoded episode
#: (between paragraphs, around headings, between chapters), so an edit re-encodes one piece.
PIECE_CUT_S = PAUSES[Pause.SEGMENT]


def pieces(steps: Iterable[Step]) -> list[list[Step]]:
    """Cut the plan into pieces in the middle of every pause of at least PIECE_CUT_S.

    A cut depends only on the pause it falls in, so an edit leaves every other piece as it was.
    """
    out: list[list[Step]] = [[]]
    for step in steps:
        if isinstance(step, Silence) and step.seconds >= PIECE_CUT_S and out[-1]:
            half = Silence(step.seconds / 2)
            out[-1].append(half)
            out.append([half])
        else:
            out[-1].append(step)
    return out


def _pause(kind: SegmentKind) -> float:
    return PAUSES[SEGMENT_PAUSES.get(kind, Pause.SEGMENT)]


def _section(kind: SegmentKind, chapter: ChapterKind) -> str:
    if kind is SegmentKind.ANNOUNCEMENT:
        return CHAPTER_LABELS[chapter]
    return SECTION_LABELS[kind]


def speeches(steps: Iterable[Step]) -> list[Speech]:
    """Return the sentence steps in order."""
    return [s for s in steps if isinstance(s, Speech)]


# --------------------------------------------------------------------------- rendering


ClipSource = Callable[[Speech], np.ndarray]


def render(
    steps: Iterable[Step], clip: ClipSource, limiter: PeakLimiter | CeilingLimiter
) -> Iterator[np.ndarray]:
    """Yield the episode as float32 chunks in [-1, 1], one per step, clips fetched as needed."""
    for step in steps:
        if isinstance(step, Silence):
            yield np.zeros(_samples(step.seconds, limiter.sample_rate), dtype=np.float32)
        elif isinstance(step, Tone):
            yield render_earcon(step.earcon, limiter.sample_rate)
        elif isinstance(step, Speech):
            yield limiter.limit(clip(step).astype(np.float32) / 32768.0)


#: Attack and release of the clip limiter; long enough not to distort the voice.
LIMITER_WINDOW_S = 0.02


class PeakLimiter:
    """Meter the episode with each clip's peaks at most `headroom_db` above its loudness.

    Used by a first build, which must measure the episode before it knows the gain: the ceiling
    for each clip follows the loudness measured so far (the clip's own for the first ones), so
    the measure matches what the encode pass will play once CeilingLimiter applies the final
    gain's ceiling (the same level relative to the loudness).
    """

    def __init__(self, sample_rate: int, headroom_db: float) -> None:
        self.sample_rate = sample_rate
        self.headroom_db = headroom_db
        self.meter = LoudnessMeter(sample_rate)

    def measure(self, steps: Iterable[Step], clip: ClipSource) -> float:
        """Render and meter the episode without keeping the audio; return its LUFS."""
        for chunk in render(steps, clip, self):
            self.meter.add(chunk)
        return self.meter.integrated()

    def limit(self, samples: np.ndarray) -> np.ndarray:
        reference = self.meter.integrated()
        if not np.isfinite(reference):
            first = LoudnessMeter(self.sample_rate)
            first.add(samples)
            reference = first.integrated()
        ceiling = 10 ** ((reference + self.headroom_db) / 20) if np.isfinite(reference) else 1.0
        return limit_peaks(samples, ceiling, self.sample_rate)


class CeilingLimiter:
    """Keep every clip's peaks under one fixed ceiling (linear), set from the episode's gain."""

    def __init__(self, sample_rate: int, ceiling: float) -> None:
        self.sample_rate = sample_rate
        self.ceiling = ceiling

    def limit(self, samples: np.ndarray) -> np.ndarray:
        return limit_peaks(samples, self.ceiling, self.sample_rate)


def limit_peaks(samples: np.ndarray, ceiling: float, sample_rate: int) -> np.ndarray:
    """Return samples with no peak above `ceiling` (linear).

    A look-ahead limiter without recursion: the gain each sample needs is held at its minimum
    over +-window and then averaged over one window, which never exceeds what any peak needs.
    """
    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-9))
    if not len(samples) or needed.min() >= 1.0:
        return samples
    window = max(1, round(LIMITER_WINDOW_S * sample_rate))
    held = running_min(needed, 2 * window + 1)
    gain = moving_average(held, window + 1)
    return (samples * gain).astype(np.float32)


def running_min(values: np.ndarray, size: int) -> np.ndarray:
    """Return the minimum over a centred window of odd `size` (edges repeat); O(n), van Herk."""
    half = size // 2
    tail = half + (-(len(values) + 2 * half)) % size
    blocks = np.pad(values, (half, tail), mode="edge").reshape(-1, size)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    n = len(values)
    return np.minimum(suffix[:n], prefix[size - 1 : size - 1 + n])


def moving_average(values: np.ndarray, size: int) -> np.ndarray:
    """Return the mean over a centred window of `size` samples (edges repeat)."""
    padded = np.pad(values, (size // 2, size - 1 - size // 2), mode="edge")
    sums = np.cumsum(np.concatenate([[0.0], padded]))
    return (sums[size:] - sums[:-size]) / size


ClipWords = Callable[[Speech], "tuple[Span, ...] | None"]


def _no_words(step: Speech) -> None:
    return None


def timeline(
    steps: Iterable[Step],
    clip_length: Callable[[Speech], int],
    sample_rate: int,
    clip_words: ClipWords = _no_words,
) -> Timeline:
    """Place every step in time, one after the other from 0 (see pieces_timeline)."""
    return pieces_timeline([list(steps)], [0.0], clip_length, sample_rate, clip_words)


def pieces_timeline(
    pieces: Sequence[Sequence[Step]],
    starts: Sequence[float],
    clip_length: Callable[[Speech], int],
    sample_rate: int,
    clip_words: ClipWords = _no_words,
) -> Timeline:
    """Place every step in time: chapter marks contiguous from 0 to the end, one cue per sentence.

    A cue's words come from its clip's spoken-word spans (`clip_words`, in samples from the
    clip's start), mapped onto the written words (speech/words.written_spans) and placed
    exactly as the clip is, to the sample; a sentence without them keeps sentence timing.

    Piece k starts at `starts[k]` seconds (where its encoded frames put it) and its steps follow
    each other from there. A chapter starts where its own sound starts; the pause before it ends
    the previous chapter, so skipping to a chapter never starts in silence.
    """
    begins: list[tuple[float, ChapterStart]] = []
    cues: list[Cue] = []
    end = 0.0
    for piece, piece_start in zip(pieces, starts, strict=True):
        position = 0  # samples from the piece's start: counted whole, so times add up exactly
        for step in piece:
            at = piece_start + position / sample_rate
            length = step_samples(step, clip_length, sample_rate)
            if isinstance(step, ChapterStart):
                begins.append((at if begins else 0.0, step))
            elif isinstance(step, Speech):
                cues.append(
                    Cue(
                        start=at,
                        end=piece_start + (position + length) / sample_rate,
                        text=step.sentence.text,
                        speech=step.sentence.speech,
                        chapter_index=step.chapter,
                        section=step.section,
                        words=_words(
                            step, clip_words(step), length, piece_start, position, sample_rate
                        ),
                    )
                )
            position += length
        end = piece_start + position / sample_rate
    ends = [start for start, _ in begins[1:]] + [end] * bool(begins)
    chapters = tuple(
        ChapterMark(start, stop, mark.title, mark.kind)
        for (start, mark), stop in zip(begins, ends, strict=True)
    )
    return Timeline(duration=end, chapters=chapters, cues=tuple(cues))


def _words(
    step: Speech,
    spoken: tuple[Span, ...] | None,
    length: int,
    piece_start: float,
    position: int,
    rate: int,
) -> tuple[Word, ...]:
    """Return the cue's written words placed on the timeline, or () for sentence timing."""
    if spoken is None or any(not 0 <= a <= b <= length for a, b in spoken):
        return ()
    spans = written_spans(step.sentence.text, step.sentence.speech, spoken)
    if spans is None:
        return ()
    texts = written_words(step.sentence.text)
    return tuple(
        Word(piece_start + (position + a) / rate, piece_start + (position + b) / rate, text)
        for (a, b), text in zip(spans, texts, strict=True)
    )


def piece_samples(piece: Iterable[Step], clip_length: Callable[[Speech], int], rate: int) -> int:
    """Return how many samples the piece renders to."""
    return sum(step_samples(step, clip_length, rate) for step in piece)


def step_samples(step: Step, clip_length: Callable[[Speech], int], rate: int) -> int:
    """Return how many samples one step renders to (a chapter start makes no sound)."""
    if isinstance(step, Speech):
        return clip_length(step)
    if isinstance(step, Silence):
        return _samples(step.seconds, rate)
    if isinstance(step, Tone):
        return len(render_earcon(step.earcon, rate))
    return 0


def _samples(seconds: float, sample_rate: int) -> int:
    return round(seconds * sample_rate)


# --------------------------------------------------------------------------- loudness


class LoudnessMeter:
    """Integrated loudness of a mono stream (ITU-R BS.1770-4: K-weighting, 400 ms gated blocks).

    Fed chunk by chunk; keeps only one energy value per 100 ms, so an hour costs ~300 kB. The
    K-weighting filter runs as an FFT convolution with its impulse response (which has decayed
    below 1e-6 after 0.05 s), so no signal-processing library is needed.
    """

    def __init__(self, sample_rate: int) -> None:
        self._response = k_weighting_response(sample_rate)
        self._carry = np.zeros(len(self._response) - 1)
        self._step = sample_rate // 10  # blocks overlap by 75%: four 100 ms steps each
        self._pending = np.zeros(0)
        self._energies: list[float] = []

    def add(self, chunk: np.ndarray) -> None:
        """Measure the next chunk of float samples."""
        if not len(chunk):
            return
        if not chunk.any():  # silence: only the previous chunk's filter tail comes out
            weighted = np.zeros(len(chunk) + len(self._carry))
            weighted[: len(self._carry)] = self._carry
            self._advance(weighted, len(chunk))
            return
        size = len(chunk) + len(self._response) - 1
        fft_size = 1 << (size - 1).bit_length()
        spectrum = np.fft.rfft(chunk.astype(np.float64), fft_size)
        weighted = np.fft.irfft(spectrum * np.fft.rfft(self._response, fft_size), fft_size)[:size]
        weighted[: len(self._carry)] += self._carry
        self._advance(weighted, len(chunk))

    def _advance(self, weighted: np.ndarray, length: int) -> None:
        """Keep the filter tail beyond `length` for the next chunk; sum squares per 100 ms."""
        self._carry = weighted[length : length + len(self._response) - 1].copy()
        if len(self._carry) < len(self._response) - 1:
            self._carry = np.pad(self._carry, (0, len(self._response) - 1 - len(self._carry)))
        data = np.concatenate([self._pending, weighted[:length]])
        whole = len(data) // self._step * self._step
        squares = np.square(data[:whole]).reshape(-1, self._step).sum(axis=1)
        self._energies.extend(squares.tolist())
        self._pending = data[whole:]

    @property
    def energies(self) -> list[float]:
        """Sums of squared K-weighted samples, one per whole 100 ms step metered so far."""
        return self._energies

    def integrated(self) -> float:
        """Return the gated loudness in LUFS (-inf for silence)."""
        return integrated_loudness([self._energies], self._step)


_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0


def integrated_loudness(parts: Iterable[Sequence[float]], step: int) -> float:
    """Return the gated loudness in LUFS of parts metered apart (their energies per step).

    The 400 ms blocks are formed inside each part and gated together; parts that meet in
    silence (pieces of one episode) give the loudness of the whole within a few hundredths.
    """
    blocks = [np.zeros(0)]
    for part in parts:
        steps = np.asarray(part, dtype=np.float64)
        if len(steps) >= 4:
            blocks.append((steps[:-3] + steps[1:-2] + steps[2:-1] + steps[3:]) / (4 * step))
    block = np.concatenate(blocks)
    if not len(block):
        return float("-inf")
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(block)
    gated = block[loudness > _ABSOLUTE_GATE]
    if not len(gated):
        return float("-inf")
    relative = -0.691 + 10 * np.log10(gated.mean()) + _RELATIVE_GATE
    gated = block[(loudness > _ABSOLUTE_GATE) & (loudness > relative)]
    return float(-0.691 + 10 * np.log10(gated.mean()))


#: Length of the K-weighting impulse response used by the meter (it decays below 1e-6 of its
#: peak within 0.05 s at any rate).
K_RESPONSE_S = 0.1


@cache
def k_weighting_response(rate: int) -> np.ndarray:
    """Return the impulse response of the BS.1770 pre-filter and RLB high-pass at `rate`."""
    k = np.tan(np.pi * 1681.974450955533 / rate)
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    q = 0.7071752369554196
    a0 = 1 + k / q + k * k
    shelf = (
        [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
        [2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0],
    )
    k = np.tan(np.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    high_pass = ([1.0, -2.0, 1.0], [2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    response = np.zeros(round(K_RESPONSE_S * rate))
    response[0] = 1.0
    for b, a in (shelf, high_pass):
        response = _biquad(response, b, a)
    return response


def _biquad(x: np.ndarray, b: list[float], a: list[float]) -> np.ndarray:
    """Filter x with one biquad (direct form I); only ever run on a short impulse."""
    out = np.zeros_like(x)
    x1 = x2 = y1 = y2 = 0.0
    for i, value in enumerate(x.tolist()):
        y = b[0] * value + b[1] * x1 + b[2] * x2 - a[0] * y1 - a[1] * y2
        x2, x1, y2, y1 = x1, value, y1, y
        out[i] = y
    return out
