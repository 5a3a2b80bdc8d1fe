"""Blobs in this process's memory: for tests, and a single process that keeps nothing."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta

from hexa.adapters.blob_names import checked_name
from hexa.adapters.local_blobs import READ_CHUNK
from hexa.domain.errors import NotFound
from hexa.ports.blobs import BlobInfo


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        checked_name(name)
        data = bytearray()
        async for chunk in chunks:
            data += chunk
        self._blobs[name] = bytes(data)  # only once whole: a failed put keeps nothing
        return len(data)

    async def read(self, name: str) -> AsyncIterator[bytes]:
        data = self._found(name)
        for start in range(0, len(data), READ_CHUNK):
            yield data[start : start + READ_CHUNK]

    async def stat(self, name: str) -> BlobInfo:
        return BlobInfo(size=len(self._found(name)))

    async def delete(self, name: str) -> None:
        self._blobs.pop(checked_name(name), None)

    async def sweep(self, *, older_than: timedelta) -> int:
        return 0  # a put leaves nothing behind until it is whole

    def _found(self, name: str) -> bytes:
        try:
            return self._blobs[checked_name(name)]
        except KeyError:
            raise NotFound(f"blob {name} not found") from None
