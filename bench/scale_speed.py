"""Benchmark audionews on shared services against one machine, side by side in one run.

    .venv/bin/python bench/scale_speed.py [--repeat 2]

With the real voice and the real `audionews worker` (one per "machine"), each round:

1. publishes six articles (the three samples, then each again under another headline) on
   - one machine: SQLite, the SQLite job queue, the local feed/ folder and clip cache;
   - shared services: PostgreSQL, Redis, and moto's S3 server for the public files and the
     shared clip cache (cache_store), all started here on loopback;
   the first article alone (the "cold publish"), then the other five at once; both set-ups
   start from empty caches and run the same jobs. Target: shared / one machine <= 1.10;
2. corrects one sentence of the first article on a second worker with an instance folder and
   clip cache of its own (the first worker stopped), sharing only the services: the clips come
   from the shared cache. Target: correction / cold publish <= 0.15.

Rounds interleave the two set-ups so machine noise hits both alike; medians are printed. Needs
Debian's postgresql and redis-server (`make test` installs them) and moto[server] (test extra).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from audionews.config import Settings  # noqa: E402
from audionews.publish import jobs  # noqa: E402
from postgres import PostgresServer, binaries  # noqa: E402
from redis_server import running_redis  # noqa: E402
from s3_server import AWS_TEST_ENVIRON, running_moto  # noqa: E402

AUDIONEWS = str(Path(sys.executable).with_name("audionews"))
SAMPLES = [ROOT / "samples" / name for name in
           ("ukraine-talks.txt", "library-reopens.html", "school-meals.md")]  # fmt: skip
#: The second edition of each sample: another headline (so a new episode), the same body.
SECOND_EDITION = {
    "ukraine-talks.txt": (
        "Guterres opens the door to blue helmet deployment in Ukraine following peace agreement",
        "Guterres open to peacekeepers in Ukraine after a peace deal",
    ),
    "library-reopens.html": (
        "Downtown library reopens with rooftop garden after two-year renovation",
        "The downtown library is open again, with a garden on its roof",
    ),
    "school-meals.md": (
        "Free school meals extended to all primary pupils from September",
        "Every primary pupil to get free school meals from September",
    ),
}
EDIT = ("dragged on for more than three years", "dragged on for over three years")
TARGETS = {"overhead": 1.10, "correction": 0.15}
#: Each round's queue in a Redis database of its own (0 is left alone).
_REDIS_DATABASES = itertools.count(1)


def articles() -> list[tuple[str, bytes, str]]:
    """Return the six articles: (file name, bytes, slug), the first one the sample to correct."""
    found = [(path.name, path.read_bytes(), f"{path.stem}-1") for path in SAMPLES]
    for path in SAMPLES:
        old, new = SECOND_EDITION[path.name]
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{path.name} changed: update SECOND_EDITION"
        found.append((path.name, text.replace(old, new, 1).encode("utf-8"), f"{path.stem}-2"))
    return found


@contextmanager
def worker(settings: Settings, environ: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run `audionews worker` with these settings (its own machine) while the block runs."""
    # the code of this checkout, as in this process: the venv's `audionews` would import the
    # checkout it was installed from (editable), which a worktree's bench must not measure
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **environ,
           "AUDIONEWS_INSTANCE_DIR": str(settings.instance_dir),
           "AUDIONEWS_FEED_DIR": str(settings.feed_dir),
           "PUBLIC_URL": settings.public_url, "PYTHONPATH": path}  # fmt: skip
    process = subprocess.Popen([AUDIONEWS, "worker"], env=env, stderr=subprocess.DEVNULL)
    try:
        # untimed: the worker loads the voice on a short article of its own
        mark = uuid.uuid4().hex[:8]
        warm = (
            f"Worker {mark} is ready\n\nThe worker {mark} has loaded its voice. It reads "
            "this short text aloud first, so the timed jobs do not pay for loading.\n"
        )
        run(settings, [("warm.txt", warm.encode(), f"warm-{mark}")])
        yield process
    finally:
        process.terminate()
        process.wait(60)


