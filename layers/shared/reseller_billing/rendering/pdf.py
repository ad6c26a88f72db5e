"""The invoice PDF, laid out with fpdf2 from the canonical invoice document, in the customer's locale.

With fpdf_fonts.py, the only modules that import fpdf2; this one uses its public API only (pages, cells,
text, lines), and fpdf_fonts.py holds what reaches into its internals. Text is set in the bundled DejaVu
Sans (fonts/, with its LICENSE) so any name in Latin, Greek or Cyrillic script renders.

Labels come from rendering/labels.py; dates, amounts, prices, quantities, percentages and country names
are formatted by Babel (CLDR) for the customer's `locale`. Babel is imported here and nowhere an API
handler reaches: its import and locale data are paid by the invoice worker only.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Literal

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_percent
from fpdf import FPDF
from fpdf.util import Padding
from stdnum import iban

from reseller_billing.billing.model import LineKind
from reseller_billing.models.customers import DocumentLocale
from reseller_billing.models.invoice_document import DocumentLine, InvoiceAddress, InvoiceDocument, TaxCategory
from reseller_billing.money import minor_units
from reseller_billing.rendering.fpdf_fonts import BUNDLED_FAMILY, BundledFontOutputProducer, add_bundled_fonts
from reseller_billing.rendering.labels import Label, charge_in_words, label, payment_terms_text

FontChoice = Literal["bundled", "core"]

# The CLDR locale each document locale is formatted with: British English for "en" (day month year, as
# a European reseller's customers read dates), German and French as spoken in Germany and France.
BABEL_LOCALES = {DocumentLocale.EN: "en_GB", DocumentLocale.DE: "de_DE", DocumentLocale.FR: "fr_FR"}

_MARGIN = 18.0
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_RULE = (173, 181, 189)
_HEADING_FILL = (233, 236, 239)
_STRIPE_FILL = (248, 249, 250)
# Code, product, charge, quantity, unit price, amount: fractions of the text width, and whether flush right.
_COLUMN_WIDTHS = (22, 36, 46, 20, 23, 27)
_COLUMN_RIGHT = (False, False, False, True, True, True)
_TABLE_FONT_SIZE = 8.5
_TABLE_LINE_HEIGHT = 5.0
_CELL_PADDING_Y = 1.2
_CELL_PADDING_X = 1.5
_CELL_PADDING = Padding(top=0, right=_CELL_PADDING_X, bottom=0, left=_CELL_PADDING_X)  # for splitting a cell


@dataclass(frozen=True, slots=True)
class CreditedInvoiceRef:
    """What a credit note's PDF says about the invoice it credits, and why."""

    invoice_number: str
    issue_date: date
    reason: str


def render_pdf(doc: InvoiceDocument, font: FontChoice = "bundled", credits: CreditedInvoiceRef | None = None) -> bytes:
    """The invoice as A4 PDF bytes in the customer's locale; equal documents give equal bytes. With
    `credits`, `doc` is a credit note (its number, date, credited lines and totals): titled so, referencing
    the invoice it credits and the reason instead of payment terms.

    `font="core"` sets the same page in the PDF core font Helvetica, which embeds nothing but draws only
    Windows-1252 text: it exists to measure what the bundled font costs.
    """
    pdf = _InvoicePdf(doc, font, credits)
    pdf.draw()
    if font == "core":
        return bytes(pdf.output())
    return bytes(pdf.output(output_producer_class=BundledFontOutputProducer))


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class _TableRow:
    """A laid-out row of the lines table: its font style, each cell's lines with their widths, its height."""

    style: str
    cells: tuple[tuple[tuple[str, float], ...], ...]
    height: float


