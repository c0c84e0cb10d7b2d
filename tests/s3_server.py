"""An S3-compatible server for the tests: moto's standalone server (moto[server]) in its own
process on a free loopback port. The code under test reaches it over HTTP through boto3, as it
would AWS S3, MinIO or R2: nothing is patched in this process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from live_server import free_port

#: What boto3 reads from the environment; the values are moto's, which accepts any key.
AWS_TEST_ENVIRON = {
    "AWS_ACCESS_KEY_ID": "audionews-test",
    "AWS_SECRET_ACCESS_KEY": "audionews-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Start moto's server for the session and return its endpoint URL."""
    with running_moto() as endpoint:
        yield endpoint


@contextmanager
def running_moto() -> Iterator[str]:
    """Run moto's S3 server while the block runs; yield its endpoint (also for the benches)."""
    import httpx

    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{endpoint}/moto-api/", timeout=1.0)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"moto_server did not start on port {port}") from None
            time.sleep(0.1)
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket on the server, with the AWS variables set to reach it."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    for name, value in AWS_TEST_ENVIRON.items():
        monkeypatch.setenv(name, value)
    bucket = f"audionews-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


def s3_environ(endpoint: str) -> dict[str, str]:
    """The environment a subprocess needs to reach the test server."""
    return {**os.environ, **AWS_TEST_ENVIRON, "AWS_ENDPOINT_URL": endpoint}
