"""The invoice PDF, laid out with fpdf2 from the canonical invoice document.

With fpdf_fonts.py, the only modules that import fpdf2; this one uses its public API only (pages, cells,
text, lines), and fpdf_fonts.py holds what reaches into its internals. Text is set in the bundled DejaVu
Sans (fonts/, with its LICENSE) so any name in Latin, Greek or Cyrillic script renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Literal

from fpdf import FPDF
from fpdf.util import Padding

from reseller_billing.billing.model import LineKind
from reseller_billing.models.invoice_document import DocumentLine, InvoiceDocument
from reseller_billing.rendering.fpdf_fonts import BUNDLED_FAMILY, BundledFontOutputProducer, add_bundled_fonts

FontChoice = Literal["bundled", "core"]

KIND_IN_WORDS = {
    LineKind.MRC: "Monthly fee per SIM",
    LineKind.ACTIVATION: "Activation fee per SIM",
    LineKind.OVERAGE_DATA: "Data overage (MB)",
    LineKind.OVERAGE_SMS: "SMS overage",
}

_MARGIN = 18.0
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_RULE = (173, 181, 189)
_HEADING_FILL = (233, 236, 239)
_STRIPE_FILL = (248, 249, 250)
# Code, product, charge, quantity, amount: fractions of the text width, and whether flush right.
_COLUMN_WIDTHS = (24, 50, 38, 28, 32)
_COLUMN_RIGHT = (False, False, False, True, True)
_TABLE_FONT_SIZE = 8.5
_TABLE_LINE_HEIGHT = 5.0
_CELL_PADDING_Y = 1.2
_CELL_PADDING_X = 1.5
_CELL_PADDING = Padding(top=0, right=_CELL_PADDING_X, bottom=0, left=_CELL_PADDING_X)  # for splitting a cell


def render_pdf(doc: InvoiceDocument, font: FontChoice = "bundled") -> bytes:
    """The invoice as A4 PDF bytes; equal documents give equal bytes.

    `font="core"` sets the same page in the PDF core font Helvetica, which embeds nothing but draws only
    Windows-1252 text: it exists to measure what the bundled font costs.
    """
    pdf = _InvoicePdf(doc, font)
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


class _InvoicePdf(FPDF):
    def __init__(self, doc: InvoiceDocument, font: FontChoice) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        if font == "core":
            self.family = "helvetica"
            self.core_fonts_encoding = "windows-1252"  # has the en dash and the euro sign
        else:
            self.family = BUNDLED_FAMILY
            add_bundled_fonts(self)
        self.set_title(f"Invoice {_number(doc)}")
        self.set_author(doc.issuer.name)
        self.set_creation_date(datetime.combine(doc.issue_date, time(0), tzinfo=UTC))
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

    def footer(self) -> None:
        """Every page: who issued which invoice, and the page count."""
        self.set_y(-15)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*_MUTED)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        # Left-aligned: fpdf2 reserves the width of "000" for the page count, which right-aligned would show.
        self.cell(self.epw * 0.3, 6, f"Page {self.page_no()} of {{nb}}", align="L")
        self.cell(self.epw * 0.7, 6, f"{self.doc.issuer.name} · Invoice {_number(self.doc)}", align="R")
        self.set_text_color(*_INK)

    def draw(self) -> None:
        """Lay out the whole invoice."""
        self.add_page()
        self._draw_letterhead()
        self._draw_parties()
        self._draw_lines()
        self._draw_totals()

    def _draw_letterhead(self) -> None:
        top = self.get_y()
        self.set_font(self.family, "B", 15)
        self.multi_cell(self.epw * 0.55, 7, self.doc.issuer.name, align="L", new_x="LMARGIN", new_y="NEXT")
        issuer_bottom = self.get_y()
        self.set_y(top)
        self.set_font(self.family, "B", 20)
        title = "INVOICE" if self.doc.invoice_number else "INVOICE PREVIEW"
        self.cell(0, 8, title, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(self.get_y(), issuer_bottom, top + 16))
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def _draw_parties(self) -> None:
        doc, customer, address = self.doc, self.doc.customer, self.doc.customer.address
        top = self.get_y() + 7
        left_width = self.epw * 0.52

        self.set_xy(self.l_margin, top)
        self._label("Bill to", left_width)
        self.set_font(self.family, "B", 10.5)
        self.multi_cell(left_width, 5.2, customer.name, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 9.5)
        address_lines = [address.line1, address.line2, f"{address.postal_code} {address.city}", address.country]
        for line in address_lines:
            if line:
                self.multi_cell(left_width, 4.8, line, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.multi_cell(left_width, 4.8, f"Customer no. {customer.customer_number}", new_x="LMARGIN", new_y="NEXT")
        self.multi_cell(left_width, 4.8, customer.email, new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()

        facts = (
            _Row("Invoice number", _number(doc)),
            _Row("Issue date", doc.issue_date.isoformat()),
            _Row("Due date", doc.due_date.isoformat()),
            _Row("Billing date", doc.billing_date.isoformat()),
            _Row("Billing cycle", f"{doc.cycle_start.isoformat()} – {doc.cycle_end.isoformat()}"),
            _Row("Currency", doc.currency),
        )
        right_x = self.l_margin + self.epw * 0.56
        right_width = self.w - self.r_margin - right_x
        self.set_xy(right_x, top)
        for fact in facts:
            self.set_x(right_x)
            self.set_font(self.family, "", 9)
            self.set_text_color(*_MUTED)
            self.cell(right_width * 0.42, 5.6, fact.label, align="L")
            self.set_font(self.family, "B", 9.5)
            self.set_text_color(*_INK)
            self.cell(right_width * 0.58, 5.6, fact.value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_bottom, self.get_y()) + 9)

    def _label(self, text: str, width: float) -> None:
        self.set_font(self.family, "", 8)
        self.set_text_color(*_MUTED)
        self.cell(width, 5, text.upper(), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*_INK)

    def _draw_lines(self) -> None:
        """The lines table: a filled header row, repeated atop every page the table flows onto, then zebra
        striped rows, each kept whole on one page and as tall as its most wrapped cell.

        Drawn with `text()` and `rect()`: fpdf2's `table()` lays out every cell twice through `multi_cell()`,
        ~3 ms a row. Only a cell too wide for its column goes through `multi_cell()`, to be split as
        `table()` would have split it.
        """
        headings = ("Code", "Product", "Charge", "Quantity", f"Amount ({self.doc.currency})")
        self.set_font(self.family, "B", _TABLE_FONT_SIZE)
        header = self._table_row(headings)
        self.set_font(self.family, "", _TABLE_FONT_SIZE)
        rows = [self._table_row(_line_cells(line)) for line in self.doc.lines]

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
        key = (style, column, text)
        lines = self._cell_lines_cache.get(key)
        if lines is None:
            width = self._column_width[column]
            text_width = self._text_width(style, text)
            if text_width <= width - 2 * _CELL_PADDING_X and "\n" not in text and "\f" not in text:
                lines = ((text, text_width),) if text else ()
            else:
                split = self.multi_cell(
                    width, _TABLE_LINE_HEIGHT, text, padding=_CELL_PADDING, dry_run=True, output="LINES"
                )
                assert isinstance(split, list)  # what output="LINES" returns
                if not self.is_ttf_font and self.core_fonts_encoding:  # the lines come encoded for the core font
                    split = [line.encode("latin-1").decode(self.core_fonts_encoding) for line in split]
                lines = tuple((line, self._text_width(style, line)) for line in split)
            self._cell_lines_cache[key] = lines
        return lines

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
        doc = self.doc
        rows = (
            _Row("Net total", _money(doc.net_total, doc.currency)),
            _Row(f"VAT {_percent(doc.vat_rate)}", _money(doc.vat_amount, doc.currency)),
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
        self.cell(width * 0.5, 7, "Gross total", align="L")
        self.cell(width * 0.5, 7, _money(doc.gross_total, doc.currency), align="R", new_x="LMARGIN", new_y="NEXT")


def _line_cells(line: DocumentLine) -> tuple[str, ...]:
    return (
        line.product_code,
        line.product_name,
        KIND_IN_WORDS[line.kind],
        f"{line.quantity:,f}",
        f"{line.amount:,f}",
    )


def _number(doc: InvoiceDocument) -> str:
    return doc.invoice_number or "PREVIEW"


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,f} {currency}"


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"
