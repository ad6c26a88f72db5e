"""Identifiers: new ids sort by creation; an invoice's id is its customer and cycle."""

from datetime import UTC, date, datetime

import pytest

from reseller_billing.ids import fixed_id, invoice_id, new_id, parse_invoice_id


def test_new_ids_carry_their_prefix_and_sort_by_time():
    first = new_id("cus")
    assert first.startswith("cus_")
    assert len(first) == len("cus_") + 26
    assert fixed_id("run", datetime(2026, 11, 5, tzinfo=UTC), "SCHEDULED") < new_id("run")


def test_an_invoice_id_names_its_customer_and_cycle_and_reads_back():
    value = invoice_id("cus_01ABC", date(2026, 10, 5))
    assert value == "inv_01ABC_20261005"
    assert parse_invoice_id(value) == ("cus_01ABC", date(2026, 10, 5))


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
    ],
)
def test_anything_else_is_not_an_invoice_id(value):
    assert parse_invoice_id(value) is None
