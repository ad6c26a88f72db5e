"""Accounts and their reseller profiles in the table.

An account item also carries `customer_count` (moved by the transaction that creates a customer) and its
profile's own version (the profile's ETag). Edits write only the account's own attributes, so a customer
created meanwhile never makes an edit fail; becoming STANDARD is conditional on the count being 0.

A reseller is found by the daily schedule through its InvoicingDayMarker items, one per day of its
billing-cycle history, in the invoicing-day index while its customer invoicing is on. They are written in
the transaction that saves the account, so the index never disagrees with the profile."""

from __future__ import annotations

import time

from pynamodb.exceptions import DoesNotExist

from reseller_billing.dal.items import (
    AccountItem,
    CycleDayChangeMap,
    InvoicingDayMarker,
    ListingIndex,
    ResellerProfileMap,
)
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import ChangedMeanwhileError, Transaction, TransactionFailed, set_actions
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError, TransientError
from reseller_billing.models.accounts import (
    Account,
    AccountType,
    CycleDayEntry,
    ResellerProfileState,
    VersionedAccount,
)
from reseller_billing.models.common import Page

# What an edit of an account writes: everything but its key, creation time and counters.
_EDITED = ("name", "account_type", "bill_cycle_day", "reseller_profile", "updated_at", "gsi1sk", "gsi2pk", "gsi2sk")
# Another transaction on the account or its markers at the same moment cancels a save with a conflict; it is
# sent again (its conditions then say whether the other one changed the account).
CONFLICT_ATTEMPTS = 4


def _profile(stored: ResellerProfileMap) -> ResellerProfileState:
    history = [
        CycleDayEntry(billing_cycle_day=entry.billing_cycle_day, effective_from=entry.effective_from)
        for entry in stored.billing_cycle_history or []
    ] or [CycleDayEntry(billing_cycle_day=stored.billing_cycle_day, effective_from=None)]
    # A field stored as null (or missing on a profile saved before it existed) takes the model's default.
    settings = {
        name: value for name, value in stored.as_dict().items() if value is not None and name != "billing_cycle_history"
    }
    return ResellerProfileState.model_validate({**settings, "billing_cycle_history": history})


def _account(item: AccountItem) -> Account:
    profile = item.reseller_profile
    return Account(
        id=item.id,
        name=item.name,
        type=AccountType(item.account_type),
        currency=item.currency,
        bill_cycle_day=item.bill_cycle_day,
        reseller_profile=_profile(profile) if profile is not None else None,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _versioned(item: AccountItem) -> VersionedAccount:
    return VersionedAccount(_account(item), item.version, item.profile_version)


def _profile_map(profile: ResellerProfileState) -> ResellerProfileMap:
    settings = profile.settings().model_dump(mode="json")
    history = [
        CycleDayChangeMap(billing_cycle_day=entry.billing_cycle_day, effective_from=entry.effective_from)
        for entry in profile.billing_cycle_history
    ]
    return ResellerProfileMap(**settings, billing_cycle_history=history)


def _item(account: Account) -> AccountItem:
    profile = account.reseller_profile
    item = AccountItem(
        *AccountItem.key(account.id),
        id=account.id,
        name=account.name,
        account_type=account.type.value,
        currency=account.currency,
        bill_cycle_day=account.bill_cycle_day,
        reseller_profile=_profile_map(profile) if profile is not None else None,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )
    item.index_keys()
    return item


def _invoicing_days(account: Account) -> set[int]:
    """The days the daily schedule must look at this account: every day of its history, while invoicing is on."""
    profile = account.reseller_profile
    if profile is None or not profile.customer_invoice_creation:
        return set()
    return {entry.billing_cycle_day for entry in profile.billing_cycle_history}


def _history_days(account: Account | None) -> set[int]:
    profile = account.reseller_profile if account is not None else None
    return {entry.billing_cycle_day for entry in profile.billing_cycle_history} if profile is not None else set()


def _mark_invoicing_days(tx: Transaction, account: Account, before: Account | None) -> None:
    """Put the account in the invoicing-day index on each day it may have a run date, and take it out of
    the others it was in."""
    due = _invoicing_days(account)
    for day in sorted(_history_days(account) | _history_days(before)):
        marker = InvoicingDayMarker(*InvoicingDayMarker.key(account.id, day))
        actions = [InvoicingDayMarker.entity.set(InvoicingDayMarker), InvoicingDayMarker.account_id.set(account.id)]
        if day in due:
            actions += [
                InvoicingDayMarker.gsi2pk.set(InvoicingDayMarker.index_key(day)),
                InvoicingDayMarker.gsi2sk.set(account.id),
            ]
        else:
            actions += [InvoicingDayMarker.gsi2pk.remove(), InvoicingDayMarker.gsi2sk.remove()]
        tx.update(marker, f"day:{day}", actions)


def _commit(tx: Transaction) -> None:
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            tx.commit()
            return
        except TransientError:
            if attempt + 1 == CONFLICT_ATTEMPTS:
                raise
            time.sleep(0.02 * 2**attempt)


def get_account(account_id: str) -> VersionedAccount:
    """The account, or 404."""
    try:
        return _versioned(AccountItem.get(*AccountItem.key(account_id), consistent_read=True))
    except DoesNotExist:
        raise NotFoundError(f"account {account_id} not found") from None


def insert_account(account: Account) -> VersionedAccount:
    item = _item(account)
    item.version = 1
    item.profile_version = 1 if account.reseller_profile is not None else 0
    item.customer_count = 0
    tx = Transaction()
    tx.put(item, "account", AccountItem.pk.does_not_exist())
    _mark_invoicing_days(tx, account, None)
    _commit(tx)  # a new id: its condition cannot fail
    return _versioned(item)


def list_accounts(account_type: AccountType | None, limit: int, cursor: str | None) -> Page[Account]:
    """Every account by type, then id (GSI1: ACCOUNTS / {type}#{id})."""
    condition = ListingIndex.gsi1sk.startswith(f"{account_type.value}#") if account_type else None
    return query_page(AccountItem, _account, "ACCOUNTS", condition, limit=limit, cursor=cursor, index="GSI1")


def save_account(account: Account, read: VersionedAccount, *, profile_changed: bool) -> VersionedAccount:
    """Save the changed account if nobody changed it since `read`, with its invoicing days; a changed
    profile gets the next profile version. A STANDARD account is saved only while it has no customers: a
    customer created meanwhile moves `customer_count` in the transaction that creates it, so this
    condition closes that race."""
    item = _item(account)
    profile_version = read.profile_version + 1 if profile_changed else read.profile_version
    item.profile_version = profile_version
    standard = account.type is AccountType.STANDARD
    condition = AccountItem.version == read.version
    if standard:
        condition &= AccountItem.customer_count == 0
    tx = Transaction()
    actions = [*set_actions(item, [*_EDITED, "profile_version"]), AccountItem.version.set(read.version + 1)]
    tx.update(item, "account", actions, condition)
    _mark_invoicing_days(tx, account, read.value)
    try:
        _commit(tx)
    except TransactionFailed as failure:
        before = failure.failed.get("account") or {}
        if standard and int(before.get("customer_count", {}).get("N", "0")):
            raise ConflictError(
                f"account {account.id} has customers and stays a reseller", code=ErrorCode.ACCOUNT_HAS_CUSTOMERS
            ) from None
        raise ChangedMeanwhileError() from None
    return VersionedAccount(account, read.version + 1, profile_version)