class LocaleFormats:
    """Dates, amounts, prices, quantities, percentages and country names for one locale and currency.

    Amounts keep exactly the currency's ISO 4217 minor digits (CLDR's own currency digits differ for some
    currencies, and an amount is never rounded for display); prices keep any further digits they have.
    """

    def __init__(self, locale: DocumentLocale, currency: str) -> None:
        self.locale = _babel_locale(locale)
        self.currency = currency
        self.digits = minor_units(currency)

    def date(self, day: date) -> str:
        return format_date(day, "medium", locale=self.locale)

    def money(self, amount: Decimal) -> str:
        """An amount with its currency, as the locale writes it: "€1,234.50", "1.234,50 €"."""
        pattern = _with_fraction(self.locale.currency_formats["standard"], self.digits, self.digits)
        return str(pattern.apply(amount, self.locale, currency=self.currency, currency_digits=False))

    def amount(self, amount: Decimal) -> str:
        """An amount without its currency: "1,234.50", "1.234,50"."""
        return self._decimal(amount, self.digits, self.digits)

    def price(self, price: Decimal) -> str:
        """A unit price: at least the currency's minor digits, and any further digits it has ("0,004")."""
        return self._decimal(price, self.digits, max(self.digits, _decimals(price)))

    def quantity(self, quantity: Decimal) -> str:
        return self._decimal(quantity, 0, _decimals(quantity))

    def percent(self, rate: Decimal) -> str:
        return format_percent(rate / 100, locale=self.locale, decimal_quantization=False)

    def country(self, code: str) -> str:
        return str(self.locale.territories.get(code, code))

    def _decimal(self, value: Decimal, least: int, most: int) -> str:
        return str(_with_fraction(self.locale.decimal_formats[None], least, most).apply(value, self.locale))


@cache
def _babel_locale(locale: DocumentLocale) -> Locale:
    return Locale.parse(BABEL_LOCALES[locale])


