"""Checks of ours that schemathesis runs beside its own (loaded through SCHEMATHESIS_HOOKS
by scripts/fuzz_api.py): every error answer is an RFC 9457 problem document, and a
request the schema calls valid is refused only for a reason no schema can hold."""

from __future__ import annotations

import json
from typing import Any

import schemathesis

PROBLEM_FIELDS = {"type", "title", "status", "detail"}


@schemathesis.check
def problem_details_for_errors(ctx: Any, response: Any, case: Any) -> None:
    """A 4xx or 5xx answers `application/problem+json` with type, title, status and
    detail, its `status` the response's own; and carries an `X-Request-ID`."""
    status = response.status_code
    if status < 400:
        return
    kind = response.headers.get("content-type", [""])
    kind = kind[0] if isinstance(kind, list) else kind
    if not kind.startswith("application/problem+json"):
        raise AssertionError(f"a {status} answered {kind or 'no content type'}, not a problem")
    body = json.loads(response.content)
    missing = PROBLEM_FIELDS - body.keys()
    if missing:
        raise AssertionError(f"the {status} problem lacks {sorted(missing)}")
    if body["status"] != status:
        raise AssertionError(f"the problem says status {body['status']} on a {status}")


# Problem types that say a request broke the schema's own terms (its shape, If-Match's
# form, a missing If-Match): a request the schema calls valid must never get one.
SHAPE_PROBLEMS = {
    "urn:hexa:problem:invalid-request",
    "urn:hexa:problem:bad-if-match",
    "urn:hexa:problem:precondition-required",
}


@schemathesis.check
def refused_by_a_rule_not_the_schema(ctx: Any, response: Any, case: Any) -> None:
    """A schema-valid request refused (the statuses schemathesis.toml allows some
    operations) is refused for a reason the schema cannot hold — a forged cursor, a stale
    version, a rule between fields — never as malformed: then the schema is wrong."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return
    try:
        kind = json.loads(response.content).get("type")
    except (ValueError, AttributeError):
        return  # not a problem document: problem_details_for_errors says so
    if kind in SHAPE_PROBLEMS:
        raise AssertionError(f"a request valid by the schema was refused as {kind}")
