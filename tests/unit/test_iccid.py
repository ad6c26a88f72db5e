"""ICCIDs: 19 or 20 ASCII digits whose last digit is the Luhn check digit over the others."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseller_billing.iccid import is_valid_iccid, luhn_check_digit

KNOWN_GOOD = [
    "89014103211118510720",  # 20 digits (the widely published AT&T example)
    "8944500102198304826",  # 19 digits
]


def _luhn_ok(number: str) -> bool:
    """Reference Luhn check written from the definition: from the right, double every second digit."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return total % 10 == 0


def test_check_digit_of_the_textbook_example():
    assert luhn_check_digit("7992739871") == 3


def test_check_digit_is_zero_when_the_sum_is_already_a_multiple_of_ten():
    assert luhn_check_digit("8901410321111851072") == 0


@pytest.mark.parametrize("iccid", KNOWN_GOOD)
def test_known_good_iccids_are_valid(iccid):
    assert is_valid_iccid(iccid)


@pytest.mark.parametrize("iccid", KNOWN_GOOD)
def test_every_other_check_digit_is_refused(iccid):
    wrong = [iccid[:-1] + d for d in "0123456789" if d != iccid[-1]]
    assert len(wrong) == 9
    assert not any(is_valid_iccid(w) for w in wrong)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "894450010219830482",  # 18 digits
        "894450010219830482" + "6" + "00",  # 21 digits
        "8944500102198304826".replace("4", "A", 1),
        "8944500102198304826 ",
        " 8944500102198304826",
        "+944500102198304826",
        "-944500102198304826",
        "89445001021983048.6",
        "8944500102198304826\n",
        "８９４４５００１０２１９８３０４８２６",  # full-width digits: isdigit() is True for them
        "894450010219830482٦",  # an Arabic-Indic six
        "89014103211118510720"[:-1] + "²",  # superscript two: str.isdigit() says yes, int() says no
    ],
)
def test_wrong_length_or_non_digits_are_refused_without_raising(value):
    assert is_valid_iccid(value) is False


def test_a_swap_of_two_adjacent_digits_is_caught():
    iccid = KNOWN_GOOD[1]
    swapped = iccid[:3] + iccid[4] + iccid[3] + iccid[5:]  # "45" -> "54"
    assert swapped != iccid
    assert not is_valid_iccid(swapped)


@given(payload=st.text(alphabet="0123456789", min_size=18, max_size=19))
def test_payload_plus_its_check_digit_is_valid_and_agrees_with_the_reference(payload):
    iccid = payload + str(luhn_check_digit(payload))
    assert is_valid_iccid(iccid)
    assert _luhn_ok(iccid)


@given(number=st.text(alphabet="0123456789", min_size=19, max_size=20))
def test_validity_matches_the_reference_luhn_check(number):
    assert is_valid_iccid(number) is _luhn_ok(number)


@given(payload=st.text(alphabet="0123456789", min_size=18, max_size=19), bump=st.integers(min_value=1, max_value=9))
def test_a_single_changed_check_digit_is_always_refused(payload, bump):
    check = luhn_check_digit(payload)
    assert not is_valid_iccid(payload + str((check + bump) % 10))
