"""What the customer's documents say, in its locale (en, de, fr): the PDF's labels, the charges in words,
the payment terms. Formatting of dates and numbers is Babel's (rendering/pdf.py); this table has no
dependency, so the e-invoice mapping can use it without loading Babel.
"""

from __future__ import annotations

from enum import StrEnum

from reseller_billing.billing.model import LineKind
from reseller_billing.models.customers import DocumentLocale


class Label(StrEnum):
    INVOICE = "invoice"
    INVOICE_PREVIEW = "invoice_preview"
    PREVIEW = "preview"
    BILL_TO = "bill_to"
    FROM = "from"
    CUSTOMER_NUMBER = "customer_number"
    VAT_ID = "vat_id"
    REGISTRATION = "registration"
    INVOICE_NUMBER = "invoice_number"
    ISSUE_DATE = "issue_date"
    DUE_DATE = "due_date"
    BILLING_DATE = "billing_date"
    BILLING_PERIOD = "billing_period"
    CURRENCY = "currency"
    CODE = "code"
    PRODUCT = "product"
    CHARGE = "charge"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    AMOUNT = "amount"
    NET_TOTAL = "net_total"
    VAT = "vat"
    GROSS_TOTAL = "gross_total"
    PAYMENT = "payment"
    PAY_BY = "pay_by"
    IBAN = "iban"
    BIC = "bic"
    REFERENCE = "reference"
    PAGE_OF = "page_of"
    SIM_DAYS = "sim_days"
    TAX_EXEMPT = "tax_exempt"
    CREDIT_NOTE = "credit_note"
    CREDIT_NOTE_NUMBER = "credit_note_number"
    CREDITED_INVOICE = "credited_invoice"
    REASON = "reason"


_EN = {
    Label.INVOICE: "Invoice",
    Label.INVOICE_PREVIEW: "Invoice preview",
    Label.PREVIEW: "PREVIEW",
    Label.BILL_TO: "Bill to",
    Label.FROM: "From",
    Label.CUSTOMER_NUMBER: "Customer no.",
    Label.VAT_ID: "VAT ID",
    Label.REGISTRATION: "Reg. no.",
    Label.INVOICE_NUMBER: "Invoice number",
    Label.ISSUE_DATE: "Issue date",
    Label.DUE_DATE: "Due date",
    Label.BILLING_DATE: "Billing date",
    Label.BILLING_PERIOD: "Billing period",
    Label.CURRENCY: "Currency",
    Label.CODE: "Code",
    Label.PRODUCT: "Product",
    Label.CHARGE: "Charge",
    Label.QUANTITY: "Quantity",
    Label.UNIT_PRICE: "Unit price",
    Label.AMOUNT: "Amount ({currency})",
    Label.NET_TOTAL: "Net total",
    Label.VAT: "VAT {rate}",
    Label.GROSS_TOTAL: "Gross total",
    Label.PAYMENT: "Payment",
    Label.PAY_BY: "Please pay {amount} by {date}.",
    Label.IBAN: "IBAN",
    Label.BIC: "BIC",
    Label.REFERENCE: "Reference",
    Label.PAGE_OF: "Page {page} of {pages}",
    Label.SIM_DAYS: "{sim_days} SIM-days / {cycle_days} days",
    Label.TAX_EXEMPT: "VAT exempt: {reason}",
    Label.CREDIT_NOTE: "Credit note",
    Label.CREDIT_NOTE_NUMBER: "Credit note number",
    Label.CREDITED_INVOICE: "Credits invoice",
    Label.REASON: "Reason",
}
_DE = {
    Label.INVOICE: "Rechnung",
    Label.INVOICE_PREVIEW: "Rechnungsvorschau",
    Label.PREVIEW: "VORSCHAU",
    Label.BILL_TO: "Rechnung an",
    Label.FROM: "Von",
    Label.CUSTOMER_NUMBER: "Kundennr.",
    Label.VAT_ID: "USt-IdNr.",
    Label.REGISTRATION: "Registernr.",
    Label.INVOICE_NUMBER: "Rechnungsnummer",
    Label.ISSUE_DATE: "Rechnungsdatum",
    Label.DUE_DATE: "Fällig am",
    Label.BILLING_DATE: "Abrechnungsdatum",
    Label.BILLING_PERIOD: "Leistungszeitraum",
    Label.CURRENCY: "Währung",
    Label.CODE: "Code",
    Label.PRODUCT: "Produkt",
    Label.CHARGE: "Leistung",
    Label.QUANTITY: "Menge",
    Label.UNIT_PRICE: "Einzelpreis",
    Label.AMOUNT: "Betrag ({currency})",
    Label.NET_TOTAL: "Nettobetrag",
    Label.VAT: "USt. {rate}",
    Label.GROSS_TOTAL: "Gesamtbetrag",
    Label.PAYMENT: "Zahlung",
    Label.PAY_BY: "Bitte überweisen Sie {amount} bis zum {date}.",
    Label.IBAN: "IBAN",
    Label.BIC: "BIC",
    Label.REFERENCE: "Verwendungszweck",
    Label.PAGE_OF: "Seite {page} von {pages}",
    Label.SIM_DAYS: "{sim_days} SIM-Tage / {cycle_days} Tage",
    Label.TAX_EXEMPT: "Steuerbefreit: {reason}",
    Label.CREDIT_NOTE: "Gutschrift",
    Label.CREDIT_NOTE_NUMBER: "Gutschriftsnummer",
    Label.CREDITED_INVOICE: "Zu Rechnung",
    Label.REASON: "Grund",
}
_FR = {
    Label.INVOICE: "Facture",
    Label.INVOICE_PREVIEW: "Aperçu de facture",
    Label.PREVIEW: "APERÇU",
    Label.BILL_TO: "Facturé à",
    Label.FROM: "De",
    Label.CUSTOMER_NUMBER: "N° client",
    Label.VAT_ID: "N° TVA",
    Label.REGISTRATION: "N° d'immatriculation",
    Label.INVOICE_NUMBER: "N° de facture",
    Label.ISSUE_DATE: "Date de facture",
    Label.DUE_DATE: "Date d'échéance",
    Label.BILLING_DATE: "Date de facturation",
    Label.BILLING_PERIOD: "Période de facturation",
    Label.CURRENCY: "Devise",
    Label.CODE: "Code",
    Label.PRODUCT: "Produit",
    Label.CHARGE: "Prestation",
    Label.QUANTITY: "Quantité",
    Label.UNIT_PRICE: "Prix unitaire",
    Label.AMOUNT: "Montant ({currency})",
    Label.NET_TOTAL: "Total HT",
    Label.VAT: "TVA {rate}",
    Label.GROSS_TOTAL: "Total TTC",
    Label.PAYMENT: "Paiement",
    Label.PAY_BY: "Merci de régler {amount} avant le {date}.",
    Label.IBAN: "IBAN",
    Label.BIC: "BIC",
    Label.REFERENCE: "Référence",
    Label.PAGE_OF: "Page {page} sur {pages}",
    Label.SIM_DAYS: "{sim_days} jours-SIM / {cycle_days} jours",
    Label.TAX_EXEMPT: "Exonération de TVA : {reason}",
    Label.CREDIT_NOTE: "Avoir",
    Label.CREDIT_NOTE_NUMBER: "Numéro d'avoir",
    Label.CREDITED_INVOICE: "Avoir sur la facture",
    Label.REASON: "Motif",
}
LABELS: dict[DocumentLocale, dict[Label, str]] = {
    DocumentLocale.EN: _EN,
    DocumentLocale.DE: _DE,
    DocumentLocale.FR: _FR,
}

