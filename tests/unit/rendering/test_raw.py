import csv
import io
import json
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator, ValidationError

from infra.build import gen_invoice_schema
from reseller_billing.billing.model import LineKind
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.rendering.raw import CSV_COLUMNS, JSON_CHUNK_BYTES, JsonArtifact, render_csv, render_json


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(gen_invoice_schema.TARGET.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_committed_schema_is_the_generated_one():
    committed = gen_invoice_schema.TARGET.read_text(encoding="utf-8")

    assert committed == gen_invoice_schema.render(), "run: .venv/bin/python -m infra.build.gen_invoice_schema"


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"invoice_number": None},
        {"currency": "JPY", "vat_rate": Decimal("10")},
        {"currency": "BHD", "vat_rate": Decimal("7.5"), "line_count": 0},
    ],
    ids=["eur", "preview", "jpy", "bhd-no-lines"],
)
def test_json_validates_against_the_schema(make_document, validator, overrides):
    validator.validate(json.loads(render_json(make_document(**overrides))))


def test_json_round_trips_to_an_equal_document(make_document):
    doc = make_document()

    assert InvoiceDocument.model_validate_json(render_json(doc)) == doc


def test_json_keeps_model_order_and_amount_digits_without_floats(make_document):
    doc = make_document(currency="JPY")

    def no_floats(text: str) -> None:
        raise AssertionError(f"float in invoice.json: {text}")

    data = json.loads(render_json(doc), parse_float=no_floats)

    assert list(data) == list(InvoiceDocument.model_fields)
    assert [line["amount"] for line in data["lines"]] == ["12", "25", "37", "49"]
    assert data["net_total"] == str(doc.net_total)
    assert data["sims"][1]["amount"] == "0.398400"


def test_json_writes_decimals_in_fixed_point_even_when_str_would_not(make_document, validator):
    doc = make_document(vat_rate=Decimal("1E+1"), sims=())
    data = json.loads(render_json(doc))

    assert data["vat_rate"] == "10"
    validator.validate(data)


def test_schema_rejects_amounts_as_numbers_or_exponents(make_document, validator):
    data = json.loads(render_json(make_document()))

    for bad in (12.35, "1.235E+1", "012.35"):
        data["lines"][0]["amount"] = bad
        with pytest.raises(ValidationError):
            validator.validate(data)


def test_json_is_deterministic_utf8_with_a_final_newline(make_document):
    first = render_json(make_document())

    assert first == render_json(make_document())
    assert first.endswith(b"}\n")
    assert "Łódź Żółć Ñandú Ωmega".encode() in first


def test_csv_has_a_header_and_one_row_per_line(make_document):
    doc = make_document(line_count=5)

    rows = list(csv.reader(io.StringIO(render_csv(doc).decode("utf-8"), newline="")))

    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 1 + 5
    for row, line in zip(rows[1:], doc.lines, strict=True):
        record = dict(zip(CSV_COLUMNS, row, strict=True))
        assert record["invoice_number"] == "INV-2026-000042"
        dates = ("billing_date", "issue_date", "due_date", "cycle_start", "cycle_end")
        expected = ["2026-02-01", "2026-02-01", "2026-03-03", "2026-01-01", "2026-01-31"]
        assert [record[name] for name in dates] == expected
        assert record["currency"] == "EUR"
        assert (record["product_code"], record["product_name"]) == (line.product_code, line.product_name)
        assert record["kind"] == line.kind.value
        assert Decimal(record["quantity"]) == line.quantity
        assert record["amount"] == str(line.amount)
        assert record["unit_price"] == f"{line.unit_price:f}"
        assert (record["sim_days"], record["cycle_days"]) == (("62", "31") if line.kind is LineKind.MRC else ("", ""))
        assert (record["billing_date"], record["due_date"], record["tax_category"]) == ("2026-02-01", "2026-03-03", "S")
    assert [row[CSV_COLUMNS.index("amount")] for row in rows[1:]] == ["12.35", "24.69", "37.04", "49.38", "61.73"]


def test_csv_keeps_the_columns_of_schema_1_first_and_appends_the_new_ones():
    assert CSV_COLUMNS[:10] == (
        "invoice_number",
        "issue_date",
        "cycle_start",
        "cycle_end",
        "currency",
        "product_code",
        "product_name",
        "kind",
        "quantity",
        "amount",
    )


def test_csv_is_rfc4180_utf8_without_bom_and_deterministic(make_document):
    doc = make_document(line_count=1)
    line = doc.lines[0].model_copy(update={"product_name": 'Łódź "Fleet", 5 GB\nEU'})
    doc = doc.model_copy(update={"lines": (line,)})

    data = render_csv(doc)

    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 2  # header and row; the name's own line break stays inside quotes
    assert '"Łódź ""Fleet"", 5 GB\nEU"'.encode() in data
    assert next(iter(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))))["product_name"] == (
        line.product_name
    )
    assert data == render_csv(doc)


def test_csv_of_a_preview_has_an_empty_invoice_number(make_document):
    rows = list(csv.reader(io.StringIO(render_csv(make_document(invoice_number=None)).decode(), newline="")))

    assert {row[0] for row in rows[1:]} == {""}


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tTab", "\rReturn"],
)
def test_csv_text_a_user_wrote_never_starts_a_formula(make_document, name):
    doc = make_document(line_count=1)
    doc = doc.model_copy(update={"lines": (doc.lines[0].model_copy(update={"product_name": name}),)})

    record = next(iter(csv.DictReader(io.StringIO(render_csv(doc).decode("utf-8"), newline=""))))

    assert record["product_name"] == f"'{name}"


def test_csv_prefixes_an_invoice_number_whose_prefix_starts_a_formula(make_document):
    rows = list(csv.reader(io.StringIO(render_csv(make_document(invoice_number="-X2026-000001")).decode())))

    assert {row[0] for row in rows[1:]} == {"'-X2026-000001"}


def test_csv_leaves_harmless_text_and_the_services_numbers_alone(make_document):
    doc = make_document(line_count=1)
    doc = doc.model_copy(update={"lines": (doc.lines[0].model_copy(update={"product_name": "IoT = fast -5%"}),)})

    record = next(iter(csv.DictReader(io.StringIO(render_csv(doc).decode("utf-8"), newline=""))))

    assert record["product_name"] == "IoT = fast -5%"
    assert record["amount"] == "12.35"


def test_json_of_many_sims_comes_in_pieces_that_make_the_whole(make_document):
    one = make_document().sims[0]
    sims = tuple(one.model_copy(update={"iccid": f"89490000000{n:08d}"}) for n in range(5_000))
    doc = make_document(sims=sims)

    pieces = list(JsonArtifact(doc))

    assert len(pieces) > 1
    assert all(len(piece) < 2 * JSON_CHUNK_BYTES for piece in pieces)
    assert b"".join(pieces) == render_json(doc) == b"".join(JsonArtifact(doc))  # iterated again: the same
    assert InvoiceDocument.model_validate_json(b"".join(pieces)) == doc
    assert json.loads(render_json(make_document(sims=())))["sims"] == []
