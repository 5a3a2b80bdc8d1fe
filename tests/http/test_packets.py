"""Packets over HTTP: upload, job, report (JSON and CSV), and what a bad upload gets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from hexa.bootstrap import Hexa
from tests.http.api import JOBS, assert_problem, create_rule, finished_job

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


async def test_a_clean_packet_passes_with_an_empty_report(
    client: httpx.AsyncClient, hexa: Hexa
) -> None:
    await create_rule(client)
    job_id = (await upload(client, a_packet(10)[0])).json()["job_id"]
    job = await finished_job(client, hexa, job_id)
    assert job["result"]["verdict"] == "passed"
    report = await client.get(f"{JOBS}/{job_id}/report", headers={"Accept": "text/csv"})
    assert report.text.strip() == "line,inspection,subject,key,value,rule_name,severity,message"


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
