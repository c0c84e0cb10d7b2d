"""Run a job worker for the tests:
python tests/jobs_worker.py ROOT CLIPS SECONDS_PER_SENTENCE [SETTING=VALUE ...].

The worker speaks with the fake voice, slowed down so a test can kill it mid-job. Settings
given after the delay (redis_url, database_url, feed_dir, allow_private_urls) override the test
settings of ROOT: a worker "on another machine" has its own instance folder and shares only
what machines share.
"""

from __future__ import annotations

import sys
import time
import typing
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import audionews.worker
from audionews.audio.fake import FakeSynthesizer
from audionews.config import Settings, _coerce
from audionews.publish import jobs
from publish_helpers import make_settings


class SlowFakeSynthesizer(FakeSynthesizer):
    """The fake voice, taking `delay` seconds per sentence."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def synthesize(self, speech: str) -> np.ndarray:
        time.sleep(self.delay)
        return super().synthesize(speech)


if __name__ == "__main__":
    root, clips, delay = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    jobs.use_synthesizer(lambda: SlowFakeSynthesizer(delay))
    hints = typing.get_type_hints(Settings)
    overrides: dict[str, object] = {}
    for pair in sys.argv[4:]:  # read as the environment's AUDIONEWS_* values are
        name, _, value = pair.partition("=")
        overrides[name] = _coerce(name, value, hints[name])
    audionews.worker.run_worker(make_settings(root, clips).with_overrides(**overrides))
