"""ICCIDs (ITU-T E.118): 19 or 20 digits, the last a Luhn check digit over the others."""

from __future__ import annotations


def luhn_check_digit(payload: str) -> int:
    """The digit that makes `payload` + digit pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # doubled: the rightmost payload digit sits next to the check digit
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_iccid(value: str) -> bool:
    return (
        len(value) in (19, 20)
        and value.isascii()
        and value.isdigit()
        and (luhn_check_digit(value[:-1]) == int(value[-1]))
    )
