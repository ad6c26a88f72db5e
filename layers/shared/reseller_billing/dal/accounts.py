"""Accounts and their reseller profiles in the table.

An account item also carries `customer_count` (moved by the transaction that creates a customer) and its
profile's own version (the profile's ETag). Edits write only the account's own attributes, so a customer
created meanwhile never makes an edit fail; becoming STANDARD is conditional on the count being 0."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from reseller_billing.dal.items import AccountItem, ListingIndex, ResellerProfileMap
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import ChangedMeanwhileError, update_version
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError
from reseller_billing.models.accounts import Account, AccountType, ResellerProfile, VersionedAccount
from reseller_billing.models.common import Page

# What an edit of an account writes: everything but its key, creation time and counters.
_EDITED = ("name", "account_type", "bill_cycle_day", "reseller_profile", "updated_at", "gsi1sk", "gsi2pk", "gsi2sk")


def _account(item: AccountItem) -> Account:
    profile = item.reseller_profile
    return Account(
        id=item.id,
        name=item.name,
        type=AccountType(item.account_type),
        currency=item.currency,
        bill_cycle_day=item.bill_cycle_day,
        reseller_profile=ResellerProfile.model_validate(profile.as_dict()) if profile is not None else None,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _versioned(item: AccountItem) -> VersionedAccount:
    return VersionedAccount(_account(item), item.version, item.profile_version)


def _item(account: Account) -> AccountItem:
    profile = account.reseller_profile
    item = AccountItem(
        *AccountItem.key(account.id),
        id=account.id,
        name=account.name,
        account_type=account.type.value,
        currency=account.currency,
        bill_cycle_day=account.bill_cycle_day,
        reseller_profile=ResellerProfileMap(**profile.model_dump(mode="json")) if profile is not None else None,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )
    item.index_keys()
    return item


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
    item.save(condition=AccountItem.pk.does_not_exist())
    return _versioned(item)


def list_accounts(account_type: AccountType | None, limit: int, cursor: str | None) -> Page[Account]:
    """Every account by type, then id (GSI1: ACCOUNTS / {type}#{id})."""
    condition = ListingIndex.gsi1sk.startswith(f"{account_type.value}#") if account_type else None
    return query_page(AccountItem, _account, "ACCOUNTS", condition, limit=limit, cursor=cursor, index="GSI1")


def save_account(account: Account, read: VersionedAccount, *, profile_changed: bool) -> VersionedAccount:
    """Save the changed account if nobody changed it since `read`; a changed profile gets the next profile
    version. A STANDARD account is saved only while it has no customers: a customer created meanwhile
    moves `customer_count` in the transaction that creates it, so this condition closes that race."""
    item = _item(account)
    profile_version = read.profile_version + 1 if profile_changed else read.profile_version
    item.profile_version = profile_version
    standard = account.type is AccountType.STANDARD
    try:
        version = update_version(
            item,
            [*_EDITED, "profile_version"],
            read.version,
            AccountItem.customer_count == 0 if standard else None,
        )
    except ChangedMeanwhileError:
        if standard and _customer_count(account.id):
            raise ConflictError(
                f"account {account.id} has customers and stays a reseller", code=ErrorCode.ACCOUNT_HAS_CUSTOMERS
            ) from None
        raise
    return VersionedAccount(account, version, profile_version)


def _customer_count(account_id: str) -> int:
    try:
        item = AccountItem.get(*AccountItem.key(account_id), consistent_read=True, attributes_to_get=["customer_count"])
    except DoesNotExist:
        return 0
    return item.customer_count
