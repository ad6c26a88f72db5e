"""Accounts in the table."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from reseller_billing.dal.items import AccountItem, ListingIndex
from reseller_billing.dal.pagination import Page, query_page
from reseller_billing.dal.writes import ChangedMeanwhileError, condition_failed, save_version
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError


def get_account(account_id: str) -> AccountItem:
    """The account, or 404."""
    try:
        return AccountItem.get(*AccountItem.key(account_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"account {account_id} not found") from None


def insert_account(item: AccountItem) -> None:
    item.index_keys()
    item.save(condition=AccountItem.pk.does_not_exist())


def list_accounts(account_type: str | None, limit: int, cursor: str | None) -> Page[AccountItem]:
    """Every account by type, then id (GSI1: ACCOUNTS / {type}#{id})."""
    condition = ListingIndex.gsi1sk.startswith(f"{account_type}#") if account_type else None
    return query_page(AccountItem, "ACCOUNTS", condition, limit=limit, cursor=cursor, index="GSI1")


def has_customers_error(account_id: str) -> ConflictError:
    return ConflictError(
        f"account {account_id} has customers and stays a reseller", code=ErrorCode.ACCOUNT_HAS_CUSTOMERS
    )


def save_account(item: AccountItem, expected_version: int) -> None:
    """Save the changed account if nobody changed it since `expected_version` was read.

    A STANDARD account is saved only while it has no customers: a customer created meanwhile bumps
    `customer_count` in the transaction that creates it, so this condition closes that race."""
    item.index_keys()
    if item.account_type != "STANDARD":
        save_version(item, expected_version, unchanged=AccountItem.customer_count == item.customer_count)
        return
    item.version = expected_version + 1
    try:
        item.save(condition=(AccountItem.version == expected_version) & (AccountItem.customer_count == 0))
    except PutError as error:
        if not condition_failed(error):
            raise
        if get_account(item.id).customer_count:
            raise has_customers_error(item.id) from error
        raise ChangedMeanwhileError() from error
