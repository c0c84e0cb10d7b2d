"""Run a job worker for the tests:
python tests/jobs_worker.py ROOT CLIPS SECONDS_PER_SENTENCE [DATABASE_URL].

The worker speaks with the fake voice, slowed down so a test can kill it mid-job.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audionews.audio.fake import FakeSynthesizer
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
    database_url = sys.argv[4] if len(sys.argv) > 4 else ""
    jobs.use_synthesizer(lambda: SlowFakeSynthesizer(delay))
    jobs.run_worker(make_settings(root, clips, database_url))
