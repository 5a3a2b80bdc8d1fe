"""Packets over HTTP: upload, job, report (JSON and CSV), and what a bad upload gets."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hexa.bootstrap import Hexa
from tests.http.api import JOBS, assert_problem, finished_job
from tests.http.inspection_api import RULES, create_rule

PACKETS = "/api/v1/packets"
HEADER = "inspection,subject,key,value,unit\n"


def a_packet(rows: int, hot_every: int = 0) -> tuple[bytes, set[int]]:
    """`rows` temperature readings, four per inspection; every `hot_every`th is too hot.
    Answers the CSV and the line numbers of the planted violations."""
    lines, planted = [HEADER], set()
    for n in range(rows):
        hot = hot_every and n % hot_every == hot_every - 1
        lines.append(f"INS-{n // 4},pump {n // 4},temp,{95 if hot else 50},C\n")
        if hot:
            planted.add(n + 2)  # line 1 is the header
    return "".join(lines).encode(), planted


def kept_packets(hexa: Hexa) -> list[Path]:
    return list(Path(hexa.settings.blob_dir).glob("*packet-*"))


async def upload(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(PACKETS, files={"file": ("packet.csv", body, "text/csv")})


async def test_a_packet_is_judged_row_by_row_and_reported(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client)
    body, planted = a_packet(400, hot_every=37)

    response = await upload(client, body)

    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.headers["location"] == f"{JOBS}/{job_id}"
    job = await finished_job(client, hexa, job_id)
    assert job["status"] == "done" and job["total"] == 400 and job["processed"] == 400
    assert job["result"] | {} == {
        "rows": 400, "inspections": 100, "failed_inspections": len(planted),
        "errors": len(planted), "warnings": 0, "verdict": "failed",
    }  # fmt: skip
    report = (await client.get(f"{JOBS}/{job_id}/report")).json()
    assert {f["line"] for f in report["findings"]} == planted
    assert report["summary"]["rows"] == 400
    as_csv = await client.get(f"{JOBS}/{job_id}/report", headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {int(r["line"]) for r in rows} == planted
    assert all(r["rule_name"] == "temp ceiling" and r["value"] == "95" for r in rows)
    rule_id = (await client.get(RULES)).json()["items"][0]["id"]
    assert {r["rule"] for r in rows} == {f["rule"] for f in report["findings"]} == {rule_id}
    # A plain link cannot send Accept: `format` picks the same bodies.
    by_link = await client.get(f"{JOBS}/{job_id}/report", params={"format": "csv"})
    assert by_link.headers["content-type"].startswith("text/csv")
    assert by_link.text == as_csv.text
    as_json = await client.get(
        f"{JOBS}/{job_id}/report", params={"format": "json"}, headers={"Accept": "text/csv"}
    )
    assert as_json.json() == report


async def test_a_clean_packet_passes_with_an_empty_report(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client)
    job_id = (await upload(client, a_packet(10)[0])).json()["job_id"]
    job = await finished_job(client, hexa, job_id)
    assert job["result"]["verdict"] == "passed"
    report = await client.get(f"{JOBS}/{job_id}/report", headers={"Accept": "text/csv"})
    header = "line,inspection,subject,key,value,rule,rule_name,severity,message"
    assert report.text.strip() == header


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (b"inspection,subject,key,value\nA,s,k,1\n", 1),
        (HEADER.encode() + b"A,s,temp,1,C\nA,s,temp,2\n", 3),
        (HEADER.encode() + b"A,s,temp,1,C\n,s,temp,1,C\n", 3),
        (HEADER.encode() + b'A,s,temp,"1,C\n', 2),
        (HEADER.encode() + b"A,s,temp,1,C\nB,s,temp,1,C\nA,s,temp,1,C\n", 4),
        (HEADER.encode() + b"A,s,temp,\xff,C\n", 2),
    ],
    ids=["header", "short-row", "no-reference", "open-quote", "regrouped", "not-utf8"],
)
async def test_a_malformed_packet_is_a_422_naming_the_first_bad_line(
    client: httpx.AsyncClient, hexa: Hexa, body: bytes, line: int
) -> None:
    response = await upload(client, body)
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith(f"line {line}:"), problem["detail"]
    assert not kept_packets(hexa), "a refused upload was kept"


async def test_an_empty_packet_or_a_missing_file_is_a_422(client: httpx.AsyncClient) -> None:
    assert_problem(await upload(client, b""), 422)
    assert_problem(await upload(client, HEADER.encode()), 422)
    assert_problem(await client.post(PACKETS, data={"other": "x"}), 422)
    assert_problem(await client.post(PACKETS, json={"file": "x"}), 422)


async def test_a_packet_over_max_upload_bytes_is_a_413(client: httpx.AsyncClient) -> None:
    body, _ = a_packet(5000)  # the test settings cap uploads at 64 KiB
    assert len(body) > 64 * 1024
    assert_problem(await upload(client, body), 413)


async def test_a_report_of_an_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{JOBS}/nope/report"), 404)
    assert_problem(await client.get(f"{JOBS}/nope"), 404)


async def test_uploading_needs_inspections_write(anonymous: httpx.AsyncClient) -> None:
    assert_problem(await upload(anonymous, a_packet(1)[0]), 401)


async def test_a_file_just_over_max_upload_bytes_is_a_413_and_nothing_is_kept(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    body, _ = a_packet(5000)
    limit = hexa.settings.max_upload_bytes
    just_over = body[: body.index(b"\n", limit) + 1]  # under the request cap, over the file's
    assert limit < len(just_over) < limit + 1024

    multipart = httpx.Request("POST", "http://test", files={"file": ("p.csv", just_over)})
    content = multipart.read()

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: read as it comes
        for start in range(0, len(content), 8192):
            yield content[start : start + 8192]

    headers = {"content-type": multipart.headers["content-type"]}
    response = await client.post(PACKETS, content=streamed(), headers=headers)
    problem = assert_problem(response, 413)
    assert "MAX_UPLOAD_BYTES" in problem["detail"]
    assert not kept_packets(hexa)


def a_json_packet(*records: dict[str, object]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


@pytest.mark.parametrize(
    ("filename", "media"),
    [("packet.jsonl", "application/octet-stream"), ("packet", "application/x-ndjson")],
    ids=["by-name", "by-media-type"],
)
async def test_a_json_lines_packet_keeps_its_values_typed(
    client: httpx.AsyncClient, hexa: Hexa, filename: str, media: str
) -> None:
    await create_rule(client)  # temp at most 80
    await client.post(
        "/api/v1/rules",
        json={"name": "sealed", "key": "sealed", "kind": "equals", "params": {"expected": True}},
    )
    body = a_json_packet(
        {"inspection": "A", "subject": "boiler", "key": "temp", "value": 95, "unit": "C"},
        {"inspection": "A", "subject": "boiler", "key": "sealed", "value": True},
        {"inspection": "B", "subject": "valve", "key": "temp", "value": 50.5, "unit": None},
        {"inspection": "B", "subject": "valve", "key": "sealed", "value": "true"},
    )

    response = await client.post(PACKETS, files={"file": (filename, body, media)})

    assert response.status_code == 202, response.text
    job = await finished_job(client, hexa, response.json()["job_id"])
    assert (job["status"], job["total"], job["result"]["failed_inspections"]) == ("done", 4, 2)
    report = (await client.get(f"{JOBS}/{job['id']}/report")).json()["findings"]
    # "true" is text, not the boolean the rule expects: typed values are what JSON lines add
    assert sorted((f["line"], f["rule_name"]) for f in report) == [
        (1, "temp ceiling"), (4, "sealed")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "line", "why"),
    [
        (
            [b'{"inspection": "A", "subject": "s", "key": "k", "value": 1}', b"[1, 2]"],
            2,
            "not a JSON object",
        ),
        (
            [b'{"inspection": "A", "subject": "s", "key": "k", "valeu": 1}'],
            1,
            "unexpected field 'valeu'",
        ),
        ([b'{"inspection": "A", "subject": "s", "key": "k", "value": null}'], 1, "value must be"),
        ([b'{"inspection": 7, "subject": "s", "key": "k", "value": 1}'], 1, "inspection must be"),
        (
            [b'{"inspection": "A", "subject": "s", "key": "k", "value": 1', b""],
            1,
            "not a JSON object",
        ),
    ],
    ids=["array", "misspelt", "null", "number-reference", "cut-short"],
)
async def test_a_malformed_json_lines_packet_is_a_422_naming_the_first_bad_line(
    client: httpx.AsyncClient, hexa: Hexa, lines: list[bytes], line: int, why: str
) -> None:
    body = b"\n".join(lines)
    response = await client.post(PACKETS, files={"file": ("p.jsonl", body, "application/x-ndjson")})
    problem = assert_problem(response, 422)
    assert problem["detail"].startswith(f"line {line}: {why}"), problem["detail"]
    assert not kept_packets(hexa)


def _multipart(*parts: tuple[str, str | None, bytes], boundary: str = "hexa-b") -> bytes:
    """A multipart body of (field name, filename or None for a plain value, content)."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


