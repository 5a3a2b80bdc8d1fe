"""No link to a blob reaches a log line: presigned S3 URLs (and the credentials that sign
them) and the app's own signed links are bearer tokens. Every logger at DEBUG, through
attachments, a packet and its report, over S3 and over a local directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build
from hexa.config import load_settings
from hexa.domain.access import Role, role_scopes
from hexa.drivers.http.app import create_app
from tests.families import kept_adapters
from tests.log_capture import captured_logs
from tests.servers import S3Server

SECRET = "x" * 40
S3_SECRET = "s3-secret-key-that-must-never-be-logged"
PHOTO = b"\xff\xd8\xff" + b"p" * 3000


@pytest.fixture(params=kept_adapters("s3", "local"))
async def graph(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Hexa, str | None]]:
    store: dict[str, Any] = {}
    if request.param == "s3":
        s3: S3Server = request.getfixturevalue("s3")
        bucket = request.getfixturevalue("s3_bucket")
        store = s3.settings(bucket) | {"aws_secret_access_key": S3_SECRET}
    settings = load_settings(
        persistence="memory", env="test", queue_backend="inprocess", jwt_secret=SECRET,
        api_key_pepper=SECRET, blob_dir=str(tmp_path / "blobs"), log_level="DEBUG", **store,
    )  # fmt: skip
    async with build(settings, hasher=Argon2PasswordHasher.fast_for_tests()) as built:
        yield built, store.get("s3_endpoint")


def _secrets_of(url: str) -> list[str]:
    """What makes a link a credential: a presigned URL's signature, or an app link's token."""
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Signature" in query:
        return [query["X-Amz-Signature"][0], url]
    return [url.rsplit("/", 1)[1], url]


async def test_no_link_to_a_blob_reaches_a_log_line(graph: tuple[Hexa, str | None]) -> None:
    hexa, endpoint = graph
    operator = hexa.tokens.issue("ops", role_scopes(Role.ADMIN), kind="service")
    transport = httpx.ASGITransport(app=create_app(hexa=hexa))
    secrets: list[str] = []
    with captured_logs(hexa.settings) as logs:
        async with (
            httpx.AsyncClient(
                transport=transport,
                base_url="https://test",
                headers={"Authorization": f"Bearer {operator}"},
            ) as api,
            httpx.AsyncClient(timeout=10) as outside,
        ):
            inspection = (await api.post("/api/v1/inspections", json={"subject": "s"})).json()
            base = f"/api/v1/inspections/{inspection['id']}/attachments"
            body = {"filename": "p.jpg", "content_type": "image/jpeg", "size": len(PHOTO)}
            declared = (await api.post(base, json=body)).json()
            upload = declared["upload"]
            sender = outside if endpoint else api
            sent = await sender.put(upload["url"], content=PHOTO, headers=upload["headers"])
            assert sent.status_code in (200, 204), sent.text
            await api.post(f"{base}/{declared['id']}/complete")
            listed = (await api.get(base)).json()["items"]
            download = listed[0]["download_url"]
            assert (await (outside if endpoint else api).get(download)).content == PHOTO
            await api.get(f"{base}/{declared['id']}?download=1")
            await api.get(f"/api/v1/blobs/{_secrets_of(download)[0]}/trailing")  # unmatched
            packet = b"inspection,subject,key,value,unit\nA,pump,temp,50,C\n"
            accepted = await api.post("/api/v1/packets", files={"file": ("p.csv", packet)})
            await asyncio.wait_for(hexa.queue.drain(), 10)  # type: ignore[attr-defined]
            job = (await api.get(f"/api/v1/jobs/{accepted.json()['job_id']}")).json()
            secrets += _secrets_of(upload["url"]) + _secrets_of(download)
            secrets += _secrets_of(job["report_url"]) + [operator]
            if endpoint:
                secrets += [upload["url"].split("?")[1], S3_SECRET]

    # The test's own HTTP client (httpx) stands for the devices and browsers: its lines
    # are not the service's.
    served = [e for e in logs.events() if not e["logger"].startswith(("httpx", "httpcore"))]
    text = "\n".join(map(str, served))
    assert len(served) >= 8  # an access event per request, the job
    for secret in secrets:
        assert len(secret) >= 16 and secret not in text, f"logged: {secret[:12]}..."
    assert "botocore" not in {e["logger"].split(".")[0] for e in served}
