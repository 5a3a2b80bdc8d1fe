"""One file out of a multipart body, as the body streams in.

Starlette's `request.form()` first copies every file part to a temporary file, so a
packet would be written to disk twice and checked only once it had all arrived. Here
python-multipart's push parser is fed the request stream directly, and the bytes of the
wanted file part are handed on as they are parsed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from hexa.domain.errors import ValidationError

# Parts other than the file (form fields a client adds) are skipped, up to this many.
MAX_PARTS = 10


@dataclass
class _Part:
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    wanted: bool = False


@dataclass
class StreamedFile:
    filename: str
    content_type: str
    chunks: AsyncIterator[bytes]


class _Reader:
    def __init__(self, request: Request, field_name: str) -> None:
        content_type, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if content_type != b"multipart/form-data" or not boundary:
            raise ValidationError("send the packet as multipart/form-data, in the field `file`")
        self._field = field_name.encode()
        self._stream = request.stream().__aiter__()
        self._ended = False
        self._closed = False  # the closing boundary was read
        self._part = _Part()
        self._parts = 0
        self.found: StreamedFile | None = None
        self.file_ended = False
        self.data: list[bytes] = []
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    async def pump(self) -> bool:
        """Parses the next piece of the body; says whether there was one."""
        if self._ended:
            return False
        try:
            chunk = await anext(self._stream)
        except StopAsyncIteration:
            self._ended = True
            try:
                self._parser.finalize()
            except MultipartParseError as error:
                raise _malformed(error) from None
            return False
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            raise _malformed(error) from None
        return True

    def taken(self) -> bytes:
        data, self.data = b"".join(self.data), []
        return data

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise ValidationError(f"the multipart body has more than {MAX_PARTS} parts")
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._part.header_field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._part.header_value += data[start:end]

    def _header_end(self) -> None:
        part = self._part
        part.headers[part.header_field.lower()] = part.header_value
        part.header_field = part.header_value = b""

    def _headers_finished(self) -> None:
        disposition, options = parse_options_header(
            self._part.headers.get(b"content-disposition", b"")
        )
        if disposition != b"form-data" or options.get(b"name") != self._field:
            return
        if b"filename" not in options:
            raise ValidationError("the field `file` must be a file, not a form value")
        if self.found is not None:
            raise ValidationError("send one file in the field `file`, not several")
        self._part.wanted = True
        self.found = StreamedFile(
            filename=options[b"filename"].decode("utf-8", "replace"),
            content_type=self._part.headers.get(b"content-type", b"").decode("latin-1"),
            chunks=self._file_chunks(),
        )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.wanted:
            self.data.append(data[start:end])

    def _part_end(self) -> None:
        if self._part.wanted:
            self.file_ended = True
            self._part.wanted = False

    def _end(self) -> None:
        self._closed = True

    async def _file_chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes; then the rest of the body is read, so a body that turns out
        malformed (or holds a second file) fails the upload rather than passing unseen."""
        while True:
            if data := self.taken():
                yield data
            if self.file_ended:
                break
            if not await self.pump():
                raise ValidationError("the multipart body ended inside the file")
        while await self.pump():
            pass
        if not self._closed:
            raise ValidationError("the multipart body ended before its closing boundary")


async def streamed_file(request: Request, field_name: str = "file") -> StreamedFile:
    """Reads the body up to the start of the file in `field_name` and answers it; its
    `chunks` carry on reading. Raises `ValidationError` for a body that is not multipart,
    is malformed, or holds no such file."""
    reader = _Reader(request, field_name)
    while reader.found is None:
        if not await reader.pump():
            raise ValidationError("the multipart body has no file in the field `file`")
    return reader.found


def _malformed(error: MultipartParseError) -> ValidationError:
    return ValidationError(f"the multipart body is malformed: {error}")
