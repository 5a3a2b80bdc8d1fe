"""Packets, reports and attachments in S3 for real: `hexa serve` replicas and a `hexa
worker` over PostgreSQL, Redis and moto's S3 server, sharing nothing but those."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_background_jobs import (  # noqa: F401 - fixtures
    a_packet,
    empty_postgres,
    own_redis,
    stack,
    upload,
    wait_for,
)
from tests.processes import Stack
from tests.servers import S3Server

pytestmark = pytest.mark.parametrize("stack", ["s3"], indirect=True, ids=["blobs-s3"])
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 300 + b"\xff\xd9"


def test_a_packet_sent_to_one_replica_is_judged_by_the_worker_and_its_report_fetched_from_another(
    stack: Stack, s3: S3Server, s3_bucket: str
) -> None:
    body, planted = a_packet(2000, hot_every=40)
    job_id = upload(stack, body)
    other = stack.replica("serve-2")
    job = wait_for(other, job_id, lambda j: j["status"] == "done", timeout=60)
    assert job["report_url"].startswith(f"{s3.endpoint}/{s3_bucket}/")
    with httpx.Client(timeout=10) as outside:
        report = outside.get(job["report_url"])
    assert report.status_code == 200
    lines = sorted(r["line"] for r in map(_json, report.text.splitlines()) if "line" in r)
    assert lines == sorted(planted)
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert f"report-{job_id}.jsonl" in keys and any(k.startswith("packet-") for k in keys)
    assert not any(p.is_file() for p in (stack.directory / "blobs").rglob("*"))


def test_an_attachment_round_trip_leaves_nothing_in_the_bucket(
    stack: Stack, s3: S3Server, s3_bucket: str
) -> None:
    with stack.http() as api, httpx.Client(timeout=10) as outside:
        inspection = api.post("/api/v1/inspections", json={"subject": "valve 3"}).json()
        base = f"/api/v1/inspections/{inspection['id']}/attachments"
        declared = api.post(
            base, json={"filename": "valve.jpg", "content_type": "image/jpeg", "size": len(PHOTO)}
        )
        assert declared.status_code == 201, declared.text
        location = declared.headers["Location"]
        assert api.post(f"{location}/complete").status_code == 409  # not uploaded yet
        upload_ = declared.json()["upload"]
        sent = outside.put(upload_["url"], content=PHOTO, headers=upload_["headers"])
        assert sent.status_code == 200, sent.text
        assert api.post(f"{location}/complete").json()["status"] == "stored"
        listed = api.get(base).json()["items"]
        assert outside.get(listed[0]["download_url"]).content == PHOTO
        redirected = api.get(f"{location}?download=1", follow_redirects=True)
        assert redirected.content == PHOTO
        key = f"inspections/{inspection['id']}/attachments/{declared.json()['id']}"
        assert s3.client().head_object(Bucket=s3_bucket, Key=key)["ContentLength"] == len(PHOTO)
        assert api.delete(location).status_code == 204
    listed_keys = s3.client().list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    assert not [o for o in listed_keys if o["Key"].startswith("inspections/")]


def _json(line: str) -> dict[str, object]:
    import json

    loaded: dict[str, object] = json.loads(line)
    return loaded
