"""Blobs as objects in one S3 bucket, under a key prefix (BLOB_BACKEND=s3).

Any replica and any worker reads what another stored: nothing lives on a volume. A put
streams: small blobs go in one request, larger ones as a multipart upload of PART_BYTES
parts (one part held at a time), completed at the end or aborted on failure, so a
reader sees the old object or the whole new one. Links are presigned (SigV4) by a
client that signs for the public endpoint, since the host is part of the signature.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import ClientError as ConnectionFailure
from botocore.exceptions import BotoCoreError, ClientError

from hexa.adapters.blob_names import checked_name
from hexa.adapters.local_blobs import READ_CHUNK
from hexa.domain.errors import NotFound, Unavailable
from hexa.ports.blobs import BlobInfo, UploadTicket, attachment_disposition

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

# S3's least part is 5 MiB (but the last); 8 MiB keeps a 100 MB packet at 13 requests.
PART_BYTES = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}
ABORT_SECONDS = 5.0


class S3BlobStore:
    def __init__(
        self,
        client: S3Client,
        *,
        bucket: str,
        prefix: str = "",
        signer: S3Client | None = None,
        part_bytes: int = PART_BYTES,
    ) -> None:
        """`signer` presigns links for the endpoint clients reach (S3_PUBLIC_ENDPOINT),
        when it differs from the one this process talks to."""
        self._client = client
        self._signer = signer or client
        self._bucket = bucket
        self._prefix = prefix
        self._part_bytes = part_bytes

    def _key(self, name: str) -> str:
        return self._prefix + checked_name(name)

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        key = self._key(name)
        pending = bytearray()
        size = 0
        upload: _Multipart | None = None
        try:
            async for chunk in chunks:
                size += len(chunk)
                pending += chunk
                while len(pending) >= self._part_bytes:
                    upload = upload or await _Multipart.begin(self._client, self._bucket, key)
                    await upload.send(bytes(pending[: self._part_bytes]))
                    del pending[: self._part_bytes]
            with _translated(f"blob {name}"):
                if upload is None:
                    await self._client.put_object(Bucket=self._bucket, Key=key, Body=bytes(pending))
                else:
                    if pending:
                        await upload.send(bytes(pending))
                    await upload.complete()
        except BaseException:
            if upload is not None:
                await upload.abort()
            await _closed(chunks)
            raise
        return size

    async def read(self, name: str) -> AsyncIterator[bytes]:
        with _translated(f"blob {name}"):
            answer = await self._client.get_object(Bucket=self._bucket, Key=self._key(name))
            async with answer["Body"] as body:
                async for chunk in body.iter_chunks(READ_CHUNK):
                    yield chunk

    async def stat(self, name: str) -> BlobInfo:
        with _translated(f"blob {name}"):
            head = await self._client.head_object(Bucket=self._bucket, Key=self._key(name))
        return BlobInfo(size=head["ContentLength"], content_type=head.get("ContentType"))

    async def delete(self, name: str) -> None:
        with _translated(f"blob {name}"):
            await self._client.delete_object(Bucket=self._bucket, Key=self._key(name))

    async def sweep(self, *, older_than: timedelta) -> int:
        """Aborts the multipart uploads of puts that never ended (a process killed in
        the middle), under this store's prefix. A bucket's lifecycle rule does the same
        (OPSHANDOFF.md); this keeps stores without one tidy too."""
        cutoff = datetime.now(UTC) - older_than
        swept = 0
        with _translated("the bucket's uploads"):
            paginator = self._client.get_paginator("list_multipart_uploads")
            async for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < cutoff:
                        with contextlib.suppress(ClientError):  # another sweeper's
                            await self._client.abort_multipart_upload(
                                Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                            )
                            swept += 1
        return swept

    async def upload_ticket(
        self,
        name: str,
        *,
        content_type: str,
        size: int,
        expires: timedelta,
        form: bool = False,
    ) -> UploadTicket:
        key = self._key(name)
        seconds = int(expires.total_seconds())
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
        if form:
            # A browser's form POST: the policy pins the key, the type and the exact size,
            # which S3 checks on arrival.
            with _translated(f"blob {name}"):  # signing may fetch credentials (IRSA, STS)
                post = await self._signer.generate_presigned_post(
                    self._bucket,
                    key,
                    Fields={"Content-Type": content_type},
                    Conditions=[
                        {"Content-Type": content_type},
                        ["content-length-range", size, size],
                    ],
                    ExpiresIn=seconds,
                )
            return UploadTicket("POST", post["url"], expires_at, fields=post["fields"])
        # Content-Type and Content-Length are signed headers: a PUT of another type or
        # size fails the signature.
        with _translated(f"blob {name}"):
            url = await self._signer.generate_presigned_url(
                "put_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ContentType": content_type,
                    "ContentLength": size,
                },
                ExpiresIn=seconds,
            )
        return UploadTicket("PUT", url, expires_at, headers={"Content-Type": content_type})

    async def download_url(
        self, name: str, *, filename: str, content_type: str, expires: timedelta
    ) -> str:
        with _translated(f"blob {name}"):
            return await self._signer.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": self._key(name),
                    "ResponseContentDisposition": attachment_disposition(filename),
                    "ResponseContentType": content_type,
                },
                ExpiresIn=int(expires.total_seconds()),
            )

    async def ping(self) -> None:
        """Raises `Unavailable` unless the bucket answers (for /healthz and start-up)."""
        with _translated(f"bucket {self._bucket}"):
            await self._client.head_bucket(Bucket=self._bucket)


class _Multipart:
    """One multipart upload under way: its parts, completed or aborted as a whole."""

    def __init__(self, client: S3Client, bucket: str, key: str, upload_id: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._id = upload_id
        self._parts: list[CompletedPartTypeDef] = []

    @classmethod
    async def begin(cls, client: S3Client, bucket: str, key: str) -> _Multipart:
        with _translated(f"object {key}"):
            started = await client.create_multipart_upload(Bucket=bucket, Key=key)
        return cls(client, bucket, key, started["UploadId"])

    async def send(self, data: bytes) -> None:
        number = len(self._parts) + 1
        with _translated(f"object {self._key}"):
            sent = await self._client.upload_part(
                Bucket=self._bucket, Key=self._key, UploadId=self._id, PartNumber=number, Body=data
            )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def complete(self) -> None:
        await self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._id,
            MultipartUpload={"Parts": self._parts},
        )

    async def abort(self) -> None:
        # Shielded: a cancelled put must still free the parts it sent; bounded, so that
        # it never outlasts a shutdown's grace. If it fails or times out, the sweep (or
        # the bucket's lifecycle rule) removes the parts later.
        aborting = self._client.abort_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._id
        )
        with contextlib.suppress(Exception):
            await asyncio.shield(asyncio.wait_for(aborting, ABORT_SECONDS))


def error_code(error: ClientError) -> str:
    """S3's code for a refusal (`NoSuchKey`, `AccessDenied`; a HEAD's is the status)."""
    return str(error.response.get("Error", {}).get("Code", ""))


async def _closed(chunks: AsyncIterable[bytes]) -> None:
    """Closes what a failed put was reading (a report streamed from another blob, say),
    now rather than when it is collected."""
    close = getattr(chunks, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """S3's and the network's errors as the domain's: a missing object is `NotFound`,
    anything else the store refused or could not answer is `Unavailable`."""
    try:
        yield
    except ClientError as error:
        code = error_code(error)
        if code in _MISSING:
            raise NotFound(f"{what} not found") from None
        raise Unavailable(f"S3 refused a request for {what} ({code or 'no code'})") from None
    except (BotoCoreError, ConnectionFailure, TimeoutError) as error:
        raise Unavailable(f"S3 cannot be reached ({type(error).__name__})") from None
