"""Identifiers: new ids sort by creation; an invoice's id is its customer and cycle."""

from datetime import UTC, date, datetime

import pytest

from reseller_billing.ids import (
    credit_note_id,
    fixed_id,
    invoice_id,
    new_id,
    parse_credit_note_id,
    parse_invoice_id,
)


def test_new_ids_carry_their_prefix_and_sort_by_time():
    first = new_id("cus")
    assert first.startswith("cus_")
    assert len(first) == len("cus_") + 26
    assert fixed_id("run", datetime(2026, 11, 5, tzinfo=UTC), "SCHEDULED") < new_id("run")


def test_an_invoice_id_names_its_customer_and_cycle_and_reads_back():
    value = invoice_id("cus_01ABC", date(2026, 10, 5))
    assert value == "inv_01ABC_20261005"
    assert parse_invoice_id(value) == ("cus_01ABC", date(2026, 10, 5), 0)


def test_a_replacement_invoice_id_carries_its_number():
    value = invoice_id("cus_01ABC", date(2026, 10, 5), replacement=2)
    assert value == "inv_01ABC_20261005_r2"
    assert parse_invoice_id(value) == ("cus_01ABC", date(2026, 10, 5), 2)


def test_a_credit_note_id_names_its_invoice_and_a_key_names_it_again():
    invoice = invoice_id("cus_01ABC", date(2026, 10, 5), replacement=1)
    first, again = credit_note_id(invoice, "caller\nkey-1"), credit_note_id(invoice, "caller\nkey-1")
    assert first == again != credit_note_id(invoice, "caller\nkey-2")
    assert credit_note_id(invoice, None) != credit_note_id(invoice, None)
    assert parse_credit_note_id(first) == (invoice, "cus_01ABC", date(2026, 10, 5), 1)
    assert parse_credit_note_id("cn_nope") is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "inv_x",
        "cus_01ABC_20261005",
        "inv_01ABC_2026105",
        "inv_01ABC_20261305",
        "a_b_c_d",
        "inv_01ABC_٢٠٢٦١٠٠٥",
        "inv_01ABC_２０２６１００５",
        "inv_01ABC_+2026105",
        "inv_01ABC_20261005_r0",
        "inv_01ABC_20261005_r01",
        "inv_01ABC_20261005_x1",
        "inv_01ABC_20261005_r1_r2",
    ],
)
def test_anything_else_is_not_an_invoice_id(value):
    assert parse_invoice_id(value) is None
