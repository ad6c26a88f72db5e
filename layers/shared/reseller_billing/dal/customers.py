"""A reseller's customers in the table.

A customer is created in one transaction with the guard that keeps its number unique within the reseller
and the account's customer count. Its item also counts its SIMs not RETIRED (`open_sim_count`, moved by
the SIMs' transactions) and keeps their latest retirement date (`latest_retirement`): edits leave both
alone, and closing is conditional on the count being 0 and that date not after today. It also counts the
SIMs ever assigned to it (`sim_count`), which decides a customer's invoicing lane."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from pynamodb.exceptions import DoesNotExist

from reseller_billing.dal.items import AccountItem, AddressMap, CustomerItem, UniqueValueGuard, account_pk
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import (
    ChangedMeanwhileError,
    Transaction,
    TransactionFailed,
    set_actions,
    update_version,
)
from reseller_billing.errors import ConflictError, ErrorCode, NotFoundError
from reseller_billing.models.accounts import AccountType
from reseller_billing.models.common import Page, Versioned
from reseller_billing.models.customers import (
    Address,
    BillableCustomer,
    Customer,
    CustomerStatus,
    DocumentLocale,
    TaxTreatment,
)

# What an edit of a customer writes: everything but its key, number, creation time and SIM count.
_EDITED = (
    "name",
    "email",
    "address",
    "vat_rate",
    "status",
    "vat_id",
    "tax_treatment",
    "tax_exemption_reason",
    "locale",
    "peppol_id",
    "updated_at",
)


def _customer(item: CustomerItem) -> Customer:
    return Customer(
        id=item.id,
        account_id=item.account_id,
        customer_number=item.customer_number,
        name=item.name,
        email=item.email,
        address=Address.model_validate(item.address.as_dict()),
        vat_rate=item.vat_rate,
        status=CustomerStatus(item.status),
        vat_id=item.vat_id,
        tax_treatment=TaxTreatment(item.tax_treatment),
        tax_exemption_reason=item.tax_exemption_reason,
        locale=DocumentLocale(item.locale),
        peppol_id=item.peppol_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _item(customer: Customer) -> CustomerItem:
    return CustomerItem(
        *CustomerItem.key(customer.account_id, customer.id),
        id=customer.id,
        account_id=customer.account_id,
        customer_number=customer.customer_number,
        name=customer.name,
        email=customer.email,
        address=AddressMap(**customer.address.model_dump()),
        vat_rate=customer.vat_rate,
        status=customer.status.value,
        vat_id=customer.vat_id,
        tax_treatment=customer.tax_treatment.value,
        tax_exemption_reason=customer.tax_exemption_reason,
        locale=customer.locale.value,
        peppol_id=customer.peppol_id,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )


def get_customer(account_id: str, customer_id: str) -> Versioned[Customer]:
    try:
        item = CustomerItem.get(*CustomerItem.key(account_id, customer_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"customer {customer_id} not found") from None
    return Versioned(_customer(item), item.version)


def get_customers(account_id: str, customer_ids: Collection[str]) -> list[Customer]:
    """The reseller's customers with these ids (BatchGetItem, 100 keys a call); unknown ids are left out."""
    keys = [CustomerItem.key(account_id, customer_id) for customer_id in customer_ids]
    return [_customer(item) for item in CustomerItem.batch_get(keys, consistent_read=True)]


def _billable(item: CustomerItem) -> BillableCustomer:
    # A customer whose SIMs were assigned before `sim_count` existed has its open SIMs counted at least.
    return BillableCustomer(customer=_customer(item), sims=max(item.sim_count, item.open_sim_count))


def list_billable_customers(account_id: str, limit: int, cursor: str | None) -> Page[BillableCustomer]:
    """A page of the reseller's customers (as list_customers), each with its SIM count."""
    return query_page(
        CustomerItem,
        _billable,
        account_pk(account_id),
        CustomerItem.sk.startswith("CUSTOMER#"),
        limit=limit,
        cursor=cursor,
    )


def get_billable_customers(account_id: str, customer_ids: Collection[str]) -> list[BillableCustomer]:
    """The reseller's customers with these ids (as get_customers), each with its SIM count."""
    keys = [CustomerItem.key(account_id, customer_id) for customer_id in customer_ids]
    return [_billable(item) for item in CustomerItem.batch_get(keys, consistent_read=True)]


def list_customers(account_id: str, limit: int, cursor: str | None) -> Page[Customer]:
    return query_page(
        CustomerItem,
        _customer,
        account_pk(account_id),
        CustomerItem.sk.startswith("CUSTOMER#"),
        limit=limit,
        cursor=cursor,
    )


def insert_customer(customer: Customer) -> Versioned[Customer]:
    """Create the customer, claim its number within the reseller, and count it on the account."""
    item = _item(customer)
    item.open_sim_count = 0
    item.version = 1
    tx = Transaction()
    tx.put(item, "customer", CustomerItem.pk.does_not_exist())
    guard = UniqueValueGuard(*UniqueValueGuard.customer_number_key(customer.account_id, customer.customer_number))
    guard.owner_id = customer.id
    tx.put(guard, "number", UniqueValueGuard.pk.does_not_exist())
    account = AccountItem(*AccountItem.key(customer.account_id))
    tx.update(
        account,
        "account",
        [AccountItem.customer_count.add(1)],
        AccountItem.account_type == AccountType.RESELLER.value,
    )
    try:
        tx.commit()
    except TransactionFailed as failure:
        if "number" in failure.failed:
            raise ConflictError(
                f"customer number {customer.customer_number} is already used by this reseller",
                code=ErrorCode.CUSTOMER_NUMBER_TAKEN,
            ) from None
        raise ConflictError(
            f"account {customer.account_id} is not a reseller", code=ErrorCode.ACCOUNT_NOT_RESELLER
        ) from None
    return Versioned(customer, 1)


def save_customer(customer: Customer, expected_version: int, *, closing_on: date | None) -> Versioned[Customer]:
    """Save a changed customer. Closing it (on `closing_on`, today) also requires that all its SIMs are
    RETIRED, none of them from a date after today."""
    item = _item(customer)
    if closing_on is None:
        return Versioned(customer, update_version(item, _EDITED, expected_version))
    retired = CustomerItem.latest_retirement.does_not_exist() | (CustomerItem.latest_retirement <= closing_on)
    tx = Transaction()
    tx.update(
        item,
        "customer",
        [*set_actions(item, _EDITED), CustomerItem.version.set(expected_version + 1)],
        (CustomerItem.version == expected_version) & (CustomerItem.open_sim_count == 0) & retired,
    )
    try:
        tx.commit()
    except TransactionFailed as failure:
        before = failure.failed["customer"] or {}
        if int(before.get("open_sim_count", {}).get("N", "0")):
            raise ConflictError(
                "a customer can be closed only when all its SIMs are RETIRED",
                code=ErrorCode.CUSTOMER_HAS_ACTIVE_SIMS,
            ) from None
        latest = before.get("latest_retirement", {}).get("S")
        if latest is not None and latest > closing_on.isoformat():
            raise ConflictError(
                f"a SIM of this customer retires on {latest}: the customer can be closed from then on",
                code=ErrorCode.CUSTOMER_HAS_ACTIVE_SIMS,
            ) from None
        raise ChangedMeanwhileError() from None
    return Versioned(customer, expected_version + 1)