def run(settings: Settings, batch: list[tuple[str, bytes, str]], action: str = "publish") -> float:
    """Submit the jobs at once; return the seconds until every one is published."""
    began = time.perf_counter()
    submitted = [
        jobs.submit(settings, action, source=data, filename=name, slug=slug)
        for name, data, slug in batch
    ]
    for job in submitted:
        while not job.finished:
            time.sleep(0.05)
            job = jobs.get_job(settings, job.id)
        if job.state != "published":
            sys.exit(f"job {job.id} ({action} {job.slug}) failed: {job.message}")
    return time.perf_counter() - began


def one_machine(work: Path) -> dict[str, float]:
    settings = Settings(instance_dir=work / "instance", feed_dir=work / "feed",
                        public_url="https://bench.example")  # fmt: skip
    batch = articles()
    with worker(settings, {}):
        cold = run(settings, batch[:1])
        rest = run(settings, batch[1:])
    return {"cold": cold, "six": cold + rest}


def shared_services(
    work: Path, pg: PostgresServer, redis_url: str, endpoint: str
) -> dict[str, float]:
    import boto3

    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    environ = {**AWS_TEST_ENVIRON, "AWS_ENDPOINT_URL": endpoint}
    os.environ.update(environ)  # this process reads the store too (job views, feeds)
    boto3.client("s3").create_bucket(Bucket=bucket)
    shared = {
        "DATABASE_URL": pg.new_database(),
        "REDIS_URL": redis_url.rsplit("/", 1)[0] + f"/{next(_REDIS_DATABASES)}",
        "AUDIONEWS_PUBLIC_STORE": f"s3://{bucket}/site",
        "AUDIONEWS_CACHE_STORE": f"s3://{bucket}/cache",
    }
    environ |= shared

    def machine(name: str) -> Settings:
        return Settings(
            instance_dir=work / name / "instance", feed_dir=work / name / "feed",
            public_url="https://bench.example", database_url=shared["DATABASE_URL"],
            redis_url=shared["REDIS_URL"], public_store=shared["AUDIONEWS_PUBLIC_STORE"],
            cache_store=shared["AUDIONEWS_CACHE_STORE"],
        )  # fmt: skip

    first, second = machine("a"), machine("b")
    batch = articles()
    with worker(first, environ):
        cold = run(first, batch[:1])
        rest = run(first, batch[1:])
    name, data, slug = batch[0]
    edited = data.replace(EDIT[0].encode(), EDIT[1].encode())
    assert edited != data, "the sample changed: update EDIT"
    with worker(second, environ):
        fix = run(second, [(name, edited, slug)], action="correct")
    return {"cold": cold, "six": cold + rest, "fix": fix}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    rounds = parser.parse_args().repeat
    bin_dir = binaries()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed: run `make test` (it installs Debian's package)")
    local: list[dict[str, float]] = []
    distributed: list[dict[str, float]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        pg = PostgresServer(bin_dir)
        pg.start()
        stack.callback(pg.stop)
        redis_url = stack.enter_context(running_redis())
        endpoint = stack.enter_context(running_moto())
        for i in range(rounds):
            local.append(one_machine(Path(tmp) / f"local-{i}"))
            distributed.append(shared_services(Path(tmp) / f"shared-{i}", pg, redis_url, endpoint))
            print(
                f"round {i + 1}: six articles {local[-1]['six']:6.1f} s one machine, "
                f"{distributed[-1]['six']:6.1f} s shared | cold publish "
                f"{distributed[-1]['cold']:5.1f} s, correction on the other machine "
                f"{distributed[-1]['fix']:5.2f} s"
            )

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    overhead = median(distributed, "six") / median(local, "six")
    correction = median(distributed, "fix") / median(distributed, "cold")
    print(f"\nmedian of {rounds} rounds, real voice, one worker per machine:")
    print(f"  six articles, SQLite + local folder          {median(local, 'six'):6.1f} s")
    print(f"  six articles, PostgreSQL + Redis + S3        {median(distributed, 'six'):6.1f} s")
    results = [
        ("shared / one machine", overhead, "overhead"),
        ("correction elsewhere / cold", correction, "correction"),
    ]
    for label, ratio, key in results:
        verdict = "ok" if ratio <= TARGETS[key] else "MISSED"
        print(f"  {label:44s} {ratio:6.3f}  (target <= {TARGETS[key]}: {verdict})")


if __name__ == "__main__":
    main()
