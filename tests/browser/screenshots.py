"""`make screenshots`: the README's pictures of the console (docs/console-*.png), taken in Debian's Chromium
on a fresh local stack: a reseller set up with its invoicing details and SIM stock, a few customers billed,
one invoice partly credited, and the key screens at laptop width, one at tablet width.

.venv/bin/python -m tests.browser.screenshots [docs]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LAPTOP, TABLET
from tests.browser.console import LODZ, Address, Console, Cycle, file
from tests.support.api import Api, HttpTransport
from tests.support.iccids import iccid
from tests.support.stack import RunningStack

RESELLER = "Nordlicht IoT GmbH"
CUSTOMERS = [
    ("C-1001", "Łódź Żółć Ñandú Ωmega Sp. z o.o.", LODZ, "faktury@omega.example", "23"),
    (
        "C-1002",
        "Fjordkraft Sensorik AS",
        Address("Strandgaten 12", "5013", "Bergen", "NO"),
        "ap@fjordkraft.example",
        "25",
    ),
    (
        "C-1003",
        "Müller Logistik GmbH",
        Address("Hafenstraße 7", "20457", "Hamburg", "DE"),
        "rechnung@mueller.example",
        "19",
    ),
]


def seed_accounts(stack: RunningStack) -> None:
    """Other accounts, so that the operator's list is not a list of one."""
    operator = Api(HttpTransport(stack.url)).as_operator()
    for name, currency in (
        ("Acme Logistics", "EUR"),
        ("Baltic Fleet Telematics", "EUR"),
        ("Sakura Mobility KK", "JPY"),
    ):
        operator.post("/accounts", {"name": name, "type": "STANDARD", "currency": currency, "bill_cycle_day": 15})
    profile = {"customer_invoice_creation": True, "customer_invoice_type": "PDF", "billing_cycle_day": 10}
    operator.post(
        "/accounts",
        {
            "name": "Alpine IoT AG",
            "type": "RESELLER",
            "currency": "CHF",
            "bill_cycle_day": 1,
            "reseller_profile": profile,
        },
    )


def fill_invoicing(page: Page) -> None:
    """The profile's invoicing side on the account page: terms, UBL e-invoices, the issuer, the bank."""
    page.get_by_label("Payment terms (days)").fill("14")
    page.get_by_label("E-invoice").select_option("UBL")
    page.get_by_label("Legal name").fill("Nordlicht IoT GmbH")
    page.get_by_label("Registration number").fill("HRB 123456, Amtsgericht Hamburg")
    page.get_by_label("Issuer street and number").fill("Speicherstadt 7")
    page.get_by_label("Issuer postal code").fill("20457")
    page.get_by_label("Issuer city").fill("Hamburg")
    page.get_by_label("Issuer country").fill("DE")
    page.get_by_label("Issuer VAT ID").fill("DE136695976")
    page.get_by_label("Issuer e-mail").fill("billing@nordlicht-iot.example")
    page.get_by_label("IBAN").fill("DE89370400440532013000")
    page.get_by_label("BIC").fill("COBADEFFXXX")
    page.get_by_label("Invoice footer").fill("Nordlicht IoT GmbH · Speicherstadt 7 · 20457 Hamburg")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()


def shoot(page: Page, folder: Path, name: str, *, full_page: bool = True) -> None:
    page.wait_for_timeout(400)  # fonts and the last paint
    page.screenshot(path=folder / f"console-{name}.png", full_page=full_page)
    print(f"{folder / f'console-{name}.png'}")


