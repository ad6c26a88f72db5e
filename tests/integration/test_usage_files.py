"""Usage files: a presigned upload to S3, S3's notification to the ingestion queue, and ingestion through
the same intake as `POST .../usage` — the same rejection reasons, dedupe by record_id (a file uploaded
twice adds nothing), a rejections file, FAILED for what is no usage file at all, and nothing counted twice
when ingestion is killed mid-file and done again."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest

from reseller_billing.dal import usage as usage_table
from reseller_billing.dal import usage_files as files_table
from reseller_billing.dal.items import UsageRecordItem, UsageTotalItem, customer_pk
from reseller_billing.dal.writes import Transaction
from reseller_billing.integration import uploads
from reseller_billing.logic import usage_files
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import close_cycle

SIMS = [iccid(n) for n in (1, 2, 3)]
Totals = dict[tuple[date, str, str], Decimal]
Record = dict[str, Any]


@pytest.fixture
def catalog(operator) -> Catalog:
    """Billing cycle day 5; three SIMs active since 2025-01-10."""
    built = build_catalog(operator)
    for sim in SIMS:
        created(built.assign(operator, sim, "2025-01-10"))
    return built


def _totals(catalog: Catalog) -> Totals:
    partition = customer_pk(catalog.account_id, catalog.customer["id"])
    return {
        (t.cycle_start, t.iccid, t.service): t.quantity
        for t in UsageTotalItem.query(partition, UsageTotalItem.sk.startswith("USAGE#"), consistent_read=True)
    }


def _record(n: int, quantity: Any = 10, *, sims: list[str] = SIMS, prefix: str = "r", **overrides: Any) -> Record:
    """Record `n`: dated in the cycle 2025-03-05 .. 2025-04-04."""
    occurred_at = f"2025-03-{5 + n % 24:02d}T12:00:00Z"
    record = factories.usage_record(f"{prefix}-{n}", sims[n % len(sims)], quantity, occurred_at=occurred_at)
    return {**record, **overrides}


def _ndjson(records: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _csv(records: list[dict[str, Any]], line_break: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_break)
    writer.writerow(["record_id", "iccid", "service", "quantity", "occurred_at"])
    for r in records:
        writer.writerow([r["record_id"], r["iccid"], r["service"], r["quantity"], r["occurred_at"]])
    return out.getvalue().encode()


def _object_of(url: str) -> dict[str, str]:
    """Bucket and key a presigned URL names. In-process moto serves boto3 but not plain HTTP (after its
    per-test reset), so the tests make the URL's request with boto3; the e2e tests use the URLs themselves."""
    parts = urlsplit(url)
    return {"Bucket": parts.netloc.split(".s3.")[0], "Key": unquote(parts.path.lstrip("/"))}


def _put(url: str, content: bytes) -> None:
    assert parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"] == ["host"], "no header to send beyond the URL"
    boto3.client("s3").put_object(Body=content, **_object_of(url))


def _start(api, catalog: Catalog, file_format: str = "ndjson") -> dict[str, Any]:
    answer = api.post(f"{catalog.base}/usage-files", {"format": file_format})
    assert answer.status == 201, answer.json
    assert answer.header("Location") == f"{catalog.base}/usage-files/{answer.json['id']}"
    upload: dict[str, Any] = answer.json
    return upload


def _upload(api, queues, catalog: Catalog, content: bytes, file_format: str = "ndjson") -> dict[str, Any]:
    """Start a file, PUT its content to the presigned URL as a client would, let S3's notification reach
    the ingestion function, and read the file's status."""
    upload = _start(api, catalog, file_format)
    _put(upload["upload_url"], content)
    queues.drain()
    return _file(api, catalog, upload["id"])


def _file(api, catalog: Catalog, file_id: str) -> dict[str, Any]:
    answer = api.get(f"{catalog.base}/usage-files/{file_id}")
    assert answer.status == 200, answer.json
    body: dict[str, Any] = answer.json
    return body


def _counts(file: dict[str, Any]) -> tuple[str, int, int, int]:
    return file["status"], file["accepted"], file["duplicates"], file["rejected"]