async def post_multipart(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    headers = {"content-type": "multipart/form-data; boundary=hexa-b"}
    return await client.post(PACKETS, content=body, headers=headers)


async def test_form_fields_beside_the_file_are_skipped(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    packet, _ = a_packet(8, hot_every=3)
    body = _multipart(("note", None, b"from the scanner"), ("file", "p.csv", packet))
    response = await post_multipart(client, body)
    assert response.status_code == 202, response.text
    job = await finished_job(client, hexa, response.json()["job_id"])
    assert (job["status"], job["total"]) == ("done", 8)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (_multipart(("file", "a.csv", HEADER.encode()), ("file", "b.csv", b"x")), "one file"),
        (_multipart(("file", None, b"not a file")), "must be a file"),
        (_multipart(("packet", "p.csv", a_packet(2)[0])), "no file in the field"),
        (_multipart(("file", "p.csv", a_packet(2)[0]))[:-40], "ended inside the file"),
        (b"--hexa-b\r\nnot a header line\r\n\r\n", "malformed"),
        (
            _multipart(("file", "p.csv", a_packet(2)[0]))[: -len("--\r\n")]
            + b'\r\nContent-Disposition: form-data; name="note"\r\n\r\nx',
            "before its closing boundary",
        ),
        (_multipart(*[("note", None, b"x")] * 11, ("file", "p.csv", b"")), "more than 10 parts"),
    ],
    ids=[
        "two-files",
        "plain-value",
        "other-field",
        "cut-short",
        "bad-headers",
        "unclosed",
        "many-parts",
    ],  # fmt: skip
)
async def test_a_multipart_body_that_is_not_one_packet_file_is_a_422_and_nothing_is_kept(
    client: httpx.AsyncClient, hexa: Hexa, body: bytes, says: str
) -> None:
    problem = assert_problem(await post_multipart(client, body), 422)
    assert says in problem["detail"], problem["detail"]
    assert not kept_packets(hexa)


async def test_a_body_over_the_request_cap_is_a_413_and_no_error_is_logged(
    client: httpx.AsyncClient, hexa: Hexa, caplog: pytest.LogCaptureFixture
) -> None:
    packet, _ = a_packet(hexa.settings.max_upload_bytes // 25)
    # A big form field first: the request cap is reached before the file's own.
    content = _multipart(("note", None, b"n" * 20_000), ("file", "p.csv", packet))

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length to refuse it by
        for start in range(0, len(content), 8192):
            yield content[start : start + 8192]

    headers = {"content-type": "multipart/form-data; boundary=hexa-b"}
    with caplog.at_level("INFO"):
        response = await client.post(PACKETS, content=streamed(), headers=headers)
    assert "request body exceeds" in assert_problem(response, 413)["detail"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r for r in caplog.records if r.getMessage().startswith("client left")]
    assert not kept_packets(hexa)
