"""Changing an account's type: what a PATCH may convert, and what the account looks like after (no table
needed; that a RESELLER with customers stays one is the save's condition, tests/integration)."""

from datetime import UTC, datetime

import pytest

from reseller_billing.errors import ConflictError, ErrorCode, UnprocessableError
from reseller_billing.logic.accounts import conversion_error, updated_account
from reseller_billing.models.accounts import (
    Account,
    AccountType,
    AccountUpdate,
    CycleDayEntry,
    InvoiceType,
    ResellerProfile,
    ResellerProfileState,
)

NOW = datetime(2026, 11, 20, tzinfo=UTC)
PROFILE = ResellerProfile(customer_invoice_creation=True, customer_invoice_type=InvoiceType.PDF, billing_cycle_day=5)
STORED = ResellerProfileState.first(PROFILE)


def account(account_type: AccountType) -> Account:
    return Account(
        id="acc_1",
        name="Nordlicht IoT GmbH",
        type=account_type,
        currency="EUR",
        bill_cycle_day=1,
        reseller_profile=STORED if account_type is AccountType.RESELLER else None,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_standard_account_becomes_a_reseller_with_a_profile():
    request = AccountUpdate(type=AccountType.RESELLER, reseller_profile=PROFILE)
    assert conversion_error(account(AccountType.STANDARD), request) is None
    converted = updated_account(account(AccountType.STANDARD), request)
    assert (converted.type, converted.reseller_profile) == (AccountType.RESELLER, STORED)
    assert STORED.billing_cycle_history == [CycleDayEntry(billing_cycle_day=5, effective_from=None)]


def test_a_standard_account_needs_a_profile_to_become_a_reseller():
    error = conversion_error(account(AccountType.STANDARD), AccountUpdate(type=AccountType.RESELLER))
    assert isinstance(error, UnprocessableError)
    assert error.details[0]["field"] == "reseller_profile"


def test_a_reseller_changes_its_profile_elsewhere():
    request = AccountUpdate(type=AccountType.RESELLER, reseller_profile=PROFILE)
    error = conversion_error(account(AccountType.RESELLER), request)
    assert isinstance(error, ConflictError)
    assert error.code is ErrorCode.ALREADY_RESELLER


def test_a_reseller_asked_to_stay_one_is_unchanged():
    request = AccountUpdate(type=AccountType.RESELLER)
    assert conversion_error(account(AccountType.RESELLER), request) is None
    assert updated_account(account(AccountType.RESELLER), request) == account(AccountType.RESELLER)


def test_a_reseller_becomes_standard_without_its_profile():
    request = AccountUpdate(type=AccountType.STANDARD)
    assert conversion_error(account(AccountType.RESELLER), request) is None
    converted = updated_account(account(AccountType.RESELLER), request)
    assert (converted.type, converted.reseller_profile) == (AccountType.STANDARD, None)


@pytest.mark.parametrize("account_type", list(AccountType))
def test_name_and_bill_cycle_day_change_whatever_the_type(account_type):
    changed = updated_account(account(account_type), AccountUpdate(name="Renamed", bill_cycle_day=7))
    assert (changed.name, changed.bill_cycle_day, changed.type) == ("Renamed", 7, account_type)
