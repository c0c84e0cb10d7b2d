"""Benchmark what word times cost synthesis, side by side in one run; print the ratio.

    .venv/bin/python bench/word_timing_cost.py [--rounds 2]

Every sentence of the sample article (samples/ukraine-talks.txt) is synthesized by two sessions
of the bundled voice, interleaved (the order alternates, so machine noise hits both alike):
the model as it is, and the model with its alignment output (synth.with_alignments) plus the
word spans made from it (synth._word_spans, espeak's isolated readings included). Target: the
second costs at most 1.02 times the first.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import onnxruntime
from piper import PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from audionews.audio.synth import PiperSynthesizer, _word_spans, with_alignments
from audionews.audio.voices import Voice, bundled_voice
from audionews.config import Settings
from audionews.pipeline import make_script

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "ukraine-talks.txt"
TARGET = 1.02


def _voice(voice: Voice, model: str | bytes) -> PiperVoice:
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(voice.config_path.read_text(encoding="utf-8")))
    return PiperVoice(config=config, session=session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    voice = bundled_voice()
    plain = _voice(voice, str(voice.model_path))
    aligned = _voice(voice, with_alignments(voice.model_path))
    words = PiperSynthesizer(voice, 2)
    script = make_script(SAMPLE.read_bytes(), Settings(), filename=SAMPLE.name)
    sentences = [s.speech for s in script.sentences() if s.speech.strip()]
    config = SynthesisConfig(normalize_audio=False)
    spent = [0.0, 0.0]
    timed = 0
    for round_ in range(options.rounds):
        for i, speech in enumerate(sentences):
            for which in (0, 1) if (i + round_) % 2 == 0 else (1, 0):
                began = time.perf_counter()
                if which == 0:
                    list(plain.synthesize(speech, config))
                else:
                    chunks = list(aligned.synthesize(speech, config, include_alignments=True))
                    timed += _word_spans(speech, chunks, words._isolated) is not None
                spent[which] += time.perf_counter() - began
    ratio = spent[1] / spent[0]
    print(f"{len(sentences)} sentences x {options.rounds}: plain {spent[0]:.2f} s, "
          f"with word times {spent[1]:.2f} s ({timed} timed to the word)")  # fmt: skip
    print(f"word times / plain synthesis: {ratio:.3f} (target <= {TARGET})")


if __name__ == "__main__":
    main()