_CHARGES = {
    DocumentLocale.EN: {
        LineKind.MRC: "Monthly fee per SIM",
        LineKind.ACTIVATION: "Activation fee per SIM",
        LineKind.OVERAGE_DATA: "Data overage (MB)",
        LineKind.OVERAGE_SMS: "SMS overage",
    },
    DocumentLocale.DE: {
        LineKind.MRC: "Monatsgebühr je SIM",
        LineKind.ACTIVATION: "Aktivierungsgebühr je SIM",
        LineKind.OVERAGE_DATA: "Datenmehrverbrauch (MB)",
        LineKind.OVERAGE_SMS: "SMS-Mehrverbrauch",
    },
    DocumentLocale.FR: {
        LineKind.MRC: "Forfait mensuel par SIM",
        LineKind.ACTIVATION: "Frais d'activation par SIM",
        LineKind.OVERAGE_DATA: "Données hors forfait (Mo)",
        LineKind.OVERAGE_SMS: "SMS hors forfait",
    },
}

_TERMS = {
    DocumentLocale.EN: ("Payable on receipt.", "Payable within {days} days of the issue date."),
    DocumentLocale.DE: ("Zahlbar sofort nach Erhalt.", "Zahlbar innerhalb von {days} Tagen ab Rechnungsdatum."),
    DocumentLocale.FR: ("Payable à réception.", "Payable sous {days} jours à compter de la date de facture."),
}


def label(locale: DocumentLocale, key: Label, **values: object) -> str:
    """The label in `locale`, with `values` filled in."""
    text = LABELS[locale][key]
    return text.format(**values) if values else text


def charge_in_words(kind: LineKind, locale: DocumentLocale) -> str:
    """What a line charges, in `locale`: "Monthly fee per SIM", "Monatsgebühr je SIM", ..."""
    return _CHARGES[locale][kind]


def payment_terms_text(days: int, locale: DocumentLocale) -> str:
    """The payment terms in `locale` (the e-invoice's BT-20 and the PDF): within `days` days, or on receipt."""
    on_receipt, within = _TERMS[locale]
    return on_receipt if days == 0 else within.format(days=days)
