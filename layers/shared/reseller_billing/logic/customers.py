"""A reseller's customers. Every use case first checks that the account is a reseller (409
`account_not_reseller`); who may call is settled at the edge (operators, or the reseller's own users)."""

from __future__ import annotations

from reseller_billing.dal import customers as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.errors import ConflictError, ErrorCode, UnprocessableError
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.common import Page, Versioned, utcnow, utctoday
from reseller_billing.models.customers import (
    Customer,
    CustomerCreate,
    CustomerStatus,
    CustomerUpdate,
    tax_rule_violations,
)


def _check_tax_fields(customer: Customer) -> None:
    """422 naming each tax field that contradicts the others (models.customers.tax_rule_violations).

    An e-invoice needs nothing of a customer beyond these rules: name, address and e-mail are required
    anyway, the e-mail is its electronic address when it has no `peppol_id`, and reverse charge's buyer
    VAT id (BR-AE-02) and an exemption's reason (BR-E-10) are required here whatever the profile says."""
    # "value_error", as pydantic names a failed rule of our own: the field's schema cannot state it.
    details = [
        {"in": "body", "field": field, "message": message, "type": "value_error"}
        for field, message in tax_rule_violations(
            customer.vat_rate, customer.vat_id, customer.tax_treatment, customer.tax_exemption_reason
        )
    ]
    if details:
        raise UnprocessableError(
            "the customer's tax fields contradict each other: " + ", ".join(d["field"] for d in details),
            details=details,
        )


def create_customer(account_id: str, request: CustomerCreate) -> Versioned[Customer]:
    load_reseller(account_id)
    now = utcnow()
    customer = Customer(
        id=new_id("cus"),
        account_id=account_id,
        customer_number=request.customer_number,
        name=request.name,
        email=request.email,
        address=request.address,
        vat_rate=request.vat_rate,
        status=CustomerStatus.ACTIVE,
        vat_id=request.vat_id,
        tax_treatment=request.tax_treatment,
        tax_exemption_reason=request.tax_exemption_reason,
        locale=request.locale,
        peppol_id=request.peppol_id,
        created_at=now,
        updated_at=now,
    )
    _check_tax_fields(customer)
    return table.insert_customer(customer)


def get_customer(account_id: str, customer_id: str) -> Versioned[Customer]:
    load_reseller(account_id)
    return table.get_customer(account_id, customer_id)


def list_customers(account_id: str, limit: int, cursor: str | None) -> Page[Customer]:
    load_reseller(account_id)
    return table.list_customers(account_id, limit, cursor)


def update_customer(
    account_id: str, customer_id: str, request: CustomerUpdate, if_match: str | None
) -> Versioned[Customer]:
    """Change details; `status` suspends (ACTIVE<->SUSPENDED) or closes (only when every SIM is RETIRED
    today and none retires later; a CLOSED customer stays closed)."""
    return saved_with_retries(lambda: _update_customer(account_id, customer_id, request, if_match), if_match)


def _update_customer(
    account_id: str, customer_id: str, request: CustomerUpdate, if_match: str | None
) -> Versioned[Customer]:
    stored = get_customer(account_id, customer_id)
    check_if_match(if_match, stored.version)
    if stored.value.status is CustomerStatus.CLOSED:
        raise ConflictError(f"customer {customer_id} is CLOSED", code=ErrorCode.CUSTOMER_CLOSED)
    changes = {field: getattr(request, field) for field in request.model_fields_set}
    customer = stored.value.model_copy(update={**changes, "updated_at": utcnow()})
    _check_tax_fields(customer)
    closing_on = utctoday() if request.status is CustomerStatus.CLOSED else None
    return table.save_customer(customer, stored.version, closing_on=closing_on)
