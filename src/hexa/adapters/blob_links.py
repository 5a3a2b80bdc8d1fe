"""Links to blobs for stores that cannot sign their own (a directory, SQL, memory).

The app signs them instead: an upload ticket or a download URL is a route of the app
(`APP_LINKS` + token) whose token says which blob, what may be done with it, and
until when, HMAC-signed (a JWT, HS256, with a key derived for this purpose alone). Like
a presigned S3 URL it is a bearer credential: it lives minutes, is minted per request,
and the access log names the route template, never the token.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

import jwt

from hexa.adapters.blob_names import checked_name
from hexa.domain.errors import Forbidden
from hexa.ports.blobs import APP_LINKS, BlobGrant, BlobInfo, UploadTicket
from hexa.ports.clock import Clock

ALGORITHM = "HS256"
AUDIENCE = "hexa-blobs"
MAX_TOKEN_CHARS = 2048
Operation = Literal["put", "get"]


class BlobLinks:
    def __init__(self, key: bytes, clock: Clock) -> None:
        self._key = key
        self._clock = clock

    def upload_ticket(
        self, name: str, *, content_type: str, size: int, expires: timedelta
    ) -> UploadTicket:
        expires_at = self._clock.now() + expires
        token = self._sign(
            {"op": "put", "name": checked_name(name), "type": content_type, "size": size},
            expires_at,
        )
        return UploadTicket(
            method="PUT",
            url=APP_LINKS + token,
            expires_at=expires_at,
            headers={"Content-Type": content_type},
        )

    def download_url(
        self, name: str, *, filename: str, content_type: str, expires: timedelta
    ) -> str:
        claims = {"op": "get", "name": checked_name(name), "type": content_type, "file": filename}
        return APP_LINKS + self._sign(claims, self._clock.now() + expires)

    def opened(self, token: str, operation: Operation) -> BlobGrant:
        """What `token` allows, if it is one of these links, for `operation`, and not yet
        expired. Raises `Forbidden` otherwise (as S3 answers a bad presigned URL)."""
        if len(token) > MAX_TOKEN_CHARS:
            raise Forbidden("the link is not valid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"verify_exp": False, "require": ["exp", "aud", "op", "name", "type"]},
            )
        except jwt.PyJWTError:
            raise Forbidden("the link is not valid") from None
        if claims["op"] != operation:
            raise Forbidden("the link is not valid for this method")
        if datetime.fromtimestamp(claims["exp"], UTC) <= self._clock.now():
            raise Forbidden("the link has expired")
        return BlobGrant(
            operation=operation,
            name=claims["name"],
            content_type=claims["type"],
            size=claims.get("size"),
            filename=claims.get("file"),
        )

    def _sign(self, claims: dict[str, Any], expires_at: datetime) -> str:
        payload = {**claims, "aud": AUDIENCE, "exp": int(expires_at.timestamp())}
        return jwt.encode(payload, self._key, algorithm=ALGORITHM)


class _Storage(Protocol):
    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int: ...
    def read(self, name: str) -> AsyncIterator[bytes]: ...
    async def stat(self, name: str) -> BlobInfo: ...
    async def delete(self, name: str) -> None: ...
    async def sweep(self, *, older_than: timedelta) -> int: ...


class AppLinkedBlobs:
    """A store that cannot sign links, with the app's links: a `BlobStore`."""

    def __init__(self, storage: _Storage, links: BlobLinks) -> None:
        self.storage = storage
        self.links = links

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        return await self.storage.put(name, chunks)

    def read(self, name: str) -> AsyncIterator[bytes]:
        return self.storage.read(name)

    async def stat(self, name: str) -> BlobInfo:
        return await self.storage.stat(name)

    async def delete(self, name: str) -> None:
        await self.storage.delete(name)

    async def sweep(self, *, older_than: timedelta) -> int:
        return await self.storage.sweep(older_than=older_than)

    async def upload_ticket(
        self,
        name: str,
        *,
        content_type: str,
        size: int,
        expires: timedelta,
        form: bool = False,
    ) -> UploadTicket:
        # Always a PUT: a browser sends one as readily as a form, and the app's route then
        # reads the body as it is, with no multipart to parse.
        return self.links.upload_ticket(name, content_type=content_type, size=size, expires=expires)

    async def download_url(
        self, name: str, *, filename: str, content_type: str, expires: timedelta
    ) -> str:
        return self.links.download_url(
            name, filename=filename, content_type=content_type, expires=expires
        )
