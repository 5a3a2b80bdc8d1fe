"""The one rule for blob names, the same in every store so blobs can move between them."""

from __future__ import annotations

import re

from hexa.domain.errors import ValidationError

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"
# Up to eight segments: `inspections/{id}/attachments/{aid}` is four.
_SAFE_NAME = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{0,7}}")
MAX_NAME = 512


def checked_name(name: str) -> str:
    """The name, if a blob store accepts it: `/`-separated segments, none of which can
    leave the store's root (no empty, `.`-led or `..` part, no backslash, no NUL)."""
    if len(name) > MAX_NAME or not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise ValidationError(f"not a blob name: {name[:80]!r}")
    return name
