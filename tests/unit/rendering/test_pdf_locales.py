"""The PDF in the customer's locale, with what the VAT Directive (art. 226) asks an invoice to show."""

import io
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from infra.sample_invoice import ISSUER, sample_document
from reseller_billing.einvoice.model import REVERSE_CHARGE_WORDING
from reseller_billing.models.customers import DocumentLocale, TaxTreatment
from reseller_billing.models.invoice_document import Payment, TaxCategory
from reseller_billing.rendering.pdf import LocaleFormats, render_pdf


def text_of(pdf: bytes) -> str:
    # Babel writes French groups with a narrow no-break space and the percent sign after a no-break space.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\u202f", " ").replace("\xa0", " ")


def legal_document(make_document, locale: DocumentLocale, **changes):
    doc = make_document(locale=locale, **changes)
    customer = doc.customer.model_copy(update={"vat_id": "PL5260250995"})
    return doc.model_copy(
        update={
            "issuer": ISSUER,
            "customer": customer,
            "payment": Payment(
                terms_days=30, iban="DE89370400440532013000", bic="COBADEFFXXX", reference="INV-2026-000042"
            ),
            "footer": "Thank you · Danke · Merci",
        }
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            DocumentLocale.EN,
            (
                "INVOICE",
                "VAT ID DE136695976",
                "Reg. no. HRB 123456, Amtsgericht Hamburg",
                "Speicherstadt 7",
                "20457 Hamburg",
                "Germany",
                "BILL TO",
                "VAT ID PL5260250995",
                "Issue date 1 Feb 2026",
                "Due date 3 Mar 2026",
                "Billing period 1 Jan 2026 – 31 Jan 2026",
                "Code Product Charge Quantity Unit price Amount (EUR)",
                "Monthly fee per SIM",
                "62 SIM-days / 31 days",
                "Net total €123.46",
                "VAT 19% €23.46",
                "Gross total €146.92",
                "Please pay €146.92 by 3 Mar 2026.",
                "Payable within 30 days of the issue date.",
                "IBAN DE89 3704 0044 0532 0130 00",
                "BIC COBADEFFXXX",
                "Reference INV-2026-000042",
                "Thank you · Danke · Merci",
                "Page 1 of 1",
            ),
        ),
        (
            DocumentLocale.DE,
            (
                "RECHNUNG",
                "USt-IdNr. DE136695976",
                "Deutschland",
                "Polen",
                "RECHNUNG AN",
                "USt-IdNr. PL5260250995",
                "Rechnungsdatum 01.02.2026",
                "Fällig am 03.03.2026",
                "Leistungszeitraum 01.01.2026 – 31.01.2026",
                "Code Produkt Leistung Menge Einzelpreis Betrag (EUR)",
                "Monatsgebühr je SIM",
                "62 SIM-Tage / 31 Tage",
                "10 6,175 12,35",
                "Nettobetrag 123,46 €",
                "USt. 19 % 23,46 €",
                "Gesamtbetrag 146,92 €",
                "Bitte überweisen Sie 146,92 € bis zum 03.03.2026.",
                "Zahlbar innerhalb von 30 Tagen ab Rechnungsdatum.",
                "Verwendungszweck INV-2026-000042",
                "Seite 1 von 1",
            ),
        ),
        (
            DocumentLocale.FR,
            (
                "FACTURE",
                "N° TVA DE136695976",
                "Allemagne",
                "Pologne",
                "FACTURÉ À",
                "Date de facture 1 févr. 2026",
                "Date d'échéance 3 mars 2026",
                "Forfait mensuel par SIM",
                "62 jours-SIM / 31 jours",
                "10 6,175 12,35",
                "Total HT 123,46 €",
                "TVA 19 % 23,46 €",
                "Total TTC 146,92 €",
                "Merci de régler 146,92 € avant le 3 mars 2026.",
                "Payable sous 30 jours à compter de la date de facture.",
                "Référence INV-2026-000042",
                "Page 1 sur 1",
            ),
        ),
    ],
    ids=["en", "de", "fr"],
)
def test_labels_dates_and_numbers_follow_the_customers_locale(make_document, locale, expected):
    text = text_of(render_pdf(legal_document(make_document, locale)))

    missing = [line for line in expected if line not in text]
    assert not missing, text


