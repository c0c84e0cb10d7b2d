"""Benchmark a one-sentence correction through the job queue against a cold publish; print both.

    .venv/bin/python bench/correction_speed.py [--repeat 3]

Side by side in one run on the sample article (samples/ukraine-talks.txt) with the real voice.
One `audionews worker` process (the real CLI, SQLite queue) runs every job, as in production,
so both kinds of job pay the same queue, process and voice-loading costs (the voice is loaded
by an untimed warm-up job). Rounds interleave so machine noise hits both alike; medians shown.

- cold publish: the article published as a new episode with an empty clip cache (the
  worker's clip cache and encoded pieces are moved aside for that job and back after it: a
  job runs with the worker's own settings, so the cache cannot be chosen per job, and the
  corrections must still find the clips their episodes were built from);
- correction: one sentence of a published episode changed, with a correction note (so the
  announcement, the note and the changed sentence are spoken; everything else is cached),
  timed from submitting the job to the job reporting "published".

Target: correction / cold <= 0.15.

What bounds the ratio (measured 2026-11-27 on the shared 2-core machine, real voice): a
correction synthesizes 2-3 sentences (announcement, note, changed sentence: ~1.1-1.3 s), then
encodes only the 2-4 MP3 pieces that hold them (~0.2 s; audio/pieces.py) and splices them with
the stored ones; the rest (feed, tags, queue) is ~0.3 s. Median 1.81 s against a 12.67 s cold
publish: 0.143. Before pieces, the whole ~160 s episode was re-encoded (~1.2 s more): 0.21-0.26.
Synthesis is now most of a correction, so the ratio moves with how long the changed sentences are.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from audionews.config import Settings  # noqa: E402
from audionews.publish import jobs  # noqa: E402

SAMPLE = ROOT / "samples" / "ukraine-talks.txt"
AUDIONEWS = str(Path(sys.executable).with_name("audionews"))
ORIGINAL = "dragged on for more than three years"
#: One edit per round: each changes the same one sentence to words the cache has not heard.
EDITS = [
    "dragged on for over three years",
    "lasted for more than three years",
    "gone on for more than three years",
    "dragged on for more than three long years",
    "continued for more than three years",
]
NOTES = [
    "An earlier version misstated how long the war has lasted.",
    "This article was corrected to describe the length of the war accurately.",
    "We corrected a sentence about how long the war has gone on.",
    "A sentence about the war's length was changed for accuracy.",
    "The length of the war was described incorrectly and has been fixed.",
]
TARGET = 0.15


def run_job(settings: Settings, action: str, **fields: object) -> tuple[float, jobs.JobView]:
    """Submit a job and wait until the worker finishes it; return the seconds and the job."""
    began = time.perf_counter()
    job = jobs.submit(settings, action, **fields)  # type: ignore[arg-type]
    while not job.finished:
        time.sleep(0.02)
        job = jobs.get_job(settings, job.id)
    seconds = time.perf_counter() - began
    if job.state != "published":
        sys.exit(f"job {job.id} ({action}) failed: {job.message}")
    return seconds, job


@contextlib.contextmanager
def caches_aside(settings: Settings) -> Iterator[None]:
    """Run the block with the worker's clip cache and encoded pieces moved aside (empty), then
    put them back (what the block cached is dropped: Piper never speaks a sentence twice the
    same, so those clips would not be the ones the warm episodes were built from)."""
    folders = [settings.clip_cache_dir, settings.piece_store_dir]
    for folder in folders:
        if folder.exists():
            folder.rename(folder.with_name(folder.name + ".warm"))
    try:
        yield
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
            aside = folder.with_name(folder.name + ".warm")
            if aside.exists():
                aside.rename(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (at most 5)")
    rounds = min(parser.parse_args().repeat, len(EDITS))
    source = SAMPLE.read_bytes()
    assert ORIGINAL.encode() in source, "the sample changed: update ORIGINAL"

    with tempfile.TemporaryDirectory(prefix="correction-bench-") as tmp:
        work = Path(tmp)
        settings = Settings(
            instance_dir=work / "instance",
            feed_dir=work / "feed",
            cache_dir=work / "clips",
            public_url="https://bench.example",
        )
        env = {**os.environ, "AUDIONEWS_INSTANCE_DIR": str(settings.instance_dir),
               "AUDIONEWS_FEED_DIR": str(settings.feed_dir),
               "AUDIONEWS_CACHE_DIR": str(settings.clip_cache_dir)}  # fmt: skip
        worker = subprocess.Popen(
            [AUDIONEWS, "worker"], env=env, stderr=subprocess.DEVNULL, cwd=work
        )
        try:
            # untimed: load the voice in the worker, and publish one episode per round to correct
            for i in range(rounds):
                run_job(settings, "publish", source=source, slug=f"talks-{i}")
            cold_s, fix_s, counts = [], [], []
            for i in range(rounds):
                with caches_aside(settings):  # the worker's caches, empty for this job only
                    seconds, cold_job = run_job(
                        settings, "publish", source=source, slug=f"cold-{i}"
                    )
                cold_s.append(seconds)
                edited = source.replace(ORIGINAL.encode(), EDITS[i].encode())
                seconds, fix_job = run_job(
                    settings, "correct", slug=f"talks-{i}", source=edited,
                    kind="correction", note=NOTES[i],
                )  # fmt: skip
                fix_s.append(seconds)
                counts.append((cold_job.synthesized, fix_job.synthesized, fix_job.cached))
                print(
                    f"round {i + 1}: cold publish {cold_s[-1]:6.2f} s "
                    f"({cold_job.synthesized} sentences synthesized) | correction "
                    f"{fix_s[-1]:5.2f} s ({fix_job.synthesized} synthesized, "
                    f"{fix_job.cached} cached)"
                )
        finally:
            worker.terminate()
            worker.wait(30)

    cold, fix = statistics.median(cold_s), statistics.median(fix_s)
    ratio = fix / cold
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(f"\nmedian of {rounds} rounds, real voice, one worker, SQLite queue:")
    print(f"  cold publish (empty clip cache)     {cold:6.2f} s")
    print(f"  one-sentence correction via queue   {fix:6.2f} s")
    print(f"  ratio correction / cold             {ratio:6.3f}  (target <= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
