"""Reading a usage file: its lines out of a byte stream, each with the byte offset where it ends (so that
ingestion can checkpoint and resume there), and each line as a raw record, NDJSON or CSV.

Memory stays bounded whatever the file: the stream is read 1 MB at a time, and a line longer than 64 KB
(no record is) is skipped to its end without being kept. CSV is read line by line, with Python's csv
module on each line: no valid field (record id, ICCID, service, quantity, timestamp) holds a line break,
so a quoted field that does is a malformed line like any other, and every line has a byte offset."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from reseller_billing.errors import UsageFileFailure
from reseller_billing.models.usage_files import CSV_HEADER, UsageFileFormat

MAX_LINE_BYTES = 64 * 1024
READ_BYTES = 1024 * 1024


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1 for the file's first line
    end: int  # byte offset just after the line and its line break: where the next line starts
    data: bytes | None  # without the line break; None when the line is longer than MAX_LINE_BYTES

    @property
    def blank(self) -> bool:
        return self.data is not None and not self.data.strip()


class MalformedLine(ValueError):
    """A line that is no record at all: it is rejected as `invalid_record` on its own."""


def read_lines(stream: Readable, offset: int = 0, done: int = 0) -> Iterator[Line]:
    """The lines of `stream`, which starts at byte `offset` of the file after `done` lines."""
    pending = bytearray()
    too_long = False
    position = offset
    number = done
    while chunk := stream.read(READ_BYTES):
        start = 0
        while (newline := chunk.find(b"\n", start)) != -1:
            piece = chunk[start:newline]
            too_long = too_long or len(pending) + len(piece) > MAX_LINE_BYTES
            position += newline + 1 - start
            number += 1
            yield Line(number, position, None if too_long else bytes(pending + piece))
            pending.clear()
            too_long = False
            start = newline + 1
        rest = chunk[start:]
        position += len(rest)
        if not too_long:
            pending += rest
            if len(pending) > MAX_LINE_BYTES:
                too_long = True
                pending.clear()
    if pending or too_long:  # the last line, without a line break
        yield Line(number + 1, position, None if too_long else bytes(pending))


def _text(line: Line) -> str:
    if line.data is None:
        raise MalformedLine(f"the line is longer than {MAX_LINE_BYTES // 1024} KB")
    try:
        text = line.data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedLine("the line is not UTF-8 text") from None
    if line.number == 1:
        text = text.removeprefix("\ufeff")  # a byte order mark some editors write
    return text.removesuffix("\r")


def _csv_fields(text: str) -> list[str]:
    try:
        return next(csv.reader([text], strict=True))
    except (csv.Error, StopIteration) as error:
        raise MalformedLine(f"not a CSV line: {error}") from None


def parse_record(line: Line, file_format: UsageFileFormat) -> Any:
    """The raw record a line holds, for usage intake to check like a record of `POST .../usage`: the JSON
    value of an NDJSON line, or the fields of a CSV line named by the header. MalformedLine when the line
    is no record at all."""
    text = _text(line)
    if file_format is UsageFileFormat.NDJSON:
        try:
            return json.loads(text)
        except ValueError as error:
            raise MalformedLine(f"not JSON: {error}") from None
    fields = _csv_fields(text)
    if len(fields) != len(CSV_HEADER):
        raise MalformedLine(f"{len(fields)} fields, expected {len(CSV_HEADER)}: {','.join(CSV_HEADER)}")
    return dict(zip(CSV_HEADER, fields, strict=True))


def first_line_refusal(line: Line, file_format: UsageFileFormat) -> tuple[UsageFileFailure, str] | None:
    """Why the file whose first non-blank line is `line` is not a usage file of `file_format` at all (it
    then FAILS as a whole), or None. NDJSON must start with a JSON object, CSV with the header."""
    if line.data is not None and b"\x00" in line.data:
        return UsageFileFailure.NOT_TEXT, "the file holds NUL bytes: it is not a text file"
    try:
        text = _text(line)
    except MalformedLine as error:
        return UsageFileFailure.NOT_TEXT, f"the first line: {error}"
    if file_format is UsageFileFormat.CSV:
        header = ",".join(CSV_HEADER)
        try:
            fields = [field.strip() for field in _csv_fields(text)]
        except MalformedLine:
            fields = []
        if tuple(fields) != CSV_HEADER:
            return UsageFileFailure.NO_CSV_HEADER, f"the first line is not the header {header}"
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return UsageFileFailure.NOT_NDJSON, "the first line is not a JSON object: the file is not NDJSON"
    return None
