"""Every field a client sends is read as the schema types it, never guessed from another
type: the fuzzer found {"active": 0} taken for false and "7" for 7. This walks every
request model, so a field added later as a plain `bool`, `int` or `datetime` fails here."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hexa.drivers import http

# Every request model of every `*schemas` module (the core's, each area's).
REQUEST_MODELS = [
    model
    for info in pkgutil.iter_modules(http.__path__)
    if info.name.endswith("schemas")
    and hasattr(module := importlib.import_module(f"{http.__name__}.{info.name}"), "_In")
    for model in module._In.__subclasses__()
]
# A value of another JSON type, and what a lax reading would make of it.
GUESSES: list[tuple[Any, type]] = [
    ("7", int), ("7.5", float), (0, bool), ("true", bool), (1_900_000_000, datetime),
]  # fmt: skip


def _fields() -> list[tuple[str, Any]]:
    return [
        # A top-level Annotated's metadata (Strict, validators) lives apart from the type.
        (f"{model.__name__}.{name}", Annotated[field.annotation, *field.metadata])
        if field.metadata
        else (f"{model.__name__}.{name}", field.annotation)
        for model in REQUEST_MODELS
        for name, field in model.model_fields.items()
    ]


def test_every_request_model_is_walked() -> None:
    assert {m.__name__ for m in REQUEST_MODELS} >= {"ApiKeyIn", "UserChange", "Credentials"}


@pytest.mark.parametrize(("where", "annotation"), _fields(), ids=[w for w, _ in _fields()])
def test_no_field_guesses_a_value_from_another_type(where: str, annotation: Any) -> None:
    adapter = TypeAdapter(annotation)
    for given, guessed in GUESSES:
        try:
            read = adapter.validate_python(given)
        except ValidationError:
            continue
        if isinstance(read, BaseModel):
            continue
        assert not (type(read) is guessed and type(given) is not guessed), (
            f"{where} reads {given!r} as {read!r}"
        )
