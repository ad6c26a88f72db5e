"""Composing the canonical invoice (schema 2.0) from the engine's lines, the customer and the profile."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import BillingInput, LineKind
from reseller_billing.einvoice.model import DocumentType
from reseller_billing.einvoice.rules import violations
from reseller_billing.logic.invoice_composition import compose_document
from reseller_billing.logic.pricing import PriceList
from reseller_billing.models.accounts import IssuerDetails, ResellerProfile
from reseller_billing.models.customers import Address, DocumentLocale, TaxTreatment
from reseller_billing.models.invoice_document import TaxCategory
from reseller_billing.models.messages import InvoicedCustomer
from reseller_billing.money import round_money
from reseller_billing.rendering.e_invoice import einvoice_document
from tests.bench import workload
from tests.unit.billing.test_engine_properties import billing_inputs

ISSUER = IssuerDetails(
    legal_name="Nordlicht IoT GmbH",
    address=Address(line1="Speicherstadt 7", postal_code="20457", city="Hamburg", country="DE"),
    vat_id="DE136695976",
    registration_number="HRB 123456",
    email="billing@nordlicht-iot.example",
)


def price_list(inp: BillingInput | None = None, **profile_changes: object) -> PriceList:
    profile = ResellerProfile.model_validate(
        {
            "customer_invoice_creation": True,
            "customer_invoice_type": "BOTH",
            "billing_cycle_day": 5,
            "issuer": ISSUER.model_dump(),
            "payment_terms_days": 14,
            "bank_account": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
            "invoice_footer": "Thank you.",
            **profile_changes,
        }
    )
    base = workload.price_list()
    if inp is None:
        return replace(base, profile=profile)
    return replace(base, profile=profile, currency=inp.currency, products=dict(inp.products), plans=dict(inp.plans))


def customer(**changes: object) -> InvoicedCustomer:
    return workload.customer().model_copy(update=changes)


def test_the_document_carries_issuer_customer_tax_data_dates_and_payment():
    computed = compute_invoice(workload.billing_input())

    doc = compose_document(
        price_list(), customer(vat_id="PL5260250995"), workload.CYCLE, computed, None, workload.CYCLE.run_date
    ).numbered("INV-2026-000001")

    assert doc.issuer.address is not None
    assert (doc.issuer.legal_name, doc.issuer.vat_id, doc.issuer.address.city) == (
        "Nordlicht IoT GmbH",
        "DE136695976",
        "Hamburg",
    )
    assert (doc.customer.vat_id, doc.customer.tax_treatment, doc.customer.locale) == (
        "PL5260250995",
        TaxTreatment.STANDARD,
        DocumentLocale.EN,
    )
    assert (doc.billing_date, doc.issue_date, doc.due_date) == (
        date(2026, 11, 5),
        date(2026, 11, 5),
        date(2026, 11, 19),
    )
    assert doc.payment.model_dump() == {
        "terms_days": 14,
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
        "reference": "INV-2026-000001",
    }
    assert (doc.tax_category, doc.tax_wording, doc.footer) == (TaxCategory.STANDARD, None, "Thank you.")
    mrc = next(line for line in doc.lines if line.kind is LineKind.MRC)
    assert (mrc.unit_price, mrc.sim_days, mrc.cycle_days) == (Decimal("8.99"), mrc.sim_days, 31)
    assert all(line.sim_days is None and line.cycle_days is None for line in doc.lines if line.kind is not LineKind.MRC)


@pytest.mark.parametrize(
    ("changes", "category", "wording"),
    [
        ({"vat_rate": Decimal(19)}, TaxCategory.STANDARD, None),
        ({"vat_rate": Decimal(0)}, TaxCategory.ZERO_RATED, None),
        (
            {"vat_rate": Decimal(0), "tax_treatment": TaxTreatment.REVERSE_CHARGE, "vat_id": "FR40303265045"},
            TaxCategory.REVERSE_CHARGE,
            "Reverse charge",
        ),
        (
            {
                "vat_rate": Decimal(0),
                "tax_treatment": TaxTreatment.REVERSE_CHARGE,
                "vat_id": "FR40303265045",
                "locale": DocumentLocale.FR,
            },
            TaxCategory.REVERSE_CHARGE,
            "Autoliquidation",
        ),
        (
            {"vat_rate": Decimal(0), "tax_treatment": TaxTreatment.EXEMPT, "tax_exemption_reason": "Art. 132 (1)"},
            TaxCategory.EXEMPT,
            "Art. 132 (1)",
        ),
    ],
    ids=["S", "Z", "AE-en", "AE-fr", "E"],
)
def test_tax_category_and_wording_follow_the_customers_treatment(changes, category, wording):
    who = customer(**changes)
    computed = compute_invoice(replace(workload.billing_input(), vat_rate=who.vat_rate))

    doc = compose_document(price_list(), who, workload.CYCLE, computed, "INV-2026-000001", workload.CYCLE.run_date)

    assert (doc.tax_category, doc.tax_wording) == (category, wording)


def test_without_issuer_or_bank_the_document_says_so_with_nulls():
    doc = compose_document(
        workload.price_list(),
        customer(),
        workload.CYCLE,
        compute_invoice(workload.billing_input()),
        None,
        workload.CYCLE.run_date,
    )

    assert (doc.issuer.name, doc.issuer.legal_name, doc.issuer.vat_id) == ("Nordlicht IoT GmbH", None, None)
    assert (doc.payment.terms_days, doc.payment.iban, doc.payment.reference) == (30, None, None)
    assert doc.due_date == date(2026, 12, 5)


@settings(max_examples=150, deadline=None)
@given(billing_inputs(), st.sampled_from([TaxTreatment.STANDARD, TaxTreatment.REVERSE_CHARGE, TaxTreatment.EXEMPT]))
def test_every_mrc_line_is_unit_price_times_sim_days_over_cycle_days_rounded_once(inp: BillingInput, treatment) -> None:
    """The stored amounts do not change: the document's MRC lines carry what they are computed from. And
    every invoice the service composes (in a currency EN 16931 can carry) maps to an e-invoice that
    breaks none of the rules checked before writing."""
    who = customer(
        tax_treatment=treatment,
        vat_rate=inp.vat_rate if treatment is TaxTreatment.STANDARD else Decimal(0),
        vat_id="FR40303265045" if treatment is TaxTreatment.REVERSE_CHARGE else None,
        tax_exemption_reason="Exempt" if treatment is TaxTreatment.EXEMPT else None,
    )
    inp = replace(inp, vat_rate=who.vat_rate)
    doc = compose_document(price_list(inp), who, inp.cycle, compute_invoice(inp), "INV-2027-000001", inp.cycle.run_date)

    for line in doc.lines:
        if line.kind is LineKind.MRC:
            assert line.sim_days is not None
            assert line.cycle_days == inp.cycle.proration_days
            assert line.amount == round_money(line.unit_price * line.sim_days / line.cycle_days, inp.currency)
        else:
            assert line.sim_days is None
            assert line.cycle_days is None
    if doc.lines and inp.currency != "BHD":
        assert violations(einvoice_document(doc, DocumentType.INVOICE)) == ()
