"""Attachments and reports with BLOB_BACKEND=s3 (moto's S3 server on loopback): the
client sends the bytes straight to the bucket with the ticket, Hexa checks the object,
downloads are presigned redirects, and /healthz reports the bucket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hexa.adapters.mail import ConsoleMailer
from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import Hexa, build
from hexa.config import load_settings
from hexa.drivers.http.app import create_app
from tests.http.api import assert_problem, finished_job
from tests.http.conftest import TEST_SECRET, admin_headers
from tests.http.inspection_api import INSPECTIONS, create_inspection
from tests.servers import S3Server

PDF = b"%PDF-1.7\n" + b"0" * 5000


@pytest.fixture
async def served(
    s3: S3Server, s3_bucket: str, tmp_path: Path
) -> AsyncIterator[tuple[Hexa, httpx.AsyncClient]]:
    settings = load_settings(
        persistence="memory",
        env="test",
        queue_backend="inprocess",
        jwt_secret=TEST_SECRET,
        api_key_pepper=TEST_SECRET,
        blob_dir=str(tmp_path / "unused"),
        **s3.settings(s3_bucket, s3_prefix="hexa/"),
    )
    async with build(
        settings, hasher=Argon2PasswordHasher.fast_for_tests(), mailer=ConsoleMailer()
    ) as hexa:
        transport = httpx.ASGITransport(app=create_app(hexa=hexa))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=admin_headers(hexa)
        ) as client:
            yield hexa, client


def keys(s3: S3Server, bucket: str) -> list[str]:
    listed = s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])
    return [item["Key"] for item in listed]


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_an_attachment_goes_straight_to_the_bucket_and_back(
    served: tuple[Hexa, httpx.AsyncClient], s3: S3Server, s3_bucket: str, method: str
) -> None:
    _, client = served
    inspection = await create_inspection(client)
    declared = await client.post(
        f"{INSPECTIONS}/{inspection['id']}/attachments",
        json={"filename": "form.pdf", "content_type": "application/pdf", "size": len(PDF),
              "upload_method": method},
    )  # fmt: skip
    assert declared.status_code == 201, declared.text
    attachment = declared.json()
    upload = attachment["upload"]
    assert upload["method"] == method
    assert upload["url"].startswith(s3.endpoint)
    key = f"hexa/inspections/{inspection['id']}/attachments/{attachment['id']}"
    location = declared.headers["Location"]
    assert_problem(await client.post(f"{location}/complete"), 409)  # nothing sent yet

    async with httpx.AsyncClient() as outside:  # the device or browser, not the app
        if method == "PUT":
            sent = await outside.put(upload["url"], content=PDF, headers=upload["headers"])
        else:
            sent = await outside.post(
                upload["url"],
                data=upload["fields"],
                files={"file": ("form.pdf", PDF, "application/pdf")},
            )
        assert sent.status_code in (200, 204), sent.text
        assert keys(s3, s3_bucket) == [key]
        stored = await client.post(f"{location}/complete")
        assert stored.status_code == 200, stored.text
        assert stored.json()["status"] == "stored"

        listed = (await client.get(f"{INSPECTIONS}/{inspection['id']}/attachments")).json()
        url = listed["items"][0]["download_url"]
        assert url.startswith(s3.endpoint) and "X-Amz-Signature" in url
        assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["300"]
        got = await outside.get(url)
        assert got.content == PDF
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["content-type"] == "application/pdf"

    redirect = await client.get(f"{location}?download=1")
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(s3.endpoint)
    assert (await client.delete(location)).status_code == 204
    assert keys(s3, s3_bucket) == []


async def test_an_object_of_another_size_is_not_completed(
    served: tuple[Hexa, httpx.AsyncClient], s3: S3Server, s3_bucket: str
) -> None:
    _, client = served
    inspection = await create_inspection(client)
    declared = await client.post(
        f"{INSPECTIONS}/{inspection['id']}/attachments",
        json={"filename": "a.txt", "content_type": "text/plain", "size": 10},
    )
    key = f"hexa/inspections/{inspection['id']}/attachments/{declared.json()['id']}"
    # What S3 itself would refuse (the signed Content-Length): put there behind its back.
    s3.client().put_object(Bucket=s3_bucket, Key=key, Body=b"short", ContentType="text/plain")
    refused = assert_problem(await client.post(f"{declared.headers['Location']}/complete"), 409)
    assert "5 bytes, not the 10 declared" in refused["detail"]


async def test_a_finished_packets_report_url_is_presigned_and_minted_per_request(
    served: tuple[Hexa, httpx.AsyncClient], s3: S3Server, s3_bucket: str
) -> None:
    hexa, client = served
    sent = await client.post(
        "/api/v1/packets",
        files={
            "file": ("p.csv", b"inspection,subject,key,value,unit\nA,pump,temp,50,C\n", "text/csv")
        },
    )
    job = await finished_job(client, hexa, sent.json()["job_id"])
    assert job["report_url"].startswith(f"{s3.endpoint}/{s3_bucket}/hexa/report-")
    stored = keys(s3, s3_bucket)
    assert f"hexa/report-{job['id']}.jsonl" in stored  # and the packet beside it
    assert any(key.startswith("hexa/packet-") for key in stored)
    async with httpx.AsyncClient() as outside:
        report = await outside.get(job["report_url"])
    assert report.status_code == 200
    assert report.headers["content-disposition"].startswith(
        f'attachment; filename="report-{job["id"]}'
    )
    legacy = await client.get(f"/api/v1/jobs/{job['id']}/report")  # still served by the app
    assert legacy.status_code == 200


async def test_healthz_reports_the_bucket(served: tuple[Hexa, httpx.AsyncClient]) -> None:
    _, client = served
    health = (await client.get("/healthz")).json()
    assert health["checks"]["s3"]["status"] == "up"
    assert health["status"] == "up"