def _rejections(file: dict[str, Any]) -> list[dict[str, Any]]:
    if file["rejections_url"] is None:
        return []
    body = boto3.client("s3").get_object(**_object_of(file["rejections_url"]))["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def test_the_upload_url_is_a_presigned_put_of_the_files_object(api, catalog):
    me = api.as_reseller(catalog.account_id)
    upload = _start(me, catalog)
    url = urlsplit(upload["upload_url"])
    query = parse_qs(url.query)
    assert url.path.endswith(f"/uploads/{catalog.account_id}/{upload['id']}")
    assert query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-SignedHeaders"] == ["host"]
    assert (upload["status"], upload["format"]) == ("WAITING", "ndjson")
    waiting = _file(me, catalog, upload["id"])
    assert _counts(waiting) == ("WAITING", 0, 0, 0)
    assert waiting["rejections_url"] is None


def test_an_ndjson_file_is_ingested_like_the_same_records_posted(api, operator, queues, catalog):
    records = [_record(n, n) for n in range(1, 40)]
    file = _upload(api.as_reseller(catalog.account_id), queues, catalog, _ndjson(records))
    assert _counts(file) == ("COMPLETED", 39, 0, 0)
    assert file["lines"] == 39
    assert file["rejections_url"] is None
    expected: Counter[tuple[date, str, str]] = Counter()
    for r in records:
        expected[(date(2025, 3, 5), r["iccid"], "DATA")] += r["quantity"]  # every record in that cycle
    assert _totals(catalog) == {key: Decimal(value) for key, value in expected.items()}
    again = operator.post(f"{catalog.base}/usage", {"records": records[:5]})
    assert again.json == {"accepted": 0, "duplicates": 5, "rejected": []}


def test_a_csv_file_with_crlf_and_a_byte_order_mark(api, queues, catalog):
    records = [_record(n, f"{n}.5") for n in range(1, 11)]
    content = b"\xef\xbb\xbf" + _csv(records, "\r\n")
    file = _upload(api.as_operator(), queues, catalog, content, "csv")
    assert _counts(file) == ("COMPLETED", 10, 0, 0)
    assert file["lines"] == 11  # the header is line 1
    assert sum(_totals(catalog).values()) == sum(Decimal(f"{n}.5") for n in range(1, 11))


def test_a_file_uploaded_twice_adds_nothing_the_second_time(operator, queues, catalog):
    records = [_record(n) for n in range(1, 30)] + [{"record_id": "bad", "iccid": "123"}]
    first = _upload(operator, queues, catalog, _ndjson(records))
    totals = _totals(catalog)
    second = _upload(operator, queues, catalog, _ndjson(records))
    assert _counts(first) == ("COMPLETED", 29, 0, 1)
    assert _counts(second) == ("COMPLETED", 0, 29, 1)
    assert _totals(catalog) == totals
    assert sum(1 for _ in UsageRecordItem.scan()) == 29


def test_each_bad_line_is_rejected_on_its_own_with_the_apis_reasons(operator, queues, catalog):
    other = build_catalog(operator, name="Other")
    their_sim = iccid(9)
    created(other.assign(operator, their_sim, "2025-01-10"))
    close_cycle(catalog.account_id, date(2025, 2, 5))
    lines = [
        json.dumps(_record(1)),  # 1: accepted
        "this is not JSON",  # 2
        "[1, 2]",  # 3: JSON, not a record object
        "",  # 4: blank, not a record
        json.dumps(_record(2, iccid="8949000000000000019")),  # 5: bad check digit
        json.dumps(_record(3, service="VOICE")),  # 6
        json.dumps(_record(4, quantity=-1)),  # 7
        json.dumps(_record(5, iccid=iccid(8))),  # 8: nobody's SIM
        json.dumps(_record(6, iccid=their_sim)),  # 9: another reseller's SIM: the same answer
        json.dumps(_record(7, occurred_at="2025-02-20T12:00:00Z")),  # 10: a closed cycle
        json.dumps(_record(8, occurred_at="2024-12-20T12:00:00Z")),  # 11: before the activation
        json.dumps(_record(1)),  # 12: a duplicate
        '{"record_id": "r-x", "iccid": "\xff"}',  # 13: becomes not UTF-8 below
        "{" + " " * (70 * 1024) + "}",  # 14: over 64 KB
        json.dumps(_record(9)),  # 15: accepted, and no line break after it
    ]
    content = "\n".join(lines).encode().replace("\xff".encode(), b"\xff")
    file = _upload(operator, queues, catalog, content)
    assert _counts(file) == ("COMPLETED", 2, 1, 11)
    rejections = _rejections(file)
    assert [(r["line"], r["record_id"], r["reason"]) for r in rejections] == [
        (2, None, "invalid_record"),
        (3, None, "invalid_record"),
        (5, "r-2", "invalid_iccid"),
        (6, "r-3", "unknown_service"),
        (7, "r-4", "invalid_quantity"),
        (8, "r-5", "unknown_iccid"),
        (9, "r-6", "unknown_iccid"),
        (10, "r-7", "cycle_closed"),
        (11, "r-8", "before_activation"),
        (13, None, "invalid_record"),
        (14, None, "invalid_record"),
    ]
    assert all(r["message"] for r in rejections)
    assert rejections[6]["message"] == rejections[5]["message"].replace(iccid(8), their_sim)


@pytest.mark.parametrize(
    ("file_format", "content", "failure"),
    [
        ("ndjson", bytes(range(256)) * 8, "not_text"),
        ("ndjson", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_text"),
        ("ndjson", b"record_id,iccid,service,quantity,occurred_at\nr-1,x,DATA,1,2025-03-01T00:00:00Z\n", "not_ndjson"),
        ("ndjson", b'[{"record_id": "r-1"}]\n', "not_ndjson"),
        ("csv", _ndjson([_record(1)]), "no_csv_header"),
        ("csv", b"record_id;iccid;service;quantity;occurred_at\n", "no_csv_header"),
        ("ndjson", b"", "file_empty"),
        ("csv", b"\n\n  \n", "file_empty"),
    ],
)
def test_what_is_no_usage_file_at_all_fails_with_a_reason_and_counts_nothing(
    operator, queues, catalog, file_format, content, failure
):
    file = _upload(operator, queues, catalog, content, file_format)
    assert _counts(file) == ("FAILED", 0, 0, 0)
    assert file["failure"] == failure
    assert file["failure_message"]
    assert _totals(catalog) == {}


def test_a_file_over_the_limit_fails(operator, queues, catalog, monkeypatch):
    monkeypatch.setattr(usage_files, "MAX_FILE_BYTES", 100)
    file = _upload(operator, queues, catalog, _ndjson([_record(n) for n in range(5)]))
    assert (file["status"], file["failure"]) == ("FAILED", "file_too_large")


def test_another_upload_to_an_ingested_file_changes_nothing(operator, queues, catalog):
    upload = _start(operator, catalog)
    _put(upload["upload_url"], _ndjson([_record(1)]))
    queues.drain()
    _put(upload["upload_url"], _ndjson([_record(2), _record(3)]))
    queues.drain()
    assert _counts(_file(operator, catalog, upload["id"])) == ("COMPLETED", 1, 0, 0)


def test_a_file_is_read_at_the_version_its_ingestion_started_with(operator, queues, catalog):
    """Uploaded again while it is being ingested: the batches still to come are read from the first upload."""
    upload = _start(operator, catalog)
    original = _ndjson([_record(n) for n in range(1, 2001)])
    _put(upload["upload_url"], original)
    file = files_table.get_file(catalog.account_id, upload["id"])
    key = file.object_key
    found = uploads.uploaded(key)
    assert found is not None
    started = files_table.start_file(file, found.version_id)
    assert started is not None
    _put(upload["upload_url"], b"replaced\n")
    queues.drain()
    assert _counts(_file(operator, catalog, upload["id"])) == ("COMPLETED", 2000, 0, 0)


def test_a_reseller_reads_only_its_own_files(api, operator, queues, catalog):
    other = build_catalog(operator, name="Other")
    theirs = _start(operator, other)
    me = api.as_reseller(catalog.account_id)
    assert me.get(f"{other.base}/usage-files/{theirs['id']}").status == 404
    assert me.get(f"{catalog.base}/usage-files/{theirs['id']}").status == 404
    assert me.get(f"{catalog.base}/usage-files/usf_nope").status == 404


LINES = 1000
MALFORMED = [n for n in range(LINES) if n % 50 == 7]  # 20 lines that are no record
REPEATS = [n for n in range(300, LINES) if n % 10 == 3]  # 70 records sent earlier in the file (line n % 300)


def _big_file(sims: list[str] = SIMS, prefix: str = "r") -> tuple[bytes, Totals]:
    """1,000 lines: 910 distinct records, 70 repeats of earlier ones, 20 malformed; and the totals."""
    lines, totals = [], Counter[tuple[date, str, str]]()
    for n in range(LINES):
        if n in MALFORMED:
            lines.append("not a record")
            continue
        number = n % 300 if n in REPEATS else n
        record = _record(number, number % 7 + 1, sims=sims, prefix=prefix)
        lines.append(json.dumps(record))
        if number == n:
            totals[(date(2025, 3, 5), record["iccid"], "DATA")] += number % 7 + 1  # every record in that cycle
    return ("\n".join(lines) + "\n").encode(), {key: Decimal(value) for key, value in totals.items()}


BIG_FILE_COUNTS = ("COMPLETED", LINES - len(MALFORMED) - len(REPEATS), len(REPEATS), len(MALFORMED))


class TestKilledMidFile:
    """1,000 lines in batches of 100, with repeated records and malformed lines; killed during one batch's
    record transactions and again after another batch's records were written but before its checkpoint;
    redelivered each time. The counts and totals equal those of the same file ingested without faults."""

    @pytest.fixture(autouse=True)
    def small_batches(self, monkeypatch):
        monkeypatch.setattr(usage_files, "BATCH_LINES", 100)
        # Several transactions per batch (a batch's records add to only 3 totals): a kill can fall between them.
        monkeypatch.setattr(usage_table, "MAX_TRANSACTION_ITEMS", 40)

    def test_redone_batches_count_once(self, operator, queues, catalog, monkeypatch):
        clean = build_catalog(operator, name="Clean")
        clean_sims = [iccid(11), iccid(12), iccid(13)]
        for sim in clean_sims:
            created(clean.assign(operator, sim, "2025-01-10"))
        clean_content, clean_totals = _big_file(clean_sims, "c")
        uninterrupted = _upload(operator, queues, clean, clean_content)
        assert _counts(uninterrupted) == BIG_FILE_COUNTS
        content, expected_totals = _big_file()

        kills = {"commits": 0, "checkpoints": 0}
        real_commit, real_checkpoint = Transaction.commit, files_table.save_checkpoint

        def commit(self: Transaction, token: str | None = None) -> None:
            kills["commits"] += 1
            if kills["commits"] == 25:  # in the third batch, some of its transactions committed
                raise RuntimeError("killed mid-batch")
            real_commit(self, token)

        def checkpoint(*args: Any, **kwargs: Any) -> Any:
            kills["checkpoints"] += 1
            if kills["checkpoints"] == 6:  # the sixth batch's records are written, its checkpoint is not
                raise RuntimeError("killed before the checkpoint")
            return real_checkpoint(*args, **kwargs)

        monkeypatch.setattr(Transaction, "commit", commit)
        monkeypatch.setattr(files_table, "save_checkpoint", checkpoint)
        file = _upload(operator, queues, catalog, content)

        assert kills["commits"] > 25, "killed mid-batch, and redone"
        assert kills["checkpoints"] > 6, "killed before a checkpoint, and redone"
        assert _counts(file) == _counts(uninterrupted) == BIG_FILE_COUNTS
        assert _totals(catalog) == expected_totals
        assert sorted(_totals(catalog).values()) == sorted(clean_totals.values())
        assert sum(1 for r in UsageRecordItem.scan() if r.account_id == catalog.account_id) == BIG_FILE_COUNTS[1]
        assert [r["line"] for r in _rejections(file)] == [n + 1 for n in MALFORMED]
        assert _rejections(file) == [{**r, "record_id": None} for r in _rejections(uninterrupted)]

    def test_near_its_deadline_the_function_queues_the_rest(self, operator, queues, catalog, functions, monkeypatch):
        import functions.usage_ingestion.app as ingestion

        monkeypatch.setattr(ingestion, "STOP_BEFORE_DEADLINE_MS", 10**9)  # always near: one batch per invocation
        invocations = Counter[str]()
        function = functions["UsageIngestionFunction"]
        real_invoke = function.invoke
        monkeypatch.setattr(function, "invoke", lambda event: invocations.update(["n"]) or real_invoke(event))
        content, expected_totals = _big_file()
        file = _upload(operator, queues, catalog, content)
        # S3's test event, a batch of 100 lines each, and one that finds the file read to its end
        assert invocations["n"] == 1 + 10 + 1
        assert _counts(file) == BIG_FILE_COUNTS
        assert _totals(catalog) == expected_totals


def test_rejections_larger_than_a_part_are_joined_in_line_order(operator, queues, catalog, monkeypatch):
    from moto.s3 import models as moto_s3

    monkeypatch.setattr(usage_files, "BATCH_LINES", 50)
    monkeypatch.setattr(uploads, "MULTIPART_PART_BYTES", 2000)
    monkeypatch.setattr(moto_s3, "S3_UPLOAD_PART_MIN_SIZE", 2000)
    content = _ndjson([_record(1)]) + "".join(f"bad line {n}\n" for n in range(2, 402)).encode()
    file = _upload(operator, queues, catalog, content)
    assert _counts(file) == ("COMPLETED", 1, 0, 400)
    assert [r["line"] for r in _rejections(file)] == list(range(2, 402))
    bucket = os.environ["USAGE_UPLOADS_BUCKET"]
    key = f"rejections/{catalog.account_id}/{file['id']}.ndjson"
    parts = boto3.client("s3").head_object(Bucket=bucket, Key=key, PartNumber=1)["PartsCount"]
    assert parts > 1
