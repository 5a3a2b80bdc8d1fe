"""The S3 store against a real S3 HTTP API (moto's server on loopback): presigned
uploads and downloads sent with httpx, multipart uploads and their abort, and start-up.

moto checks no signature, expiry, policy size range or signed content type, so what
S3 would enforce is asserted on what Hexa generates: the decoded POST policy, the PUT
URL's signed headers and lifetime, and the host a link is signed for.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hexa.adapters.s3.blobs import S3BlobStore
from hexa.bootstrap.s3 import blob_store
from hexa.config import ConfigError, load_settings
from hexa.domain.errors import Unavailable, ValidationError
from tests.servers import S3Server

NAME = "inspections/i-1/attachments/a-1"
TTL = timedelta(seconds=300)


@pytest.fixture
async def store(s3: S3Server, s3_bucket: str) -> AsyncIterator[S3BlobStore]:
    settings = load_settings(**s3.settings(s3_bucket, s3_prefix="hexa/"))
    async with AsyncExitStack() as stack:
        yield await blob_store(settings, stack)


async def _chunks(*parts: bytes, fail: bool = False) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    if fail:
        raise ValidationError("line 9: bad")


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def test_a_presigned_put_signs_type_and_length_and_stores_the_bytes(
    store: S3BlobStore, s3: S3Server, s3_bucket: str
) -> None:
    ticket = await store.upload_ticket(NAME, content_type="image/png", size=5, expires=TTL)
    query = _query(ticket.url)
    assert ticket.method == "PUT"
    assert query["X-Amz-SignedHeaders"].split(";") == ["content-length", "content-type", "host"]
    assert query["X-Amz-Expires"] == "300"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert urlsplit(ticket.url).path == f"/{s3_bucket}/hexa/{NAME}"  # the server's key

    async with httpx.AsyncClient() as client:
        sent = await client.put(ticket.url, content=b"\x89PNG!", headers=dict(ticket.headers))
    assert sent.status_code == 200
    info = await store.stat(NAME)
    assert (info.size, info.content_type) == (5, "image/png")
    stored = s3.client().get_object(Bucket=s3_bucket, Key=f"hexa/{NAME}")["Body"].read()
    assert stored == b"\x89PNG!"


async def test_a_presigned_post_policy_pins_key_type_exact_size_and_expiry(
    store: S3BlobStore,
) -> None:
    before = datetime.now(UTC)
    ticket = await store.upload_ticket(
        NAME, content_type="application/pdf", size=7, expires=TTL, form=True
    )
    assert ticket.method == "POST"
    policy = json.loads(base64.b64decode(ticket.fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 7, 7] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"key": f"hexa/{NAME}"} in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert before + TTL - timedelta(seconds=2) <= expiration <= before + TTL + timedelta(seconds=2)
    assert ticket.fields["Content-Type"] == "application/pdf"

    async with httpx.AsyncClient() as client:
        sent = await client.post(
            ticket.url,
            data=dict(ticket.fields),
            files={"file": ("x.pdf", b"%PDF-1.", "application/pdf")},
        )
    assert sent.status_code in (200, 201, 204)
    info = await store.stat(NAME)
    assert (info.size, info.content_type) == (7, "application/pdf")


async def test_a_presigned_download_is_an_attachment_of_the_pinned_type(
    store: S3BlobStore,
) -> None:
    await store.put(NAME, _chunks(b"<svg onload=alert(1)>"))
    url = await store.download_url(
        NAME, filename="ré sumé\u202e.svg", content_type="application/octet-stream", expires=TTL
    )
    assert _query(url)["X-Amz-Expires"] == "300"
    async with httpx.AsyncClient() as client:
        got = await client.get(url)
    assert got.status_code == 200
    assert got.content == b"<svg onload=alert(1)>"
    assert got.headers["content-type"] == "application/octet-stream"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''r%C3%A9%20sum%C3%A9%E2%80%AE.svg" in disposition


async def test_links_are_signed_for_the_public_endpoint(s3: S3Server, s3_bucket: str) -> None:
    public = "https://files.example.test:9443"
    settings = load_settings(**s3.settings(s3_bucket, s3_public_endpoint=public))
    async with AsyncExitStack() as stack:
        store = await blob_store(settings, stack)
        put = await store.upload_ticket(NAME, content_type="text/plain", size=1, expires=TTL)
        post = await store.upload_ticket(
            NAME, content_type="text/plain", size=1, expires=TTL, form=True
        )
        get = await store.download_url(
            NAME, filename="a.txt", content_type="text/plain", expires=TTL
        )
        await store.put(NAME, _chunks(b"x"))  # while the store itself talks to S3_ENDPOINT
        assert (await store.stat(NAME)).size == 1
    for url in (put.url, post.url, get):
        assert url.startswith(f"{public}/{s3_bucket}")
    assert "host" in _query(put.url)["X-Amz-SignedHeaders"].split(";")


async def test_a_packet_larger_than_a_part_goes_up_in_parts_and_reads_back_whole(
    s3: S3Server, s3_bucket: str
) -> None:
    settings = load_settings(**s3.settings(s3_bucket))
    async with AsyncExitStack() as stack:
        store = await blob_store(settings, stack)
        small_parts = S3BlobStore(store._client, bucket=s3_bucket, part_bytes=5 * 1024 * 1024)
        data = bytes(range(256)) * (44 * 1024)  # 11 MiB: three parts of 5, 5 and 1 MiB
        pieces = [data[i : i + 700_000] for i in range(0, len(data), 700_000)]
        assert await small_parts.put("packet-1.csv", _chunks(*pieces)) == len(data)
        assert b"".join([c async for c in small_parts.read("packet-1.csv")]) == data
    head = s3.client().head_object(Bucket=s3_bucket, Key="packet-1.csv")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object of three parts


async def test_a_failed_multipart_put_is_aborted_and_leaves_no_object(
    s3: S3Server, s3_bucket: str, store: S3BlobStore
) -> None:
    small_parts = S3BlobStore(store._client, bucket=s3_bucket, part_bytes=5 * 1024 * 1024)
    part = b"p" * (5 * 1024 * 1024)
    with pytest.raises(ValidationError):
        await small_parts.put("packet-2.csv", _chunks(part, part, b"tail", fail=True))
    client = s3.client()
    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0


async def test_a_sweep_aborts_multipart_uploads_left_by_a_killed_process(
    s3: S3Server, s3_bucket: str, store: S3BlobStore
) -> None:
    client = s3.client()
    client.create_multipart_upload(Bucket=s3_bucket, Key="hexa/packet-3.csv")
    client.create_multipart_upload(Bucket=s3_bucket, Key="elsewhere/other-app")
    initiated = client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"][0]["Initiated"]
    if datetime.now(UTC) - initiated < timedelta(days=1):  # moto dates every upload 2010
        assert await store.sweep(older_than=timedelta(days=1)) == 0  # too fresh
    assert await store.sweep(older_than=timedelta(seconds=-5)) == 1  # its prefix only
    left = [u["Key"] for u in client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]]
    assert left == ["elsewhere/other-app"]


async def test_a_missing_bucket_stops_start_up_with_one_line_naming_it(s3: S3Server) -> None:
    settings = load_settings(**s3.settings("no-such-bucket"))
    async with AsyncExitStack() as stack:
        with pytest.raises(ConfigError, match=r"^S3_BUCKET 'no-such-bucket' does not exist at"):
            await blob_store(settings, stack)


async def test_an_unreachable_endpoint_stops_start_up_with_one_line_naming_it(
    s3: S3Server,
) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    settings = load_settings(**s3.settings("a-bucket", s3_endpoint=endpoint))
    async with AsyncExitStack() as stack:
        with pytest.raises(Unavailable, match=rf"^S3_ENDPOINT {endpoint} cannot be reached"):
            await blob_store(settings, stack)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"blob_backend": "s3"}, "BLOB_BACKEND is s3 but S3_BUCKET is not set"),
        ({"s3_presign_ttl": 3601}, "S3_PRESIGN_TTL=3601"),
        ({"s3_endpoint": "minio:9000"}, "S3_ENDPOINT='minio:9000': not an endpoint URL"),
        ({"s3_endpoint": "http://key:secret@minio:9000"}, "not the URL"),
        ({"s3_bucket": "Bad_Bucket"}, "not a bucket name"),
        ({"s3_prefix": "../up"}, "S3_PREFIX"),
        ({"aws_access_key_id": "AKIA"}, "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ({"s3_public_endpoint": "https://files.example"}, "S3_ENDPOINT is not"),
        ({"s3_region": "eu west 3"}, "S3_REGION='eu west 3': not a region name"),
    ],
)
def test_wrong_s3_settings_are_one_line_each(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(**overrides)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_secret_key_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(aws_secret_access_key=12345)  # type: ignore[arg-type]
    assert "12345" not in str(refused.value)


def test_the_region_falls_back_to_aws_region_then_us_east_1() -> None:
    assert load_settings(aws_region="eu-west-3").resolved_s3_region == "eu-west-3"
    assert load_settings(aws_region="eu-west-3", s3_region="eu-north-1").resolved_s3_region == (
        "eu-north-1"
    )
    assert load_settings().resolved_s3_region == "us-east-1"


def test_a_prefix_without_its_slash_is_a_folder_all_the_same() -> None:
    assert load_settings(s3_prefix="hexa/prod").s3_prefix == "hexa/prod/"


async def test_a_link_that_cannot_be_signed_is_unavailable_not_an_error(
    store: S3BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signing reads credentials, which a role refreshes from STS: when that fails, the
    answer is a 503 to retry, not a 500."""
    from botocore.exceptions import NoCredentialsError

    async def no_credentials(*args: object, **kwargs: object) -> str:
        raise NoCredentialsError()

    monkeypatch.setattr(store._signer, "generate_presigned_url", no_credentials)
    monkeypatch.setattr(store._signer, "generate_presigned_post", no_credentials)
    for form in (False, True):
        with pytest.raises(Unavailable):
            await store.upload_ticket(
                NAME, content_type="text/plain", size=1, expires=TTL, form=form
            )
    with pytest.raises(Unavailable):
        await store.download_url(NAME, filename="a", content_type="text/plain", expires=TTL)


async def test_a_failed_put_closes_what_it_was_reading(store: S3BlobStore) -> None:
    closed = []

    async def source() -> AsyncIterator[bytes]:
        try:
            yield b"x"
            raise ValidationError("line 2: bad")
        finally:
            closed.append(True)

    with pytest.raises(ValidationError):
        await store.put("packet-4.csv", source())
    assert closed == [True]
