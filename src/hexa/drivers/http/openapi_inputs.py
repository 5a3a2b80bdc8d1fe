"""The request side of the OpenAPI document says what the API takes, to the character.

A client (or a fuzzer) that sends what the schema allows should be answered, not refused.
Some refusals are the same for every route, made before any handler runs (`GuardedRoute`):
text with NUL or a lone surrogate, integers beyond 64 bits. Others are made by shared
dependencies that FastAPI cannot see into: an `If-Match` is a version as the ETag gave
it, a `cursor` is the URL-safe text the API gave out. `describe_inputs` writes each of
them into every parameter and request body, so the document and the refusals agree.
What no schema can say (a range whose `min` exceeds its `max`, a forged cursor, a stale
version) stays a problem answer; tests/fuzz/schemathesis.toml lists those per operation.
"""

from __future__ import annotations

from typing import Any

from hexa.drivers.http.guarded import INT_RANGE

# Any text but NUL (`hexa.domain.text.flaw`). The other text it refuses, a lone surrogate,
# is not Unicode at all: no valid JSON Schema string holds one, and patterns cannot name it.
KEPT_TEXT = "^[^\\u0000]*$"
# The spaces of `str.isspace`, which `strip()` takes off, spelled out: `\\s` differs
# between Python, ECMAScript and Rust, the engines that read these patterns.
SPACES = (
    "\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Kept text with something besides spaces: a name or a subject (`not x.strip()` refused).
NOT_BLANK = f"^[^\\u0000]*[^{SPACES}\\u0000][^\\u0000]*$"
# As `dependencies._ETAG` reads it: `"3"`, `W/"3"` or a bare 3; `*` where it is optional.
VERSION = '(W/)?"[0-9]{1,18}"|[0-9]{1,18}'
IF_MATCH = f"^[ \\t]*(\\*|{VERSION})[ \\t]*$"
IF_MATCH_VERSION = f"^[ \\t]*({VERSION})[ \\t]*$"
# As `dependencies.encode_cursor` writes it: base64url without padding.
CURSOR = "^[A-Za-z0-9_-]{1,500}$"
_SHAPED = ("enum", "const", "pattern")
# Formats no value of which holds a NUL (a `regex` may: it is text like any other).
_NUL_FREE = {"date-time", "date", "time", "duration", "uuid", "binary", "byte", "uri"}
Schema = dict[str, Any]


def describe_inputs(document: Schema, required_if_match: set[tuple[str, str]]) -> None:
    """Completes every operation's parameters and request body in place.
    `required_if_match`: the (path, method) pairs that answer 428 without `If-Match`."""
    schemas = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                _describe_parameter(parameter, (path, method) in required_if_match)
                _describe(parameter["schema"], schemas, seen)
            body = operation.get("requestBody", {}).get("content", {})
            for medium in body.values():
                if "schema" in medium:
                    _describe(medium["schema"], schemas, seen)


def _describe_parameter(parameter: Schema, required: bool) -> None:
    where, name = parameter["in"], parameter["name"].lower()
    if where == "header" and name == "if-match":
        parameter["schema"] = {
            "type": "string",
            "pattern": IF_MATCH_VERSION if required else IF_MATCH,
            "description": "the ETag of the version read: the change applies to it only",
        }
        parameter["required"] = required
    elif where == "query" and name == "cursor":
        parameter["schema"] = {
            "type": "string",
            "pattern": CURSOR,
            "description": "the `next_cursor` of the page before",
        }


def _describe(node: Any, schemas: Schema, seen: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _describe(item, schemas, seen)
        return
    if not isinstance(node, dict):
        return
    if (reference := node.get("$ref", "")).startswith("#/components/schemas/"):
        name = reference.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _describe(schemas.get(name), schemas, seen)
    kind = node.get("type")
    if (
        kind == "string"
        and node.get("format") not in _NUL_FREE
        and not any(key in node for key in _SHAPED)
    ):
        node["pattern"] = KEPT_TEXT
    elif kind == "integer":
        node.setdefault("minimum", -INT_RANGE)
        node.setdefault("maximum", INT_RANGE - 1)
    elif kind == "object" and node.get("additionalProperties") not in (None, False):
        node.setdefault("propertyNames", {"pattern": KEPT_TEXT})
    for key in ("properties", "$defs"):
        for child in node.get(key, {}).values():
            _describe(child, schemas, seen)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
        if key in node:
            _describe(node[key], schemas, seen)
