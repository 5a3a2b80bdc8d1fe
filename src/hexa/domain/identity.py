"""Identifiers that sort by creation time, so keyset pages follow insertion order."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, counter) of the id made last in this process


def _next_stamp() -> tuple[int, int]:
    """Milliseconds and a 12-bit counter that only ever rise together, so ids made in the
    same millisecond still sort in the order they were made (RFC 9562, §6.2 method 1)."""
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, counter = _last
        if millis > last_millis:
            # A random start leaves room to count up within the millisecond.
            stamp = (millis, int.from_bytes(os.urandom(2), "big") & 0x7FF)
        elif counter < 0xFFF:
            stamp = (last_millis, counter + 1)
        else:  # 4096 ids in one millisecond: borrow the next one
            stamp = (last_millis + 1, 0)
        _last = stamp
        return stamp


def new_id() -> str:
    """A UUIDv7 string: 48 bits of Unix milliseconds, a counter, then randomness."""
    millis, counter = _next_stamp()
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= counter << 64
    value |= 0x2 << 62  # RFC 9562 variant
    value |= int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
