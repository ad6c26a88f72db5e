"""ICCID ranges: `first` and the ICCIDs whose digits before the check digit count on from first's, each
with its own Luhn check digit, within the ICCID's length."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reseller_billing.iccid import is_valid_iccid, luhn_check_digit
from reseller_billing.models.stock import IccidRange, StockAddition, iccid_range
from tests.support.iccids import iccid


def test_a_range_counts_on_the_digits_before_the_check_digit():
    assert list(iccid_range(iccid(9), 3)) == [iccid(9), iccid(10), iccid(11)]


def test_leading_zeros_and_the_length_are_kept():
    payload = "0" * 19
    first = payload + str(luhn_check_digit(payload))
    got = list(iccid_range(first, 12))
    assert all(len(i) == 20 and i.startswith("0" * 17) and is_valid_iccid(i) for i in got)
    assert [int(i[:-1]) for i in got] == list(range(12))


def test_skip_leaves_out_the_first_ones():
    assert list(iccid_range(iccid(1), 10, skip=7)) == [iccid(8), iccid(9), iccid(10)]


def test_a_range_may_not_run_past_its_digits():
    last = "9" * 18 + str(luhn_check_digit("9" * 18))
    assert IccidRange(first=last, count=1).count == 1
    with pytest.raises(ValidationError, match="runs past 19 digits"):
        IccidRange(first=last, count=2)


@pytest.mark.parametrize("count", [0, 100_001, "5", 2.5, True])
def test_a_count_is_a_json_integer_from_1_to_100000(count):
    with pytest.raises(ValidationError):
        IccidRange.model_validate({"first": iccid(1), "count": count})


def test_a_request_is_one_form_or_the_other():
    for body in ({"iccids": [iccid(1)], "range": {"first": iccid(1), "count": 1}}, {}, {"iccids": None}):
        with pytest.raises(ValidationError, match="either iccids or a range"):
            StockAddition.model_validate(body)
    assert StockAddition.model_validate({"range": {"first": iccid(1), "count": 100_000.0}}).range == IccidRange(
        first=iccid(1), count=100_000
    )
    assert StockAddition.model_validate({"iccids": [iccid(2)]}).iccids == [iccid(2)]
