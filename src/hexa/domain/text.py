"""Text the domain keeps: any Unicode a store can hold and a JSON answer can carry.

Two kinds of character pass a JSON parser yet break what comes after it: NUL (U+0000),
which PostgreSQL refuses in text, and a lone surrogate (U+D800 to U+DFFF alone, which
JSON's `\\ud800` escape can spell), which has no UTF-8 form, so an answer holding one
cannot be written. Refusing both where text enters keeps every stored value readable.
"""

from __future__ import annotations

from hexa.domain.errors import ValidationError


def flaw(text: str) -> str | None:
    """Why `text` cannot be kept, or None when it can."""
    if "\x00" in text:
        return "holds a NUL character (U+0000)"
    if text.isascii():  # known without a scan: most text is, and has no surrogate
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"holds a lone surrogate (U+{ord(text[error.start]):04X}), which is not Unicode text"
    return None


def check_text(what: str, text: str) -> str:
    """`text` itself, or `ValidationError` naming `what` when it cannot be kept."""
    if (why := flaw(text)) is not None:
        raise ValidationError(f"{what} {why}")
    return text


def media_type(content_type: str) -> str:
    """The media type of a `Content-Type` value, without its parameters, lower-cased
    (`Text/CSV; charset=utf-8` is `text/csv`)."""
    return content_type.split(";", 1)[0].strip().lower()