def take(stack: RunningStack, operator_page: Page, page: Page, tablet: Page, folder: Path) -> None:
    cycle = Cycle.last_ended()
    seed_accounts(stack)
    operator = Console(operator_page, stack.url)
    operator.sign_in_as_operator()
    operator.create_reseller(RESELLER, bill_cycle_day=15, billing_cycle_day=1, prefix="NL-")
    fill_invoicing(operator_page)
    shoot(operator_page, folder, "account")
    operator.add_to_stock(range(1, 2 * len(CUSTOMERS) + 1))
    operator.allocate_range(100, 2500)
    shoot(operator_page, folder, "allocation")
    operator.tab("SIM stock")
    operator_page.get_by_role("textbox", name="ICCIDs", exact=True).fill(f"{iccid(1)}\n{iccid(90)}")
    operator_page.get_by_role("button", name="Add 2 ICCIDs").click()
    expect(operator_page.get_by_role("region", name="ICCIDs not added")).to_be_visible()
    shoot(operator_page, folder, "stock")
    operator_page.get_by_role("link", name="Accounts", exact=True).first.click()
    expect(operator_page.get_by_role("row")).to_have_count(6)
    shoot(operator_page, folder, "accounts")

    reseller = Console(page, stack.url)
    reseller.sign_in_as_reseller(RESELLER)
    reseller.create_price_plan(
        "IoT Europe 1 GB", monthly_fee="9.99", activation_fee="5", data_mb="1024", per_mb="0.004"
    )
    reseller.create_product("IOT-EU-1GB", "IoT Europe 1 GB", plan="IoT Europe 1 GB")
    serial = 0
    records = []
    for number, name, address, email, vat in CUSTOMERS:
        reseller.tab("Customers")
        page.get_by_role("link", name="New customer").click()
        reseller.fill_customer(number, name, address, email=email, vat_rate=vat)
        page.get_by_role("button", name="Create customer").click()
        reseller.heading(name)
        for _ in range(2):
            serial += 1
            if number != CUSTOMERS[-1][0]:
                reseller.add_sim(serial, "IOT-EU-1GB — IoT Europe 1 GB", cycle.start)
            records.append(
                {
                    "record_id": f"r-{serial}",
                    "iccid": iccid(serial),
                    "service": "DATA",
                    "quantity": str(700 * serial),
                    "occurred_at": cycle.instant(12),
                }
            )
    # The last customer's SIMs from a CSV file, one of them not in the stock.
    csv = "iccid,product_code,activation_date\n" + "".join(
        f"{iccid(n)},IOT-EU-1GB,{cycle.start.isoformat()}\n" for n in (serial - 1, serial, 99_999)
    )
    reseller.disclose("Add SIMs from a file")
    page.get_by_label("Add SIMs from a CSV file").set_input_files(file("sims.csv", "text/csv", csv))
    page.get_by_role("button", name="Add 3 SIMs").click()
    expect(page.locator(".bulk-summary")).to_be_visible()
    preview = page.locator(".preview")
    preview.get_by_label("Run date").fill(cycle.run_date.isoformat())
    preview.get_by_role("button", name="Preview").click()
    expect(preview.locator(".totals")).to_be_visible()
    shoot(page, folder, "customer")

    records.append({**records[0]})
    records.append({**records[1], "record_id": "r-unknown", "iccid": iccid(99_999)})
    reseller.tab("Usage")
    ndjson = "\n".join(json.dumps(record) for record in records)
    page.get_by_label("Usage file").set_input_files(file("usage.ndjson", "application/x-ndjson", ndjson))
    page.get_by_role("button", name=re.compile(r"^Upload usage\.ndjson")).click()
    expect(page.locator(".run-status .badge")).to_have_text("completed", timeout=60_000)
    expect(page.get_by_role("region", name="Rejected records")).to_be_visible()
    shoot(page, folder, "usage")

    reseller.tab("Billing runs")
    page.get_by_role("button", name="Start billing run").click()
    expect(page.locator(".run-status .badge")).to_have_text("completed", timeout=90_000)
    shoot(page, folder, "billing-run")

    page.get_by_role("link", name="See the invoices").click()
    invoice = f"NL-{cycle.run_date.year}-000001"
    page.get_by_role("link", name=invoice).click()
    expect(page.locator("iframe.pdf")).to_be_visible()
    page.set_viewport_size({"width": LAPTOP["width"], "height": 1500})
    page.wait_for_timeout(2000)  # the PDF viewer draws the page at this size
    shoot(page, folder, "invoice", full_page=False)

    # A credit note on two of the invoice's lines, shown with its PDF; then the period's documents.
    page.set_viewport_size(LAPTOP)
    reseller.disclose("Issue a credit note")
    page.get_by_label("Amounts on chosen lines").check()
    page.get_by_label("Credit on IOT-EU-1GB Activation fee").fill("5")
    page.get_by_label("Credit on IOT-EU-1GB Monthly fee").fill("4.50")
    page.get_by_label("Reason").fill("Activation fee waived; service outage on 12 days")
    page.locator(".issue-credit-note").scroll_into_view_if_needed()
    shoot(page, folder, "credit-note-form", full_page=False)
    page.get_by_role("button", name="Issue the credit note").click()
    reseller.heading(re.compile("^Credit note "))
    expect(page.locator("iframe.pdf")).to_be_visible()
    page.set_viewport_size({"width": LAPTOP["width"], "height": 1500})
    page.wait_for_timeout(2000)  # the PDF viewer draws the page at this size
    shoot(page, folder, "credit-note", full_page=False)
    page.set_viewport_size(LAPTOP)
    reseller.tab("Documents")
    page.get_by_label("From").fill(f"{cycle.run_date.year}-01-01")
    page.get_by_role("button", name="Show the documents").click()
    expect(page.get_by_role("region", name="Documents")).to_be_visible()
    shoot(page, folder, "documents")

    tablet_console = Console(tablet, stack.url)
    tablet_console.sign_in_as_reseller(RESELLER)
    tablet_console.tab("Invoices")
    expect(tablet.get_by_role("link", name=invoice)).to_be_visible()
    shoot(tablet, folder, "tablet-invoices", full_page=False)


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    stack = RunningStack(licensed_features="FT-3001.007")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            operator, reseller, tablet = (
                browser.new_context(viewport=viewport, locale=locale, timezone_id="Europe/Berlin").new_page()
                for viewport, locale in ((LAPTOP, "en-GB"), (LAPTOP, "en-GB"), (TABLET, "de-DE"))
            )
            take(stack, operator, reseller, tablet, folder)
            browser.close()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
