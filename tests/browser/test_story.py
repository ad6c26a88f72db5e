"""The console's whole story in a real browser: the operator creates a reseller with its Reseller Profile
and its invoicing details (a refused IBAN shown at its field, nothing lost) and allocates SIMs from stock
(a list, one ICCID refused as already in stock, and a range allocated in the background); the reseller's
user signs in, builds its catalog, adds a customer with its VAT ID and SIMs (one, then a CSV file as a SIM
batch: an ICCID not in stock refused on its row), uploads a usage file and follows its ingestion to its
counts and rejections, previews the invoice, starts a billing run, watches it complete and opens the
invoice with its PDF in the page and every artefact, the UBL e-invoice included, downloadable. The
assertions are on what the page shows."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TABLET, Browsing
from tests.browser.console import LODZ, Console, Cycle, file
from tests.support.iccids import iccid
from tests.support.stack import RunningStack

pytestmark = pytest.mark.xdist_group("browser")

RESELLER = "Nordlicht IoT GmbH"
CUSTOMER = "Łódź Żółć Ñandú Ωmega Sp. z o.o."


def operator_creates_the_reseller(console: Console) -> str:
    console.sign_in_as_operator()
    account_id = console.create_reseller(RESELLER, bill_cycle_day=15, billing_cycle_day=1, prefix="NL-")
    page = console.page
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Customers")).to_be_visible()
    profile = page.get_by_role("group", name="Reseller Profile")
    expect(profile.get_by_label("Invoice number prefix")).to_have_value("NL-")
    expect(profile.get_by_label("Billing cycle (day of month)")).to_have_value("1")
    expect(profile.get_by_text("the account's bill cycle (day 15)")).to_be_visible()

    # The invoicing side of the profile: a wrong IBAN is refused at its field, nothing typed is lost.
    page.get_by_label("Payment terms (days)").fill("14")
    page.get_by_label("E-invoice").select_option("UBL")
    page.get_by_label("Legal name").fill(f"{RESELLER} (Hamburg)")
    page.get_by_label("Issuer street and number").fill("Speicherstadt 7")
    page.get_by_label("Issuer postal code").fill("20457")
    page.get_by_label("Issuer city").fill("Hamburg")
    page.get_by_label("Issuer country").fill("de")
    page.get_by_label("Issuer VAT ID").fill("DE136695976")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")
    page.get_by_role("button", name="Save changes").click()
    expect(console.field_error("IBAN")).to_contain_text("IBAN")
    expect(page.get_by_role("alert")).to_contain_text("Not saved.")
    expect(page.get_by_label("Legal name")).to_have_value(f"{RESELLER} (Hamburg)")
    expect(page.get_by_label("Issuer country")).to_have_value("DE")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Save changes").click()
    # A UBL e-invoice names the seller's electronic address: its e-mail, when it has no Peppol ID.
    expect(console.field_error("Issuer e-mail")).to_contain_text("Required with e_invoice_format UBL")
    expect(page.get_by_label("IBAN")).to_have_value("DE89 3704 0044 0532 0130 00")
    page.get_by_label("Issuer e-mail").fill("billing@nordlicht-iot.example")
    page.get_by_label("Credit note number prefix").fill("nl-cn-")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    expect(page.get_by_label("Credit note number prefix")).to_have_value("NL-CN-")
    expect(page.get_by_label("IBAN")).to_have_value("DE89370400440532013000")
    expect(page.get_by_label("E-invoice")).to_have_value("UBL")
    expect(page.get_by_label("Payment terms (days)")).to_have_value("14")

    # SIM stock: a list of ICCIDs, the same ICCID again refused, then a range in the background.
    console.add_to_stock(range(1, 4))
    page.get_by_role("textbox", name="ICCIDs", exact=True).fill(f"{iccid(1)}, {iccid(4)}")
    page.get_by_role("button", name="Add 2 ICCIDs").click()
    expect(page.get_by_text("1 ICCID added to the stock, 1 not added.")).to_be_visible()
    refused = page.get_by_role("region", name="ICCIDs not added")
    expect(refused.get_by_role("row", name=re.compile(iccid(1)))).to_contain_text("Already in an account's stock")
    console.allocate_range(10, 5)
    expect(page.get_by_text("ICCIDs handled: 5 of 5")).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Added to the stock5")
    expect(facts).to_contain_text("Not added0")
    page.get_by_role("link", name="Back to the stock").click()
    stock = page.get_by_role("region", name="SIM stock")
    expect(stock.get_by_role("row")).to_have_count(1 + 9)
    expect(stock.get_by_role("row", name=re.compile(iccid(14)))).to_contain_text("available")

    page.get_by_role("link", name="Accounts", exact=True).first.click()
    console.heading("Accounts")
    page.get_by_label("Type").select_option("RESELLER")
    row = page.get_by_role("row", name=re.compile(RESELLER))
    expect(row).to_contain_text("reseller")
    expect(row).to_contain_text("EUR")
    return account_id


def test_from_a_new_reseller_to_its_first_invoice(stack: RunningStack, browsing: Browsing):
    cycle = Cycle.last_ended()
    operator = Console(browsing.new_page(), stack.url)
    account_id = operator_creates_the_reseller(operator)

    reseller = Console(browsing.new_page(), stack.url)
    page = reseller.page
    reseller.sign_in_as_reseller(RESELLER)
    assert reseller.account_id() == account_id
    expect(page.get_by_text("No customers yet.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # no Accounts for a reseller

    reseller.create_price_plan(
        "IoT Europe 1 GB", monthly_fee="9.99", activation_fee="5", data_mb="1024", per_mb="0,004"
    )
    facts = page.locator(".facts")
    expect(facts).to_contain_text("€9.99")
    expect(facts).to_contain_text("€5.00")
    expect(facts).to_contain_text("Data 1,024 MB, then €0.004")
    reseller.create_product("IOT-EU-1GB", "IoT Europe 1 GB", plan="IoT Europe 1 GB")
    plans_over_time = page.get_by_role("region", name="Price plans over time")
    expect(plans_over_time.get_by_role("row", name=re.compile("the start"))).to_contain_text("IoT Europe 1 GB")

    # A customer: the API's refusal is shown next to the field it names, and nothing typed is lost.
    reseller.tab("Customers")
    page.get_by_role("link", name="New customer").click()
    reseller.fill_customer("C-1001", CUSTOMER, LODZ, email="billing@omega.example", vat_rate="119")
    page.get_by_role("button", name="Create customer").click()
    expect(reseller.field_error("VAT rate (%)")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Not saved.")
    expect(page.get_by_label("Name")).to_have_value(CUSTOMER)
    expect(page.get_by_label("City")).to_have_value("Łódź")
    page.get_by_label("VAT rate (%)").fill("19")
    page.get_by_label("VAT ID").fill("pl5260250274")
    page.get_by_role("button", name="Create customer").click()
    reseller.heading(CUSTOMER)
    expect(page.get_by_text("No SIMs yet.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("VAT IDPL5260250274")

    # SIMs: one by hand, three from a CSV file as a SIM batch: the one not in the stock is refused.
    first = reseller.add_sim(1, "IOT-EU-1GB — IoT Europe 1 GB", cycle.start)
    # The ICCID field suggests what is still available in the stock.
    expect(page.locator(f'#available-iccids option[value="{iccid(2)}"]')).to_have_count(1)
    expect(page.locator(f'#available-iccids option[value="{iccid(1)}"]')).to_have_count(0)
    csv = "iccid,product_code,activation_date\n" + "".join(
        f"{iccid(serial)},IOT-EU-1GB,{cycle.start.isoformat()}\n" for serial in (2, 3, 500)
    )
    reseller.disclose("Add SIMs from a file")
    page.get_by_label("Add SIMs from a CSV file").set_input_files(file("sims.csv", "text/csv", csv))
    page.get_by_role("button", name="Add 3 SIMs").click()
    expect(page.get_by_text("SIMs sent: 3 of 3")).to_be_visible()
    expect(page.get_by_text("2 of 3 SIMs added from the file.")).to_be_visible()
    expect(page.locator(".bulk-summary")).to_have_text("2 added, 1 not added.")
    rows = page.get_by_role("region", name="SIMs from the file")
    expect(rows.get_by_role("row", name=re.compile(iccid(500)))).to_contain_text("iccid_not_in_stock")
    expect(rows.get_by_role("row", name=re.compile(iccid(500)))).to_contain_text("not added")
    expect(rows.get_by_role("row", name=re.compile(iccid(2)))).to_contain_text("added")
    sims = page.get_by_role("region", name="SIMs", exact=True)
    for serial in (1, 2, 3):
        expect(sims.get_by_role("row", name=re.compile(iccid(serial)))).to_contain_text("active")
    expect(sims.get_by_role("row", name=re.compile(iccid(500)))).to_have_count(0)
    assert first == iccid(1)

    # A SIM's suspension dated later is scheduled: the SIM stays active until then.
    sims.get_by_role("link", name=iccid(3)).click()
    reseller.heading(f"SIM {iccid(3)}")
    later = datetime.now(UTC).date() + timedelta(days=40)
    page.get_by_label("New status").select_option("SUSPENDED")
    page.get_by_label("Effective date").fill(later.isoformat())
    page.get_by_role("button", name="Change status").click()
    history = page.get_by_role("region", name="Status history")
    expect(history.get_by_role("row", name=re.compile("suspended"))).to_contain_text("scheduled")
    expect(page.locator(".facts")).to_contain_text("Statusactive")
    page.get_by_role("link", name="Back to the customer").click()
    reseller.heading(CUSTOMER)

    # Usage from an NDJSON file: one record twice, one for a SIM that is not the reseller's.
    records = [
        {
            "record_id": "u-1",
            "iccid": iccid(1),
            "service": "DATA",
            "quantity": "1500",
            "occurred_at": cycle.instant(10),
        },
        {"record_id": "u-2", "iccid": iccid(2), "service": "DATA", "quantity": 200, "occurred_at": cycle.instant(11)},
        {
            "record_id": "u-1",
            "iccid": iccid(1),
            "service": "DATA",
            "quantity": "1500",
            "occurred_at": cycle.instant(10),
        },
        {"record_id": "u-3", "iccid": iccid(999), "service": "DATA", "quantity": "1", "occurred_at": cycle.instant(12)},
    ]
    reseller.tab("Usage")
    reseller.heading("Usage")
    ndjson = "\n".join(json.dumps(record) for record in records)
    page.get_by_label("Usage file").set_input_files(file("usage.ndjson", "application/x-ndjson", ndjson))
    expect(page.get_by_label("Format")).to_have_value("ndjson")
    page.get_by_role("button", name=re.compile(r"^Upload usage\.ndjson")).click()
    reseller.heading("Usage file usage.ndjson")
    expect(page.locator(".run-status .badge")).to_have_text("completed", timeout=60_000)
    upload = page.locator(".facts")
    expect(upload).to_contain_text("Lines read4")
    expect(upload).to_contain_text("Accepted2")
    expect(upload).to_contain_text("Duplicates (sent before)1")
    expect(upload).to_contain_text("Rejected1")
    rejected = page.get_by_role("region", name="Rejected records")
    expect(rejected.get_by_role("row", name=re.compile("u-3"))).to_contain_text("unknown_iccid")
    rejections = page.get_by_role("link", name="Download the rejections (NDJSON, 1 record)")
    answer = page.request.get(rejections.get_attribute("href") or "")
    assert json.loads(answer.body())["record_id"] == "u-3"
    page.get_by_role("link", name="Upload another file").click()
    uploaded = page.get_by_role("region", name="Usage files uploaded")
    expect(uploaded.get_by_role("link", name="usage.ndjson")).to_be_visible()

    # The preview of the ended cycle, then the real run.
    reseller.tab("Customers")
    page.get_by_role("link", name="C-1001").click()
    reseller.heading(CUSTOMER)
    preview = page.locator(".preview")
    preview.get_by_label("Run date").fill(cycle.run_date.isoformat())
    preview.get_by_label("Run date").press("Enter")
    expect(preview).to_contain_text("Preview: numbered when issued")
    lines = preview.get_by_role("region", name="Invoice lines")
    expect(lines.get_by_role("row", name=re.compile("Monthly fee"))).to_contain_text("3")
    expect(lines.get_by_role("row", name=re.compile("Activation fee"))).to_contain_text("€15.00")
    expect(lines.get_by_role("row", name=re.compile(r"Data overage \(MB\)"))).to_contain_text("476")
    preview_total = preview.locator(".totals .gross dd").inner_text()

    reseller.tab("Billing runs")
    reseller.heading("Billing runs")
    expect(page.get_by_label("Run date")).to_have_value(cycle.run_date.isoformat())
    page.get_by_role("button", name="Start billing run").click()
    reseller.heading(re.compile("Billing run of"))
    status = page.locator(".run-status")
    expect(status.locator(".badge")).to_have_text("completed", timeout=90_000)
    expect(status).to_contain_text("Customers done: 1 of 1")
    expect(status.get_by_role("progressbar")).to_have_attribute("value", "1")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Issued1")
    expect(facts).to_contain_text("Failed0")

    page.get_by_role("link", name="See the invoices").click()
    number = f"NL-{cycle.run_date.year}-000001"
    with page.expect_response(lambda answer: "/invoice.pdf?" in answer.url) as pdf_download:
        page.get_by_role("link", name=number).click()
    reseller.heading(f"Invoice {number}")
    expect(page.locator(".totals .gross dd")).to_have_text(preview_total)
    expect(page.get_by_role("link", name=CUSTOMER)).to_be_visible()
    invoice_facts = page.locator(".invoice .facts")
    expect(invoice_facts).to_contain_text("(14 days)")
    expect(invoice_facts).to_contain_text("Customer VAT IDPL5260250274")
    expect(invoice_facts).to_contain_text("Pay toDE89 3704 0044 0532 0130 00")
    expect(invoice_facts).to_contain_text(f"Payment reference{number}")

    # The PDF in the page, and every artefact downloadable.
    assert pdf_download.value.status == 200
    assert pdf_download.value.headers["content-type"] == "application/pdf"
    pdf = page.locator("iframe.pdf")
    expect(pdf).to_have_attribute("title", f"Invoice {number} (PDF)")
    expect(pdf).to_have_attribute("src", re.compile("^blob:"))
    for label, start in (
        ("Download PDF", b"%PDF-"),
        ("Download RAW: invoice.json", b"{"),
        ("Download RAW: invoice.csv", b""),
        ("Download E-invoice (XML)", b"<?xml"),
    ):
        href = page.get_by_role("link", name=label).get_attribute("href")
        assert href
        answer = page.request.get(href)
        assert answer.status == 200, label
        assert answer.body().startswith(start)
    assert (
        json.loads(
            page.request.get(
                page.get_by_role("link", name="Download RAW: invoice.json").get_attribute("href") or ""
            ).body()
        )["invoice_number"]
        == number
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    invoice_url = page.url

    credit_in_full(reseller, number, preview_total)
    the_same_on_a_tablet_in_german(browsing, stack, invoice_url, number)


def credit_in_full(reseller: Console, number: str, invoice_total: str) -> None:
    """A full credit note from the invoice: the credit note with its PDF in the page, its files, and the
    invoice CREDITED with nothing left to credit."""
    page = reseller.page
    invoice_facts = page.locator(".invoice .facts")
    expect(invoice_facts).to_contain_text("Statusissued")
    expect(invoice_facts).to_contain_text("Credited€0.00")
    expect(page.get_by_text("No credit notes on this invoice.")).to_be_visible()
    reseller.disclose("Issue a credit note")
    expect(page.get_by_label("Everything left on the invoice")).to_be_checked()
    page.get_by_label("Reason").fill("Wrong price plan charged")
    note = f"NL-CN-{datetime.now(UTC).year}-000001"
    with (
        page.expect_request(lambda request: request.method == "POST" and "/credit-notes" in request.url) as sent,
        page.expect_response(lambda answer: "/credit-note.pdf?" in answer.url) as pdf,
    ):
        page.get_by_role("button", name="Issue the credit note").click()
        reseller.heading(f"Credit note {note}")
    assert json.loads(sent.value.post_data or "") == {"reason": "Wrong price plan charged"}
    assert sent.value.header_value("idempotency-key")
    assert pdf.value.status == 200
    facts = page.locator(".invoice .facts")
    expect(facts).to_contain_text(f"Credits invoice{number}")
    expect(facts).to_contain_text("ReasonWrong price plan charged")
    expect(facts).to_contain_text(f"Customer{CUSTOMER}")
    credited = page.get_by_role("region", name="Credited lines")
    expect(credited.get_by_role("row", name=re.compile("Activation fee"))).to_contain_text("€15.00")
    expect(page.locator(".totals .gross dd")).to_have_text(invoice_total)
    frame = page.locator("iframe.pdf")
    expect(frame).to_have_attribute("title", f"Credit note {note} (PDF)")
    expect(frame).to_have_attribute("src", re.compile("^blob:"))
    for label, start in (
        ("Download PDF", b"%PDF-"),
        ("Download RAW: credit note JSON", b"{"),
        ("Download E-invoice (XML)", b"<?xml"),
    ):
        answer = page.request.get(page.get_by_role("link", name=label).get_attribute("href") or "")
        assert answer.status == 200, label
        assert answer.body().startswith(start), label

    page.get_by_role("link", name=number).click()
    reseller.heading(f"Invoice {number}")
    invoice_facts = page.locator(".invoice .facts")
    expect(invoice_facts).to_contain_text("Statuscredited")
    expect(invoice_facts).to_contain_text(f"Credited{invoice_total}")
    notes = page.get_by_role("region", name="Credit notes of this invoice")
    expect(notes.get_by_role("row", name=re.compile(note))).to_contain_text("Wrong price plan charged")
    expect(page.get_by_text("Credited in full: nothing is left to credit.")).to_be_visible()
    expect(page.get_by_text("Issue a credit note", exact=True)).to_have_count(0)

    reseller.tab("Credit notes")
    reseller.heading("Credit notes")
    listed = page.get_by_role("region", name="Credit notes", exact=True)
    expect(listed.get_by_role("row", name=re.compile(note))).to_contain_text(CUSTOMER)
    expect(listed.get_by_role("row", name=re.compile(note))).to_contain_text(number)


def the_same_on_a_tablet_in_german(browsing: Browsing, stack: RunningStack, invoice_url: str, number: str) -> None:
    """The reseller's invoice and credit note on a tablet, in German: amounts and dates in the locale,
    nothing wider than the screen."""
    tablet = Console(browsing.new_page(viewport=TABLET, locale="de-DE"), stack.url)
    tablet.sign_in_as_reseller(RESELLER)
    tablet.page.goto(invoice_url)
    tablet.heading(f"Invoice {number}")
    total = tablet.page.locator(".totals .gross dd")
    expect(total).to_have_text(re.compile(r"^\d+,\d\d\s€$"))
    expect(tablet.page.locator(".facts")).to_contain_text(re.compile(r"01\.\d\d\.\d{4}"))
    assert_fits(tablet.page)
    for tab in ("Price plans", "SIM stock", "Usage", "Billing runs", "Customers"):
        tablet.tab(tab)
        tablet.heading(tab)
        assert_fits(tablet.page)
    tablet.page.get_by_role("link", name="C-1001").click()
    tablet.heading(CUSTOMER)
    assert_fits(tablet.page)
    tablet.tab("Credit notes")
    tablet.page.get_by_role("link", name=re.compile(r"^NL-CN-")).click()
    tablet.heading(re.compile("^Credit note NL-CN-"))
    expect(tablet.page.locator(".totals .gross dd")).to_have_text(re.compile(r"^\d+,\d\d\s€$"))
    expect(tablet.page.locator(".facts")).to_contain_text(re.compile(r"\d\d\.\d\d\.\d{4}"))
    assert_fits(tablet.page)


def assert_fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
