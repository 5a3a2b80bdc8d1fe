"""Blobs as files under one local directory (a volume every app replica and worker mounts).

A blob is written to a temporary name and renamed when complete, so a reader never sees
half a file and a failed upload leaves nothing behind. Names with `/` are folders.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import time
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from hexa.adapters.blob_names import checked_name
from hexa.domain.errors import NotFound
from hexa.domain.identity import new_id
from hexa.ports.blobs import BlobInfo

READ_CHUNK = 256 * 1024


class LocalBlobStore:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def _path(self, name: str) -> Path:
        return self._directory / checked_name(name)

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        target = self._path(name)
        partial = target.with_name(f".{target.name}.{new_id()}.partial")
        size = 0
        try:
            with await asyncio.to_thread(_created, partial) as file:
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
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound(f"blob {name} not found") from None
        with file:
            while chunk := await asyncio.to_thread(file.read, READ_CHUNK):
                yield chunk

    async def stat(self, name: str) -> BlobInfo:
        try:
            found = await asyncio.to_thread(self._path(name).stat)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"blob {name} not found") from None
        if not stat.S_ISREG(found.st_mode):  # a folder of other blobs
            raise NotFound(f"blob {name} not found")
        return BlobInfo(size=found.st_size)

    async def sweep(self, *, older_than: timedelta) -> int:
        return await asyncio.to_thread(self._sweep, time.time() - older_than.total_seconds())

    def _sweep(self, cutoff: float) -> int:
        swept = 0
        for partial in self._directory.rglob(".*.partial"):
            with contextlib.suppress(FileNotFoundError):  # another sweeper got there first
                if partial.stat().st_mtime < cutoff:
                    partial.unlink()
                    swept += 1
        # Folders emptied by deletes (an inspection's attachments); a put about to write
        # into one touched it, so a folder older than the cutoff is not in use.
        for folder, _, _ in sorted(os.walk(self._directory), reverse=True):
            path = Path(folder)
            if path != self._directory:
                with contextlib.suppress(OSError):  # not empty, or already gone
                    if path.stat().st_mtime < cutoff:
                        path.rmdir()
        return swept

    async def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            await asyncio.to_thread(self._path(name).unlink)


def _created(path: Path) -> BinaryIO:
    """`path` opened for writing, its folder made first; once more if a sweep removed
    that folder (empty and old) in between."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.open("wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")
