"""Reading a usage file: lines with the byte offset each ends at (where ingestion resumes), bounded memory
for lines too long to be records, each line as a raw record, and what makes a file no usage file at all."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseller_billing.errors import UsageFileFailure
from reseller_billing.logic import usage_file_lines
from reseller_billing.logic.usage_file_lines import (
    MAX_LINE_BYTES,
    Line,
    MalformedLine,
    first_line_refusal,
    parse_record,
    read_lines,
)
from reseller_billing.models.usage_files import UsageFileFormat

NDJSON, CSV = UsageFileFormat.NDJSON, UsageFileFormat.CSV


def lines_of(content: bytes, offset: int = 0, done: int = 0) -> list[Line]:
    return list(read_lines(io.BytesIO(content[offset:]), offset, done))


def test_each_line_ends_where_the_next_starts():
    content = b"first\r\nsecond\n\nlast"
    assert lines_of(content) == [
        Line(1, 7, b"first\r"),
        Line(2, 14, b"second"),
        Line(3, 15, b""),
        Line(4, 19, b"last"),
    ]


def test_reading_from_a_checkpoint_gives_the_same_lines_as_reading_through():
    content = b"".join(f'{{"n": {n}}}\n'.encode() for n in range(1, 50))
    whole = lines_of(content)
    checkpoint = whole[19]
    assert lines_of(content, checkpoint.end, checkpoint.number) == whole[20:]


@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30), st.integers(1, 64))
def test_lines_and_offsets_do_not_depend_on_how_the_stream_is_cut(pieces, read_size):
    content = b"\n".join(pieces)
    original = usage_file_lines.READ_BYTES
    usage_file_lines.READ_BYTES = read_size  # not monkeypatch: hypothesis runs many examples in one test
    try:
        cut = lines_of(content)
    finally:
        usage_file_lines.READ_BYTES = original
    assert cut == lines_of(content)
    expected = content.split(b"\n") if content else []
    if content.endswith(b"\n"):
        expected.pop()  # a line break ends the last line; no empty line follows it
    assert [line.data for line in cut] == expected
    assert all(content[line.end - 1 : line.end] == b"\n" or line.end == len(content) for line in cut)


def test_a_line_too_long_is_not_kept_and_the_next_one_is_read(monkeypatch):
    monkeypatch.setattr(usage_file_lines, "READ_BYTES", 1000)  # the long line spans many reads
    long = b"x" * (MAX_LINE_BYTES + 1)
    content = b"a\n" + long + b"\nb\n" + long
    assert lines_of(content) == [
        Line(1, 2, b"a"),
        Line(2, 2 + len(long) + 1, None),
        Line(3, 2 + len(long) + 3, b"b"),
        Line(4, len(content), None),
    ]
    with pytest.raises(MalformedLine, match="longer than 64 KB"):
        parse_record(lines_of(content)[1], NDJSON)


def test_a_line_of_exactly_the_limit_is_kept():
    exact = b"y" * MAX_LINE_BYTES
    assert lines_of(exact + b"\n") == [Line(1, MAX_LINE_BYTES + 1, exact)]


def test_ndjson_lines_are_json_values_for_intake_to_check():
    record = {"record_id": "r-1", "quantity": 1.5}
    assert parse_record(Line(2, 0, json.dumps(record).encode() + b"\r"), NDJSON) == record
    assert parse_record(Line(2, 0, b"[1, 2]"), NDJSON) == [1, 2]  # intake rejects it: not an object
    with pytest.raises(MalformedLine, match="not JSON"):
        parse_record(Line(2, 0, b"{nope"), NDJSON)
    with pytest.raises(MalformedLine, match="not UTF-8"):
        parse_record(Line(2, 0, b'{"a": "\xff"}'), NDJSON)


def test_a_byte_order_mark_is_dropped_from_the_first_line_only():
    assert parse_record(Line(1, 0, b'\xef\xbb\xbf{"a": 1}'), NDJSON) == {"a": 1}
    with pytest.raises(MalformedLine):
        parse_record(Line(2, 0, b'\xef\xbb\xbf{"a": 1}'), NDJSON)


def test_csv_lines_are_named_by_the_header():
    line = Line(2, 0, b'r-1,8949000000000000018,DATA,"1.5",2025-03-10T12:00:00Z\r')
    assert parse_record(line, CSV) == {
        "record_id": "r-1",
        "iccid": "8949000000000000018",
        "service": "DATA",
        "quantity": "1.5",
        "occurred_at": "2025-03-10T12:00:00Z",
    }
    for bad, message in ((b"r-1,x,DATA,1", "4 fields"), (b'r-1,"unclosed,DATA,1,x', "fields|CSV")):
        with pytest.raises(MalformedLine, match=message):
            parse_record(Line(2, 0, bad), CSV)


@pytest.mark.parametrize(
    ("first", "file_format", "failure"),
    [
        (b'{"record_id": "r-1"}', NDJSON, None),
        (b'\xef\xbb\xbf{"record_id": "r-1"}\r', NDJSON, None),
        (b"record_id,iccid,service,quantity,occurred_at", CSV, None),
        (b"\xef\xbb\xbfrecord_id, iccid, service, quantity, occurred_at\r", CSV, None),
        (b"PK\x03\x04\x00\x00", NDJSON, UsageFileFailure.NOT_TEXT),
        (b"\xff\xfe{", CSV, UsageFileFailure.NOT_TEXT),
        (None, NDJSON, UsageFileFailure.NOT_TEXT),
        (b"record_id,iccid,service,quantity,occurred_at", NDJSON, UsageFileFailure.NOT_NDJSON),
        (b'[{"record_id": "r-1"}]', NDJSON, UsageFileFailure.NOT_NDJSON),
        (b"{", NDJSON, UsageFileFailure.NOT_NDJSON),
        (b'{"record_id": "r-1"}', CSV, UsageFileFailure.NO_CSV_HEADER),
        (b"record_id,iccid,service,quantity", CSV, UsageFileFailure.NO_CSV_HEADER),
        (b'"record_id,iccid', CSV, UsageFileFailure.NO_CSV_HEADER),
    ],
)
def test_the_first_line_tells_a_usage_file_from_anything_else(first, file_format, failure):
    refusal = first_line_refusal(Line(1, 0, first), file_format)
    assert (refusal[0] if refusal else None) is failure
    if refusal:
        assert refusal[1]
