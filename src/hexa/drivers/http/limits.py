"""A cap on request bodies, so no client can make the app buffer an unbounded body.

JSON bodies are small by nature; uploads (packets) get `MAX_UPLOAD_BYTES`. The declared
`Content-Length` is checked before anything is read (the server reads no more than it
says); the bytes of a chunked body, which declares nothing, are counted as they come.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hexa.drivers.http.problems import problem_response

MAX_JSON_BYTES = 1024 * 1024
# A packet of exactly MAX_UPLOAD_BYTES still fits, with its multipart boundaries and headers.
MULTIPART_OVERHEAD_BYTES = 16 * 1024


class BodySizeLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        """`limit_for(path)` says how many body bytes a request to `path` may send."""
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = chunked = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = value
        if declared is None and chunked is None:  # no body: nothing to count
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reject(limit, scope, receive, send)
            return
        if chunked is None:
            # The server reads no more than the declared length as this request's body.
            await self.app(scope, receive, send)
            return
        received = 0
        answered = False

        async def counted() -> Message:
            # Over the limit, answer 413 ourselves and tell the app the client has gone:
            # whatever it then tries to send is dropped.
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not answered:
                    answered = True
                    await _reject(limit, scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not answered:
                await send(message)

        await self.app(scope, counted, guarded)


async def _reject(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    detail = f"the request body exceeds {limit} bytes"
    await problem_response(413, detail, slug="body-too-large")(scope, receive, send)
