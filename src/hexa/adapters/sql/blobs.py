"""Blobs in the SQL database, in chunks of about a MiB: for deployments where app replicas
and workers share no volume, only the database (BLOB_BACKEND=sql).

Each chunk is written in a transaction of its own, so an upload holds no transaction (nor,
on SQLite, the write lock) while it streams in. A blob becomes visible only in the last
one, which names it and drops the blob it replaces: readers never see half a blob.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hexa.adapters.blob_names import checked_name
from hexa.adapters.local_blobs import READ_CHUNK
from hexa.adapters.sql.repositories import translated_errors
from hexa.adapters.sql.tables import blob_chunks, blobs
from hexa.domain.errors import Conflict, NotFound, Unavailable
from hexa.domain.identity import new_id
from hexa.ports.blobs import BlobInfo

CHUNK_BYTES = 1024 * 1024
CHUNKS_PER_READ = 4
NAMING_ATTEMPTS = 5


class SqlBlobStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        checked_name(name)
        blob_id = new_id()
        async with self._writing() as connection:
            await connection.execute(
                sa.insert(blobs).values(
                    id=blob_id, name=None, size=0, chunks=0, created_at=datetime.now(UTC)
                )
            )
        size = seq = 0
        pending = bytearray()
        try:
            async for chunk in chunks:
                size += len(chunk)
                pending += chunk
                while len(pending) >= CHUNK_BYTES:  # rows of one size, whatever comes in
                    await self._write_chunk(blob_id, seq, bytes(pending[:CHUNK_BYTES]))
                    del pending[:CHUNK_BYTES]
                    seq += 1
            if pending:
                await self._write_chunk(blob_id, seq, bytes(pending))
                seq += 1
            await self._name(blob_id, name, size=size, chunks=seq)
        except BaseException:
            with contextlib.suppress(Exception):  # else a sweep removes it later
                async with self._writing() as connection:
                    # Unnamed only: a cancel that came after the naming commit must not
                    # take the finished blob with it.
                    await self._drop(connection, (blobs.c.id == blob_id) & blobs.c.name.is_(None))
            raise
        return size

    async def _name(self, blob_id: str, name: str, *, size: int, chunks: int) -> None:
        """Names the finished blob, replacing the blob of that name. Two puts of one name
        finishing at once: those that lose the unique name try again, so that one of them
        is kept and none fails, as in a directory."""
        for attempt in range(NAMING_ATTEMPTS):
            try:
                async with self._writing() as connection:
                    await self._drop(connection, blobs.c.name == name)
                    named = await connection.execute(
                        sa.update(blobs)
                        .where(blobs.c.id == blob_id)
                        .values(name=name, size=size, chunks=chunks)
                    )
                    if named.rowcount != 1:  # swept meanwhile: the old blob stays
                        raise Unavailable(f"blob {name} was swept before it was complete")
                return
            except Conflict:  # each round, one of the puts racing for the name wins
                if attempt == NAMING_ATTEMPTS - 1:
                    raise

    async def read(self, name: str) -> AsyncIterator[bytes]:
        async with translated_errors("blob"), self._engine.connect() as connection:
            found = (
                await connection.execute(
                    sa.select(blobs.c.id, blobs.c.chunks).where(blobs.c.name == checked_name(name))
                )
            ).first()
        if found is None:
            raise NotFound(f"blob {name} not found")
        blob_id, count = found
        seq = 0
        while seq < count:
            async with translated_errors("blob"), self._engine.connect() as connection:
                rows = (
                    await connection.execute(
                        sa.select(blob_chunks.c.data)
                        .where(blob_chunks.c.blob_id == blob_id, blob_chunks.c.seq >= seq)
                        .order_by(blob_chunks.c.seq)
                        .limit(CHUNKS_PER_READ)
                    )
                ).all()
            if not rows:  # replaced (a report rewritten) while it was read
                raise NotFound(f"blob {name} changed while it was read")
            for (data,) in rows:
                # In the slices a local file is read in: a reader's pace (the progress a
                # packet job shows) does not depend on where its blob lives.
                for start in range(0, len(data), READ_CHUNK):
                    yield data[start : start + READ_CHUNK]
            seq += len(rows)

    async def stat(self, name: str) -> BlobInfo:
        async with translated_errors("blob"), self._engine.connect() as connection:
            size = await connection.scalar(
                sa.select(blobs.c.size).where(blobs.c.name == checked_name(name))
            )
        if size is None:
            raise NotFound(f"blob {name} not found")
        return BlobInfo(size=size)

    async def delete(self, name: str) -> None:
        async with self._writing() as connection:
            await self._drop(connection, blobs.c.name == checked_name(name))

    async def sweep(self, *, older_than: timedelta) -> int:
        cutoff = datetime.now(UTC) - older_than
        async with self._writing() as connection:
            return await self._drop(
                connection, sa.and_(blobs.c.name.is_(None), blobs.c.created_at < cutoff)
            )

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        async with translated_errors("blob"), self._engine.begin() as connection:
            yield connection

    async def _write_chunk(self, blob_id: str, seq: int, data: bytes) -> None:
        async with self._writing() as connection:
            await connection.execute(
                sa.insert(blob_chunks).values(blob_id=blob_id, seq=seq, data=data)
            )

    @staticmethod
    async def _drop(connection: AsyncConnection, which: sa.ColumnElement[bool]) -> int:
        """Deletes the blobs `which` selects, their chunks by cascade, in one statement
        (two would let a blob named in between keep its chunks); answers how many."""
        return (await connection.execute(sa.delete(blobs).where(which))).rowcount
