"""The README's tour ("Try it") through a client generated from the OpenAPI document:
sign in, make an API key, a rule and an inspection, submit it, read the job's verdict;
then a packet, uploaded as a file, judged by the same rule.

    python tour.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD

Run by tests/e2e/test_generated_client_example.py beside the `hexa_client` package that
openapi-python-client generated, and type-checked with it (mypy --strict): a change to
the schema that breaks a client's code breaks this file first.
"""

from __future__ import annotations

import io
import sys
import time

from hexa_client import AuthenticatedClient, Client
from hexa_client.api.admin import create_api_key
from hexa_client.api.auth import login
from hexa_client.api.inspections import record_inspection, submit_inspection
from hexa_client.api.jobs import get_job
from hexa_client.api.packets import upload_packet
from hexa_client.api.rules import create_rule
from hexa_client.models import (
    ApiKeyIn,
    ApiKeyInScopesItem,
    InspectionIn,
    InspectionOut,
    IssuedKeyOut,
    JobAccepted,
    JobOut,
    MaxParams,
    MaxRule,
    ReadingIO,
    RuleOut,
    SignIn,
    TokensOut,
    UploadPacketBody,
)
from hexa_client.types import File

SCOPES = [
    ApiKeyInScopesItem.RULESWRITE,
    ApiKeyInScopesItem.INSPECTIONSWRITE,
    ApiKeyInScopesItem.JOBSREAD,
]


def tour(base: str, email: str, password: str) -> None:
    with Client(base_url=base) as anonymous:
        tokens = login.sync(client=anonymous, body=SignIn(email=email, password=password))
    assert isinstance(tokens, TokensOut), tokens
    with AuthenticatedClient(base_url=base, token=tokens.access_token) as admin:
        key = create_api_key.sync(client=admin, body=ApiKeyIn(name="line 3", scopes=SCOPES))
    assert isinstance(key, IssuedKeyOut), key
    with AuthenticatedClient(
        base_url=base, token=key.token, prefix="", auth_header_name="X-API-Key"
    ) as line:
        ceiling = MaxRule(name="temp ceiling", key="temp", kind="max", params=MaxParams(max_=80))
        rule = create_rule.sync(client=line, body=ceiling)
        assert isinstance(rule, RuleOut), rule
        reading = ReadingIO(key="temp", value=95, unit="C")
        inspection = record_inspection.sync(
            client=line, body=InspectionIn(subject="boiler 7", readings=[reading])
        )
        assert isinstance(inspection, InspectionOut), inspection
        assert (inspection.status, inspection.version) == ("draft", 1)
        accepted = submit_inspection.sync(client=line, inspection_id=inspection.id)
        assert isinstance(accepted, JobAccepted), accepted
        job = _ended(line, accepted.job_id)
        packet = _packet(line)
    result = job.result.additional_properties
    assert (job.status, result["verdict"]) == ("done", "failed"), job
    [finding] = result["findings"]
    assert finding["rule"] == rule.id, finding
    assert (finding["rule_name"], finding["key"], finding["value"]) == ("temp ceiling", "temp", 95)
    assert finding["message"] == "temp: 95 is above the maximum 80", finding
    print(f"tour done: job {job.id} {job.status}, verdict {result['verdict']}")
    print(f"packet done: job {packet.id}, {packet.result.additional_properties}")


def _packet(client: AuthenticatedClient) -> JobOut:
    rows = "inspection,subject,key,value,unit\nb7,boiler 7,temp,95,C\nb8,boiler 8,temp,20,C\n"
    upload = File(payload=io.BytesIO(rows.encode()), file_name="line3.csv", mime_type="text/csv")
    accepted = upload_packet.sync(client=client, body=UploadPacketBody(file=upload))
    assert isinstance(accepted, JobAccepted), accepted
    job = _ended(client, accepted.job_id)
    assert job.status == "done", job
    tally = job.result.additional_properties
    assert (tally["rows"], tally["failed_inspections"], tally["verdict"]) == (2, 1, "failed"), tally
    return job


def _ended(client: AuthenticatedClient, job_id: str) -> JobOut:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        job = get_job.sync(client=client, job_id=job_id)
        assert isinstance(job, JobOut), job
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end within 15 s")


if __name__ == "__main__":
    tour(*sys.argv[1:4])
