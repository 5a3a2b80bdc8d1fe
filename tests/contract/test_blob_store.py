"""The BlobStore contract, for every store: memory, a local directory, SQL (SQLite and
PostgreSQL) and S3 (moto's S3 server on loopback, or HEXA_TEST_S3_ENDPOINT)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hexa.adapters.blob_links import AppLinkedBlobs, BlobLinks
from hexa.adapters.clock import SystemClock
from hexa.adapters.local_blobs import LocalBlobStore
from hexa.adapters.memory.blobs import MemoryBlobStore
from hexa.config import load_settings
from hexa.domain.errors import NotFound, ValidationError
from hexa.ports.blobs import BlobStore
from tests.families import kept_adapters
from tests.servers import S3Server

STORES = kept_adapters("memory", "local", "sqlite", "postgres", "s3")


def _linked(storage: object) -> BlobStore:
    return AppLinkedBlobs(storage, BlobLinks(b"k" * 32, SystemClock()))  # type: ignore[arg-type]


@pytest.fixture(params=STORES)
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "memory":
        yield _linked(MemoryBlobStore())
        return
    if request.param == "local":
        yield _linked(LocalBlobStore(tmp_path / "blobs"))
        return
    if request.param == "s3":
        from hexa.bootstrap.s3 import blob_store

        server: S3Server = request.getfixturevalue("s3")
        bucket = request.getfixturevalue("s3_bucket")
        settings = load_settings(**server.settings(bucket, s3_prefix="tenant-a/"))
        async with AsyncExitStack() as stack:
            yield await blob_store(settings, stack)
        return
    from hexa.adapters.sql.blobs import SqlBlobStore
    from tests.contract.conftest import _sql

    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_server")
    database = await _sql(url)
    try:
        yield _linked(SqlBlobStore(database.engine))
    finally:
        await database.close()


async def _chunks(*parts: bytes, fail: bool = False) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    if fail:
        raise ValidationError("line 3: bad")


async def _read(blobs: BlobStore, name: str) -> bytes:
    return b"".join([chunk async for chunk in blobs.read(name)])


async def test_a_blob_reads_back_as_written(blobs: BlobStore) -> None:
    size = await blobs.put("packet-1.csv", _chunks(b"a,b\n", b"", b"c" * 300_000))
    assert size == 4 + 300_000
    assert await _read(blobs, "packet-1.csv") == b"a,b\n" + b"c" * 300_000


async def test_a_failed_put_keeps_nothing_and_spares_the_old_blob(blobs: BlobStore) -> None:
    await blobs.put("report-1.jsonl", _chunks(b"old"))
    with pytest.raises(ValidationError):
        await blobs.put("report-1.jsonl", _chunks(b"new", fail=True))
    with pytest.raises(ValidationError):
        await blobs.put("packet-2.csv", _chunks(b"x", fail=True))
    assert await _read(blobs, "report-1.jsonl") == b"old"
    with pytest.raises(NotFound):
        await _read(blobs, "packet-2.csv")


async def test_delete_is_idempotent(blobs: BlobStore) -> None:
    await blobs.put("packet-3.csv", _chunks(b"x"))
    await blobs.delete("packet-3.csv")
    await blobs.delete("packet-3.csv")
    with pytest.raises(NotFound):
        await _read(blobs, "packet-3.csv")


@pytest.mark.parametrize(
    "name",
    ["../etc/passwd", "a/../b", "a//b", "/a", "a/", "a/.hidden", "", ".hidden", "x" * 300, "a\\b"],
)
async def test_names_that_could_escape_the_store_are_refused(blobs: BlobStore, name: str) -> None:
    async def empty() -> AsyncIterable[bytes]:
        return
        yield b""

    with pytest.raises(ValidationError):
        await blobs.put(name, empty())


async def test_a_sweep_spares_every_completed_blob(blobs: BlobStore) -> None:
    await blobs.put("packet-4.csv", _chunks(b"kept"))
    with pytest.raises(ValidationError):
        await blobs.put("packet-5.csv", _chunks(b"x", fail=True))
    assert await blobs.sweep(older_than=timedelta(0)) == 0  # the failed put tidied itself
    assert await _read(blobs, "packet-4.csv") == b"kept"


async def test_a_blob_of_many_chunks_reads_back_whole_and_a_new_put_replaces_it(
    blobs: BlobStore,
) -> None:
    big = bytes(range(256)) * (10 * 1024)  # 2.5 MiB: several of any store's chunks
    pieces = [big[i : i + 100_000] for i in range(0, len(big), 100_000)]
    assert await blobs.put("report-9.jsonl", _chunks(*pieces)) == len(big)
    assert await _read(blobs, "report-9.jsonl") == big
    await blobs.put("report-9.jsonl", _chunks(b"rewritten"))
    assert await _read(blobs, "report-9.jsonl") == b"rewritten"


async def test_a_sql_blob_left_unfinished_is_swept_once_old_enough(sqlite_url: str) -> None:
    import sqlalchemy as sa

    from hexa.adapters.sql.blobs import SqlBlobStore
    from hexa.adapters.sql.tables import blob_chunks
    from hexa.adapters.sql.tables import blobs as blob_rows
    from tests.contract.conftest import _sql

    database = await _sql(sqlite_url)
    store = SqlBlobStore(database.engine)
    try:
        await store.put("packet-7.csv", _chunks(b"kept"))
        async with database.engine.begin() as connection:  # what a killed upload leaves
            for blob_id, age in (("old", timedelta(days=2)), ("fresh", timedelta(0))):
                created = datetime.now(UTC) - age
                await connection.execute(
                    sa.insert(blob_rows).values(
                        id=blob_id, name=None, size=0, chunks=0, created_at=created
                    )
                )
                await connection.execute(
                    sa.insert(blob_chunks).values(blob_id=blob_id, seq=0, data=b"half")
                )
        assert await store.sweep(older_than=timedelta(days=1)) == 1
        assert await store.sweep(older_than=timedelta(days=1)) == 0
        assert await _read(store, "packet-7.csv") == b"kept"
    finally:
        await database.close()


async def test_a_blob_read_over_many_pages_and_chunks_comes_back_whole(
    blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hexa.adapters.sql import blobs as sql_blobs

    monkeypatch.setattr(sql_blobs, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(sql_blobs, "CHUNKS_PER_READ", 3)
    data = bytes(range(256)) * 40  # 10,240 bytes: 11 chunks, 4 pages, in SQL
    assert await blobs.put("packet-8.csv", _chunks(data[:7], data[7:5000], data[5000:])) == len(
        data
    )
    assert await _read(blobs, "packet-8.csv") == data


async def test_puts_of_one_name_at_once_both_succeed_and_one_of_them_is_kept(
    blobs: BlobStore,
) -> None:
    async def slow(content: bytes) -> AsyncIterator[bytes]:
        for piece in (content[:2], content[2:]):
            await asyncio.sleep(0.01)
            yield piece

    sizes = await asyncio.gather(
        *(blobs.put("report-5.jsonl", slow(c)) for c in (b"first", b"second", b"third"))
    )
    assert sizes == [5, 6, 5]
    assert await _read(blobs, "report-5.jsonl") in (b"first", b"second", b"third")
    assert await blobs.sweep(older_than=timedelta(0)) == 0  # nothing left behind


async def test_a_put_cancelled_midway_keeps_nothing_and_spares_the_old_blob(
    blobs: BlobStore,
) -> None:
    await blobs.put("report-6.jsonl", _chunks(b"old"))
    arrived = asyncio.Event()

    async def endless() -> AsyncIterator[bytes]:
        yield b"new"
        arrived.set()
        await asyncio.sleep(60)
        yield b"never"

    putting = asyncio.create_task(blobs.put("report-6.jsonl", endless()))
    await arrived.wait()
    putting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await putting
    assert await _read(blobs, "report-6.jsonl") == b"old"
    assert await blobs.sweep(older_than=timedelta(0)) == 0


async def test_names_with_folders_are_blobs_of_their_own(blobs: BlobStore) -> None:
    await blobs.put("inspections/i-1/attachments/a-1", _chunks(b"photo"))
    await blobs.put("inspections/i-1/attachments/a-2", _chunks(b"scan"))
    assert await _read(blobs, "inspections/i-1/attachments/a-1") == b"photo"
    await blobs.delete("inspections/i-1/attachments/a-1")
    assert await _read(blobs, "inspections/i-1/attachments/a-2") == b"scan"
    with pytest.raises(NotFound):
        await blobs.stat("inspections/i-1/attachments/a-1")
    with pytest.raises(NotFound):
        await blobs.stat("inspections/i-1")  # a folder is no blob


async def test_stat_gives_the_size_of_a_stored_blob_without_reading_it(blobs: BlobStore) -> None:
    await blobs.put("report-10.jsonl", _chunks(b"x" * 1234))
    assert (await blobs.stat("report-10.jsonl")).size == 1234
    with pytest.raises(NotFound):
        await blobs.stat("report-11.jsonl")


async def test_an_upload_ticket_names_how_to_send_and_until_when(blobs: BlobStore) -> None:
    before = datetime.now(UTC)
    ticket = await blobs.upload_ticket(
        "inspections/i-1/attachments/a-3",
        content_type="image/png",
        size=10,
        expires=timedelta(minutes=5),
    )
    assert ticket.method == "PUT"
    assert ticket.headers["Content-Type"] == "image/png"
    assert (
        before + timedelta(minutes=4)
        < ticket.expires_at
        <= datetime.now(UTC) + timedelta(minutes=5, seconds=1)
    )
    assert "inspections/i-1/attachments/a-3" not in ticket.url or "X-Amz-Signature" in ticket.url
    with pytest.raises(NotFound):  # a ticket stores nothing
        await blobs.stat("inspections/i-1/attachments/a-3")


async def test_a_download_url_is_minted_per_call_for_a_name_a_store_accepts(
    blobs: BlobStore,
) -> None:
    url = await blobs.download_url(
        "report-12.jsonl",
        filename="report.jsonl",
        content_type="application/x-ndjson",
        expires=timedelta(seconds=60),
    )
    assert url
    with pytest.raises(ValidationError):
        await blobs.download_url(
            "../x", filename="x", content_type="text/plain", expires=timedelta(seconds=60)
        )


async def test_a_local_folder_emptied_by_deletes_goes_with_a_sweep(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    await store.put("inspections/i-9/attachments/a-1", _chunks(b"x"))
    await store.delete("inspections/i-9/attachments/a-1")
    await store.sweep(older_than=timedelta(seconds=-1))
    assert not (tmp_path / "blobs" / "inspections").exists()
    await store.put("inspections/i-9/attachments/a-2", _chunks(b"y"))  # makes it again
    assert await _read(store, "inspections/i-9/attachments/a-2") == b"y"
