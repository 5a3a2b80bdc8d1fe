"""Session-wide servers, shared by the contract and integration suites; recorded spans."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.servers import S3Server, mongo_uri, postgres_url, redis_server_url, s3_server
from tests.tracing import Spans, recording


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A migrated PostgreSQL database URL for the whole session."""
    from hexa.adapters.sql.migrations import upgrade

    with postgres_url() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server_url() as url:
        yield url


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[str]:
    with mongo_uri() as uri:
        yield uri


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
def s3_bucket(s3: S3Server) -> Iterator[str]:
    """A new, empty bucket for one test, emptied and removed after it."""
    name = f"hexa-test-{uuid.uuid4().hex[:12]}"
    client = s3.client()
    client.create_bucket(Bucket=name)
    yield name
    for upload in client.list_multipart_uploads(Bucket=name).get("Uploads", []):
        client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def spans() -> Iterator[Spans]:
    """The spans this test makes, through the process's recording provider."""
    provider, recorder = recording()
    provider.force_flush()
    recorder.kept.clear()
    recorder.listening = True
    try:
        yield Spans(provider, recorder)
    finally:
        provider.force_flush()
        recorder.listening = False
        recorder.kept.clear()