def test_thousands_are_grouped_as_the_locale_groups_them(make_document):
    doc = make_document(line_count=30, locale=DocumentLocale.DE)

    assert doc.net_total == Decimal("5740.50")
    assert "Nettobetrag 5.740,50 €" in text_of(render_pdf(doc))
    assert "Total HT 5 740,50 €" in text_of(render_pdf(doc.model_copy(update={"customer": _in(doc, "fr")})))


def _in(doc, locale: str):
    return doc.customer.model_copy(update={"locale": DocumentLocale(locale)})


@pytest.mark.parametrize("locale", list(DocumentLocale))
def test_reverse_charge_is_stated_in_the_customers_language_with_both_vat_ids(make_document, locale):
    doc = legal_document(make_document, locale, vat_rate=Decimal(0))
    customer = doc.customer.model_copy(update={"tax_treatment": TaxTreatment.REVERSE_CHARGE})
    doc = doc.model_copy(
        update={
            "customer": customer,
            "tax_category": TaxCategory.REVERSE_CHARGE,
            "tax_wording": REVERSE_CHARGE_WORDING[locale.value],
        }
    )

    text = text_of(render_pdf(doc))

    assert REVERSE_CHARGE_WORDING[locale.value] in text
    assert "DE136695976" in text
    assert "PL5260250995" in text


def test_an_exemption_states_its_reason(make_document):
    doc = make_document(vat_rate=Decimal(0), locale=DocumentLocale.DE)
    doc = doc.model_copy(update={"tax_category": TaxCategory.EXEMPT, "tax_wording": "Steuerfrei nach § 4 Nr. 11b UStG"})

    assert "Steuerbefreit: Steuerfrei nach § 4 Nr. 11b UStG" in text_of(render_pdf(doc))


def test_without_issuer_details_or_bank_account_the_pdf_shows_the_account_name_and_the_terms(make_document):
    text = text_of(render_pdf(make_document()))

    assert text.startswith("Nordlicht IoT GmbH INVOICE")
    assert "VAT ID" not in text
    assert "IBAN" not in text
    assert "Payable within 30 days of the issue date." in text


def test_the_samples_are_one_page_each():
    for locale in DocumentLocale:
        assert len(PdfReader(io.BytesIO(render_pdf(sample_document(locale)))).pages) == 1


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [("EUR", "1234.50", "1.234,50 €"), ("JPY", "1235", "1.235 ¥"), ("BHD", "5740.425", "5.740,425 BHD")],
)
def test_amounts_keep_exactly_the_iso_4217_minor_digits(currency, amount, expected):
    assert LocaleFormats(DocumentLocale.DE, currency).money(Decimal(amount)).replace("\xa0", " ") == expected


def test_a_price_keeps_its_further_digits_and_a_quantity_is_not_rounded():
    formats = LocaleFormats(DocumentLocale.EN, "EUR")

    assert (
        formats.price(Decimal("0.004")),
        formats.price(Decimal("9.9")),
        formats.quantity(Decimal("1843.512345")),
    ) == (
        "0.004",
        "9.90",
        "1,843.512345",
    )
    assert formats.date(date(2026, 11, 5)) == "5 Nov 2026"


def test_babel_is_loaded_by_the_pdf_renderer_only():
    code = (
        "import sys, reseller_billing.rendering.artifacts, reseller_billing.rendering.e_invoice, "
        "reseller_billing.logic.invoices, reseller_billing.logic.customers, reseller_billing.logic.accounts; "
        "assert 'babel' not in sys.modules, 'babel imported'; "
        "import reseller_billing.rendering.pdf; assert 'babel' in sys.modules"
    )

    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "AWS_REGION": "eu-west-1", "TABLE_NAME": "reseller-billing"}
