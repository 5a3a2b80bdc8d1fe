"""Blobs as files in one local directory (a volume every app replica and worker mounts).

A blob is written to a temporary name and renamed when complete, so a reader never sees
half a file and a failed upload leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from hexa.domain.errors import NotFound, ValidationError
from hexa.domain.identity import new_id

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
READ_CHUNK = 256 * 1024


def checked_name(name: str) -> str:
    """The name, if it is one a blob store accepts: a file name that cannot leave its
    directory (the same rule in every store, so blobs can move between them)."""
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise ValidationError(f"not a blob name: {name!r}")
    return name


class LocalBlobStore:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def _path(self, name: str) -> Path:
        return self._directory / checked_name(name)

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        target = self._path(name)
        await asyncio.to_thread(self._directory.mkdir, parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{new_id()}.partial")
        size = 0
        try:
            with partial.open("wb") as file:
                async for chunk in chunks:
                    # Small writes go to the page cache: cheaper inline than in a thread.
                    file.write(chunk)
                    size += len(chunk)
            await asyncio.to_thread(partial.replace, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return size

    async def read(self, name: str) -> AsyncIterator[bytes]:
        path = self._path(name)
        try:
            file: BinaryIO = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise NotFound(f"blob {name} not found") from None
        with file:
            while chunk := await asyncio.to_thread(file.read, READ_CHUNK):
                yield chunk

    async def sweep(self, *, older_than: timedelta) -> int:
        return await asyncio.to_thread(self._sweep, time.time() - older_than.total_seconds())

    def _sweep(self, cutoff: float) -> int:
        swept = 0
        for partial in self._directory.glob(".*.partial"):
            with contextlib.suppress(FileNotFoundError):  # another sweeper got there first
                if partial.stat().st_mtime < cutoff:
                    partial.unlink()
                    swept += 1
        return swept

    async def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(name).unlink)
