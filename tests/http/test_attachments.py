"""Attachments over HTTP with a store that signs no links (memory-backed app, local
directory): declare, upload with the ticket to the app's signed route, complete, list,
download byte-exact, delete; and what hostile input and bad links get."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hexa.bootstrap import Hexa
from hexa.config import Settings
from tests.http.api import KEYS, assert_problem
from tests.http.inspection_api import INSPECTIONS, create_inspection

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"attachment_max_bytes": 64 * 1024, "attachments_per_inspection": 3}
    )


def stored_files(hexa: Hexa, pattern: str = "*") -> list[Path]:
    return [p for p in Path(hexa.settings.blob_dir).rglob(pattern) if p.is_file()]


def attachments(inspection_id: str) -> str:
    return f"{INSPECTIONS}/{inspection_id}/attachments"


async def declare(client: httpx.AsyncClient, inspection_id: str, **fields: Any) -> httpx.Response:
    body = {"filename": "gauge.png", "content_type": "image/png", "size": len(PNG)} | fields
    return await client.post(attachments(inspection_id), json=body)


async def uploaded(
    client: httpx.AsyncClient, inspection_id: str, data: bytes = PNG
) -> dict[str, Any]:
    """A stored attachment: declared, sent with its ticket, completed."""
    declared = await declare(client, inspection_id, size=len(data))
    assert declared.status_code == 201, declared.text
    upload = declared.json()["upload"]
    sent = await client.request(
        upload["method"], upload["url"], content=data, headers=upload["headers"]
    )
    assert sent.status_code == 204, sent.text
    completed = await client.post(f"{declared.headers['Location']}/complete")
    assert completed.status_code == 200, completed.text
    body: dict[str, Any] = completed.json()
    return body


async def test_an_attachment_goes_up_with_its_ticket_and_comes_down_byte_exact(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    inspection = await create_inspection(client)
    declared = await declare(client, inspection["id"])
    assert declared.status_code == 201, declared.text
    body = declared.json()
    assert body["status"] == "pending" and body["download_url"] is None
    assert declared.headers["Location"] == f"{attachments(inspection['id'])}/{body['id']}"
    upload = body["upload"]
    assert upload["method"] == "PUT"
    assert upload["url"].startswith("http://test/api/v1/blobs/")
    assert upload["headers"] == {"Content-Type": "image/png"}

    sent = await client.put(upload["url"], content=PNG, headers=upload["headers"])
    assert sent.status_code == 204
    stored = (await client.post(f"{declared.headers['Location']}/complete")).json()
    assert stored["status"] == "stored" and stored["stored_at"]

    listed = (await client.get(attachments(inspection["id"]))).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    got = await client.get(listed[0]["download_url"])
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith('attachment; filename="gauge.png"')
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]

    direct = await client.get(f"{declared.headers['Location']}?download=1")
    assert direct.status_code == 200 and direct.content == PNG
    assert direct.headers["content-disposition"].startswith("attachment;")

    gone = await client.delete(declared.headers["Location"])
    assert gone.status_code == 204
    assert_problem(await client.get(declared.headers["Location"]), 404)
    assert not stored_files(hexa, body["id"])
    actions = [e["action"] for e in (await client.get("/api/admin/audit")).json()["items"]]
    assert {"attachment.attached", "attachment.deleted"} <= set(actions)


async def test_completing_before_the_upload_is_a_409_and_it_stays_pending(
    client: httpx.AsyncClient,
) -> None:
    inspection = await create_inspection(client)
    declared = await declare(client, inspection["id"])
    assert_problem(await client.post(f"{declared.headers['Location']}/complete"), 409)
    assert (await client.get(declared.headers["Location"])).json()["status"] == "pending"
    assert_problem(await client.get(f"{declared.headers['Location']}?download=1"), 409)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"size": 64 * 1024 + 1}, 413),
        ({"content_type": "text/html"}, 415),
        ({"content_type": "image/svg+xml"}, 415),
        ({"content_type": "application/x-msdownload"}, 415),
        ({"size": 0}, 422),
        ({"filename": "a\x00b.png"}, 422),
        ({"filename": "x" * 10_000}, 422),
        ({"filename": "../../"}, 422),
        ({"filename": "\u202e"}, 422),
        ({"size": "12"}, 422),
    ],
)
async def test_what_cannot_be_attached_is_refused_before_anything_is_stored(
    client: httpx.AsyncClient, fields: dict[str, Any], status: int
) -> None:
    inspection = await create_inspection(client)
    assert_problem(await declare(client, inspection["id"], **fields), status)
    assert (await client.get(attachments(inspection["id"]))).json()["items"] == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\scan.pdf", "scan.pdf"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("  .hidden.png  ", "hidden.png"),
        ("line\nbreak.png", "linebreak.png"),
        ("résumé.pdf", "résumé.pdf"),
    ],
)
async def test_a_filename_is_kept_only_as_a_name_to_show(
    client: httpx.AsyncClient, given: str, kept: str
) -> None:
    inspection = await create_inspection(client)
    declared = await declare(client, inspection["id"], filename=given)
    assert declared.status_code == 201, declared.text
    assert declared.json()["filename"] == kept
    assert "etc" not in declared.json()["upload"]["url"]


async def test_an_attachment_is_reached_only_through_its_own_inspection(
    client: httpx.AsyncClient,
) -> None:
    mine, other = await create_inspection(client), await create_inspection(client)
    stored = await uploaded(client, mine["id"])
    theirs = f"{attachments(other['id'])}/{stored['id']}"
    assert_problem(await client.get(theirs), 404)
    assert_problem(await client.get(f"{theirs}?download=1"), 404)
    assert_problem(await client.post(f"{theirs}/complete"), 404)
    assert_problem(await client.delete(theirs), 404)
    assert (await client.get(f"{attachments(mine['id'])}/{stored['id']}")).status_code == 200
    assert_problem(await client.get(attachments("no-such-inspection")), 404)
    assert_problem(await declare(client, "no-such-inspection"), 404)


async def test_an_inspection_holds_so_many_attachments(client: httpx.AsyncClient) -> None:
    inspection = await create_inspection(client)
    for _ in range(3):
        assert (await declare(client, inspection["id"])).status_code == 201
    assert_problem(await declare(client, inspection["id"]), 409)


async def test_deleting_the_inspection_deletes_its_attachments_and_their_bytes(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    inspection = await create_inspection(client)
    stored = await uploaded(client, inspection["id"])
    await declare(client, inspection["id"])  # a pending one goes too
    assert (await client.delete(f"{INSPECTIONS}/{inspection['id']}")).status_code == 204
    assert not stored_files(hexa)
    assert_problem(await client.get(stored["download_url"]), 404)


async def test_a_link_takes_exactly_its_type_and_size(client: httpx.AsyncClient) -> None:
    inspection = await create_inspection(client)
    upload = (await declare(client, inspection["id"])).json()["upload"]
    url = upload["url"]
    assert_problem(await client.put(url, content=PNG, headers={"Content-Type": "text/html"}), 415)
    assert_problem(await client.put(url, content=PNG + b"!", headers=upload["headers"]), 413)
    assert_problem(await client.put(url, content=PNG[:-1], headers=upload["headers"]), 422)

    async def chunked():  # no Content-Length: counted as it comes
        yield PNG
        yield b"extra"

    assert_problem(await client.put(url, content=chunked(), headers=upload["headers"]), 413)
    assert (await client.put(url, content=PNG, headers=upload["headers"])).status_code == 204


async def test_a_link_that_is_tampered_with_expired_or_for_another_method_is_a_403(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    inspection = await create_inspection(client)
    stored = await uploaded(client, inspection["id"])
    download = stored["download_url"]
    token = download.rsplit("/", 1)[1]
    assert_problem(
        await client.get(download[:-2] + ("A" if download[-2] != "A" else "B") + download[-1]), 403
    )
    assert_problem(
        await client.put(download, content=b"x", headers={"Content-Type": "image/png"}), 403
    )
    assert hexa.blob_links is not None and hexa.blobs is not None
    expired = await hexa.blobs.download_url(
        f"inspections/{inspection['id']}/attachments/{stored['id']}",
        filename="x.png",
        content_type="image/png",
        expires=timedelta(seconds=-1),
    )
    assert_problem(await client.get(expired), 403)
    assert_problem(await client.get(f"/api/v1/blobs/{'x' * 3000}"), 403)
    assert token not in str(await client.get("/api/admin/audit"))


async def test_readers_list_and_download_but_only_writers_attach_or_delete(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    inspection = await create_inspection(client)
    stored = await uploaded(client, inspection["id"])
    keys = {}
    for name, scopes in (("reader", ["inspections:read"]), ("rules", ["rules:read"])):
        created = await client.post(KEYS, json={"name": name, "scopes": scopes})
        keys[name] = {"X-API-Key": created.json()["token"]}
    path = f"{attachments(inspection['id'])}/{stored['id']}"
    assert (
        await anonymous.get(attachments(inspection["id"]), headers=keys["reader"])
    ).status_code == 200
    assert (await anonymous.get(f"{path}?download=1", headers=keys["reader"])).content == PNG
    assert_problem(await anonymous.delete(path, headers=keys["reader"]), 403)
    assert_problem(
        await declare(anonymous, inspection["id"])
        if False
        else await anonymous.post(
            attachments(inspection["id"]),
            json={"filename": "a.png", "content_type": "image/png", "size": 1},
            headers=keys["reader"],
        ),
        403,
    )
    assert_problem(await anonymous.get(attachments(inspection["id"]), headers=keys["rules"]), 403)
    assert_problem(await anonymous.get(attachments(inspection["id"])), 401)


async def test_a_finished_packet_gives_a_report_url_that_downloads_its_report(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    from tests.http.api import finished_job

    sent = await client.post(
        "/api/v1/packets",
        files={
            "file": ("p.csv", b"inspection,subject,key,value,unit\nA,pump,temp,50,C\n", "text/csv")
        },
    )
    job = await finished_job(client, hexa, sent.json()["job_id"])
    assert job["status"] == "done"
    report = await client.get(job["report_url"])
    assert report.status_code == 200
    assert report.headers["content-disposition"].startswith(
        f'attachment; filename="report-{job["id"]}.jsonl"'
    )
    assert report.content == b"".join(
        [c async for c in hexa.blobs.read(f"report-{job['id']}.jsonl")]
    )


async def test_abandoned_uploads_are_swept_with_whatever_was_sent(
    client: httpx.AsyncClient, hexa: Hexa, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hexa.services import attachments as attachment_service
    from hexa.services.attachments import AttachmentService

    inspection = await create_inspection(client)
    stored = await uploaded(client, inspection["id"])
    declared = (await declare(client, inspection["id"])).json()
    await client.put(declared["upload"]["url"], content=PNG, headers=declared["upload"]["headers"])
    monkeypatch.setattr(attachment_service, "ABANDONED_AFTER", timedelta(seconds=-1))
    assert await hexa.service(AttachmentService).purge_abandoned() == {"abandoned_attachments": 1}
    left = (await client.get(attachments(inspection["id"]))).json()["items"]
    assert [item["id"] for item in left] == [stored["id"]]
    assert not stored_files(hexa, declared["id"])


async def test_two_completes_at_once_both_answer_stored(client: httpx.AsyncClient) -> None:
    import asyncio

    inspection = await create_inspection(client)
    declared = await declare(client, inspection["id"])
    upload = declared.json()["upload"]
    await client.put(upload["url"], content=PNG, headers=upload["headers"])
    location = declared.headers["Location"]
    answers = await asyncio.gather(*(client.post(f"{location}/complete") for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert {a.json()["status"] for a in answers} == {"stored"}


async def test_a_store_that_fails_to_delete_leaves_an_object_never_a_record_without_one(
    client: httpx.AsyncClient, hexa: Hexa, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from hexa.domain.errors import Unavailable

    inspection = await create_inspection(client)
    stored = await uploaded(client, inspection["id"])

    async def down(name: str) -> None:
        raise Unavailable("the store is down")

    assert hexa.blobs is not None
    monkeypatch.setattr(hexa.blobs, "delete", down)
    path = f"{attachments(inspection['id'])}/{stored['id']}"
    assert (await client.delete(path)).status_code == 204
    assert_problem(await client.get(path), 404)
    assert "outlives its record" in caplog.text


async def test_an_upload_cut_short_by_the_body_limit_logs_no_link(
    client: httpx.AsyncClient, caplog: Any
) -> None:
    inspection = await create_inspection(client)
    upload = (await declare(client, inspection["id"])).json()["upload"]
    token = upload["url"].rsplit("/", 1)[1]

    async def endless():  # chunked: the limit counts it as it comes, then cuts it
        for _ in range(100):
            yield b"x" * 1024

    caplog.set_level("DEBUG")
    cut = await client.put(upload["url"], content=endless(), headers=upload["headers"])
    assert_problem(cut, 413)
    served = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert served and not [line for line in served if token in line]


def test_a_path_under_the_links_is_logged_as_its_template_even_unmatched() -> None:
    from hexa.drivers.http.request_log import route_template

    scope = {"type": "http", "path": "/api/v1/blobs/eyJ.secret.token/extra"}
    assert route_template(scope) == "/api/v1/blobs/{token}"
    assert route_template({"type": "http", "path": "/nowhere"}) == "/nowhere"
