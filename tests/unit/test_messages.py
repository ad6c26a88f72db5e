"""The messages between the billing functions: what a producer writes is what a consumer reads."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from reseller_billing.models.customers import Address, Customer, CustomerStatus
from reseller_billing.models.messages import FanoutPageMessage, InvoicedCustomer, InvoiceRequestMessage

NOW = datetime(2026, 11, 5, tzinfo=UTC)
CUSTOMER = Customer(
    id="cus_1",
    account_id="acc_1",
    customer_number="C-1001",
    name="Łódź Żółć Ñandú Ωmega Sp. z o.o.",
    email="billing@omega.example",
    address=Address(line1="ul. Piotrkowska 104", postal_code="90-926", city="Łódź", country="PL"),
    vat_rate=Decimal("23.5"),
    status=CustomerStatus.ACTIVE,
    created_at=NOW,
    updated_at=NOW,
)


def test_an_invoice_request_survives_the_queue():
    sent = InvoiceRequestMessage(
        account_id="acc_1", run_id="run_1", run_date=date(2026, 11, 5), customer=InvoicedCustomer.of(CUSTOMER)
    )
    body = sent.model_dump_json()
    assert '"vat_rate":"23.5"' in body  # money and rates travel as decimal strings, never as floats
    received = InvoiceRequestMessage.model_validate_json(body)
    assert received == sent
    assert received.customer.vat_rate == Decimal("23.5")


def test_a_fanout_page_survives_the_queue():
    sent = FanoutPageMessage(account_id="acc_1", run_id="run_1", page=3, cursor="eyJQSyI6IngifQ")
    assert sent.model_dump_json() == '{"account_id":"acc_1","run_id":"run_1","page":3,"cursor":"eyJQSyI6IngifQ"}'
    assert FanoutPageMessage.model_validate_json(sent.model_dump_json()) == sent


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"account_id": "acc_1", "run_id": "run_1", "run_date": "2026-11-05"}',
        '{"account_id": "acc_1", "run_id": "run_1", "run_date": "2026-11-05", "customer": {"id": "cus_1"}}',
    ],
)
def test_an_unreadable_invoice_request_is_refused(body):
    with pytest.raises(ValidationError):
        InvoiceRequestMessage.model_validate_json(body)