def _with_fraction(pattern: NumberPattern, least: int, most: int) -> NumberPattern:
    # The locale's pattern (symbol place, grouping, separators) with the fraction digits this value needs.
    fitted = copy.copy(pattern)
    fitted.frac_prec = (least, most)
    return fitted


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class _InvoicePdf(FPDF):
    def __init__(self, doc: InvoiceDocument, font: FontChoice, credits: CreditedInvoiceRef | None = None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.credits = credits
        self.kind = Label.INVOICE if credits is None else Label.CREDIT_NOTE
        self.locale = doc.customer.locale
        self.formats = LocaleFormats(self.locale, doc.currency)
        if font == "core":
            self.family = "helvetica"
            self.core_fonts_encoding = "windows-1252"  # has the en dash and the euro sign
        else:
            self.family = BUNDLED_FAMILY
            add_bundled_fonts(self)
        self.set_title(f"{self._label(self.kind)} {self._number()}")
        self.set_author(_issuer_name(doc))
        self.set_creation_date(datetime.combine(doc.issue_date, time(0), tzinfo=UTC))
        self.set_lang(self.locale.value)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_text_color(*_INK)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self._column_width = tuple(self.epw * share / sum(_COLUMN_WIDTHS) for share in _COLUMN_WIDTHS)
        self._column_x = tuple(self.l_margin + sum(self._column_width[:n]) for n in range(len(_COLUMN_WIDTHS)))
        # The table's text is all in one size: widths by font style and text, lines by style, column and text.
        self._text_widths: dict[tuple[str, str], float] = {}
        self._cell_lines_cache: dict[tuple[str, int, str], tuple[tuple[str, float], ...]] = {}

    def _label(self, key: Label, **values: object) -> str:
        return label(self.locale, key, **values)

    def _number(self) -> str:
        return self.doc.invoice_number or self._label(Label.PREVIEW)

    def footer(self) -> None:
        """Every page: who issued which invoice, and the page count."""
        self.set_y(-15)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*_MUTED)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        # Left-aligned: fpdf2 reserves the width of "000" for the page count, which right-aligned would show.
        self.cell(self.epw * 0.3, 6, self._label(Label.PAGE_OF, page=self.page_no(), pages="{nb}"), align="L")
        issued_by = f"{_issuer_name(self.doc)} · {self._label(self.kind)} {self._number()}"
        self.cell(self.epw * 0.7, 6, issued_by, align="R")
        self.set_text_color(*_INK)

    def draw(self) -> None:
        """Lay out the whole invoice."""
        self.add_page()
        self._draw_letterhead()
        self._draw_parties()
        self._draw_lines()
        self._draw_totals()
        self._draw_payment()
        self._draw_invoice_footer()

    def _draw_letterhead(self) -> None:
        """The issuer with what art. 226 asks of it (legal name, address, VAT id), and the title."""
        issuer = self.doc.issuer
        top = self.get_y()
        width = self.epw * 0.6
        self.set_font(self.family, "B", 15)
        self.multi_cell(width, 7, _issuer_name(self.doc), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 8.5)
        self.set_text_color(*_MUTED)
        details = [*self._address_lines(issuer.address)] if issuer.address else []
        if issuer.vat_id:
            details.append(f"{self._label(Label.VAT_ID)} {issuer.vat_id}")
        if issuer.registration_number:
            details.append(f"{self._label(Label.REGISTRATION)} {issuer.registration_number}")
        if issuer.email:
            details.append(issuer.email)
        for line in details:
            self.multi_cell(width, 4.2, line, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*_INK)
        issuer_bottom = self.get_y()
        self.set_y(top)
        self.set_font(self.family, "B", 20)
        title = self._label(self.kind if self.doc.invoice_number else Label.INVOICE_PREVIEW)
        self.cell(0, 8, title.upper(), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(self.get_y(), issuer_bottom, top + 16) + 2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def _address_lines(self, address: InvoiceAddress) -> list[str]:
        lines = [
            address.line1,
            address.line2,
            f"{address.postal_code} {address.city}",
            self.formats.country(address.country),
        ]
        return [line for line in lines if line]

    def _draw_parties(self) -> None:
        doc, customer, formats = self.doc, self.doc.customer, self.formats
        top = self.get_y() + 7
        left_width = self.epw * 0.44

        self.set_xy(self.l_margin, top)
        self._small_caps(self._label(Label.BILL_TO), left_width)
        self.set_font(self.family, "B", 10.5)
        self.multi_cell(left_width, 5.2, customer.name, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 9.5)
        for line in self._address_lines(customer.address):
            self.multi_cell(left_width, 4.8, line, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        about = [f"{self._label(Label.CUSTOMER_NUMBER)} {customer.customer_number}", customer.email]
        if customer.vat_id:
            about.append(f"{self._label(Label.VAT_ID)} {customer.vat_id}")
        for line in about:
            self.multi_cell(left_width, 4.8, line, new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()

        if self.credits is None:
            document_rows = (
                _Row(self._label(Label.INVOICE_NUMBER), self._number()),
                _Row(self._label(Label.ISSUE_DATE), formats.date(doc.issue_date)),
                _Row(self._label(Label.DUE_DATE), formats.date(doc.due_date)),
            )
        else:
            credited = f"{self.credits.invoice_number} ({formats.date(self.credits.issue_date)})"
            document_rows = (
                _Row(self._label(Label.CREDIT_NOTE_NUMBER), self._number()),
                _Row(self._label(Label.ISSUE_DATE), formats.date(doc.issue_date)),
                _Row(self._label(Label.CREDITED_INVOICE), credited),
            )
        facts = (
            *document_rows,
            _Row(self._label(Label.BILLING_DATE), formats.date(doc.billing_date)),
            _Row(
                self._label(Label.BILLING_PERIOD),
                f"{formats.date(doc.cycle_start)} – {formats.date(doc.cycle_end)}",
            ),
            _Row(self._label(Label.CURRENCY), doc.currency),
        )
        right_x = self.l_margin + self.epw * 0.46
        right_width = self.w - self.r_margin - right_x
        # The labels' column as wide as its longest label in this locale, the values flush right after it.
        self.set_font(self.family, "", 9)
        label_width = max(self.get_string_width(fact.label) for fact in facts) + 3
        self.set_xy(right_x, top)
        for fact in facts:
            self.set_x(right_x)
            self.set_font(self.family, "", 9)
            self.set_text_color(*_MUTED)
            self.cell(label_width, 5.6, fact.label, align="L")
            self.set_font(self.family, "B", 9.5)
            self.set_text_color(*_INK)
            self.cell(right_width - label_width, 5.6, fact.value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_bottom, self.get_y()) + 9)

    def _small_caps(self, text: str, width: float) -> None:
        self.set_font(self.family, "", 8)
        self.set_text_color(*_MUTED)
        self.cell(width, 5, text.upper(), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*_INK)

    def _line_cells(self, line: DocumentLine) -> tuple[str, ...]:
        charge = charge_in_words(line.kind, self.locale)
        if line.kind is LineKind.MRC and line.sim_days is not None and line.cycle_days is not None:
            # The proration the amount follows: unit price × sim_days / cycle_days.
            days = self._label(
                Label.SIM_DAYS,
                sim_days=self.formats.quantity(Decimal(line.sim_days)),
                cycle_days=self.formats.quantity(Decimal(line.cycle_days)),
            )
            charge = f"{charge}\n{days}"
        return (
            line.product_code,
            line.product_name,
            charge,
            self.formats.quantity(line.quantity),
            self.formats.price(line.unit_price),
            self.formats.amount(line.amount),
        )

    def _draw_lines(self) -> None:
        """The lines table: a filled header row, repeated atop every page the table flows onto, then zebra
        striped rows, each kept whole on one page and as tall as its most wrapped cell.

        Drawn with `text()` and `rect()`: fpdf2's `table()` lays out every cell twice through `multi_cell()`,
        ~3 ms a row. Only a cell too wide for its column goes through `multi_cell()`, to be split as
        `table()` would have split it.
        """
        headings = (
            self._label(Label.CODE),
            self._label(Label.PRODUCT),
            self._label(Label.CHARGE),
            self._label(Label.QUANTITY),
            self._label(Label.UNIT_PRICE),
            self._label(Label.AMOUNT, currency=self.doc.currency),
        )
        self.set_font(self.family, "B", _TABLE_FONT_SIZE)
        header = self._table_row(headings)
        self.set_font(self.family, "", _TABLE_FONT_SIZE)
        rows = [self._table_row(self._line_cells(line)) for line in self.doc.lines]

        # The header never stands alone at the foot of a page.
        if self.will_page_break(header.height + (rows[0].height if rows else 0)):
            self.add_page()
        self._draw_header(header)
        for index, row in enumerate(rows, start=1):
            if self.will_page_break(row.height):
                self.add_page()
                if self.will_page_break(header.height + row.height):
                    raise ValueError(f"line {index} is too tall for a page")
                self._draw_header(header)
            if index % 2 == 0:
                self.set_fill_color(*_STRIPE_FILL)
                self.rect(self.l_margin, self.y, self.epw, row.height, style="F")
            self._draw_row_text(row)
        self.set_xy(self.l_margin, self.y)

    def _table_row(self, texts: tuple[str, ...]) -> _TableRow:
        """Lays out one row in the current font: each cell's lines with their widths."""
        style = self.font_style
        cells = tuple(self._cell_lines(style, column, text) for column, text in enumerate(texts))
        line_count = max(1, *(len(cell) for cell in cells))
        return _TableRow(style, cells, line_count * _TABLE_LINE_HEIGHT + 2 * _CELL_PADDING_Y)

    def _cell_lines(self, style: str, column: int, text: str) -> tuple[tuple[str, float], ...]:
        """A cell's lines: its own line breaks kept, each line split further only if too wide."""
        key = (style, column, text)
        lines = self._cell_lines_cache.get(key)
        if lines is None:
            lines = tuple(
                part for paragraph in text.split("\n") for part in self._paragraph_lines(style, column, paragraph)
            )
            self._cell_lines_cache[key] = lines
        return lines

    def _paragraph_lines(self, style: str, column: int, text: str) -> tuple[tuple[str, float], ...]:
        width = self._column_width[column]
        text_width = self._text_width(style, text)
        if text_width <= width - 2 * _CELL_PADDING_X and "\f" not in text:
            return ((text, text_width),) if text else ()
        split = self.multi_cell(width, _TABLE_LINE_HEIGHT, text, padding=_CELL_PADDING, dry_run=True, output="LINES")
        assert isinstance(split, list)  # what output="LINES" returns
        if not self.is_ttf_font and self.core_fonts_encoding:  # the lines come encoded for the core font
            split = [line.encode("latin-1").decode(self.core_fonts_encoding) for line in split]
        return tuple((line, self._text_width(style, line)) for line in split)

    def _text_width(self, style: str, text: str) -> float:
        key = (style, text)
        width = self._text_widths.get(key)
        if width is None:
            width = self._text_widths[key] = self.get_string_width(text)
        return width

    def _draw_header(self, header: _TableRow) -> None:
        top = self.y
        self.set_fill_color(*_HEADING_FILL)
        self.rect(self.l_margin, top, self.epw, header.height, style="F")
        self.line(self.l_margin, top + header.height, self.l_margin + self.epw, top + header.height)
        self.set_font(self.family, header.style, _TABLE_FONT_SIZE)
        self._draw_row_text(header)
        self.set_font(self.family, "", _TABLE_FONT_SIZE)

    def _draw_row_text(self, row: _TableRow) -> None:
        """Sets each cell's lines from the top of the cell, as `multi_cell()` would; moves below the row."""
        top = self.y
        # `multi_cell()` puts a baseline 0.3 font sizes below the middle of its line.
        first_baseline = top + _CELL_PADDING_Y + 0.5 * _TABLE_LINE_HEIGHT + 0.3 * self.font_size
        for x, width, right, lines in zip(self._column_x, self._column_width, _COLUMN_RIGHT, row.cells, strict=True):
            baseline = first_baseline
            for text, text_width in lines:
                if text:
                    left = x + width - _CELL_PADDING_X - text_width if right else x + _CELL_PADDING_X
                    self.text(left, baseline, text)
                baseline += _TABLE_LINE_HEIGHT
        self.y = top + row.height

    def _draw_totals(self) -> None:
        doc, formats = self.doc, self.formats
        rows = (
            _Row(self._label(Label.NET_TOTAL), formats.money(doc.net_total)),
            _Row(self._label(Label.VAT, rate=formats.percent(doc.vat_rate)), formats.money(doc.vat_amount)),
        )
        height = 6.0 * (len(rows) + 1) + 8
        if self.will_page_break(height):
            self.add_page()
        self.ln(5)
        width = self.epw * 0.45
        x = self.w - self.r_margin - width
        self.set_font(self.family, "", 9.5)
        for row in rows:
            self.set_x(x)
            self.cell(width * 0.5, 6, row.label, align="L")
            self.cell(width * 0.5, 6, row.value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*_INK)
        self.line(x, self.get_y() + 0.8, x + width, self.get_y() + 0.8)
        self.set_draw_color(*_RULE)
        self.ln(2)
        self.set_x(x)
        self.set_font(self.family, "B", 11)
        self.cell(width * 0.5, 7, self._label(Label.GROSS_TOTAL), align="L")
        self.cell(width * 0.5, 7, formats.money(doc.gross_total), align="R", new_x="LMARGIN", new_y="NEXT")
        wording = self._tax_statement()
        if wording:
            self.ln(3)
            self.set_font(self.family, "B", 9.5)
            self.multi_cell(0, 5, wording, align="L", new_x="LMARGIN", new_y="NEXT")

    def _tax_statement(self) -> str | None:
        """Why no VAT is charged: the reverse-charge mention, or the exemption and its reason (art. 226)."""
        wording = self.doc.tax_wording
        if wording and self.doc.tax_category is TaxCategory.EXEMPT:
            return self._label(Label.TAX_EXEMPT, reason=wording)
        return wording

    def _draw_payment(self) -> None:
        """Payment terms, the due date and where to pay: what a customer needs to pay this invoice. A
        credit note says why it was issued instead."""
        doc, payment, formats = self.doc, self.doc.payment, self.formats
        if self.credits is not None:
            self.ln(6)
            self._small_caps(self._label(Label.REASON), self.epw)
            self.set_font(self.family, "", 9)
            self.multi_cell(0, 4.8, self.credits.reason, align="L", new_x="LMARGIN", new_y="NEXT")
            return
        lines = [
            self._label(Label.PAY_BY, amount=formats.money(doc.gross_total), date=formats.date(doc.due_date)),
            payment_terms_text(payment.terms_days, self.locale),
        ]
        bank = []
        if payment.iban:
            bank.append(f"{self._label(Label.IBAN)} {iban.format(payment.iban)}")
        if payment.bic:
            bank.append(f"{self._label(Label.BIC)} {payment.bic}")
        bank.append(f"{self._label(Label.REFERENCE)} {payment.reference or self._number()}")
        lines.append("   ".join(bank))
        if self.will_page_break(5 + 4.8 * (len(lines) + 1) + 6):
            self.add_page()
        self.ln(6)
        self._small_caps(self._label(Label.PAYMENT), self.epw)
        self.set_font(self.family, "", 9)
        for line in lines:
            self.multi_cell(0, 4.8, line, align="L", new_x="LMARGIN", new_y="NEXT")

    def _draw_invoice_footer(self) -> None:
        if not self.doc.footer:
            return
        self.ln(5)
        self.set_font(self.family, "", 8)
        self.set_text_color(*_MUTED)
        self.multi_cell(0, 4, self.doc.footer, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*_INK)


def _issuer_name(doc: InvoiceDocument) -> str:
    return doc.issuer.legal_name or doc.issuer.name
