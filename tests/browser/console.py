"""What a person does in the console, step by step: the browser tests' and the screenshots' vocabulary.
Every step finds things by their label, role or text, as a person (or a screen reader) would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.support.iccids import iccid


@dataclass(frozen=True)
class Cycle:
    """The reseller's last ended cycle for billing-cycle day 1: run on the 1st of this month (UTC)."""

    run_date: date
    start: date

    @classmethod
    def last_ended(cls) -> Cycle:
        run_date = datetime.now(UTC).date().replace(day=1)
        return cls(run_date=run_date, start=(run_date - timedelta(days=1)).replace(day=1))

    def instant(self, day: int) -> str:
        return f"{self.start.replace(day=day).isoformat()}T08:00:00Z"


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str
    country: str


LODZ = Address("ul. Piotrkowska 104", "90-926", "Łódź", "PL")


def file(name: str, mime_type: str, content: str) -> FilePayload:
    """A file for an <input type=file>, as if picked from the disk."""
    return {"name": name, "mimeType": mime_type, "buffer": content.encode()}


@dataclass
class Console:
    page: Page
    base_url: str

    def open(self, route: str = "/") -> None:
        self.page.goto(f"{self.base_url}/console/#{route}")

    def heading(self, name: str | re.Pattern[str]) -> Locator:
        heading = self.page.get_by_role("heading", level=1, name=name)
        expect(heading).to_be_visible()
        return heading

    def sign_in_as_operator(self) -> None:
        self.open()
        self.page.get_by_role("button", name="Sign in as the operator").click()
        self.heading("Accounts")

    def sign_in_as_reseller(self, account_name: str) -> None:
        self.open()
        self.page.get_by_label("Find a reseller").fill(account_name)
        self.page.get_by_role("button", name=re.compile(f"Sign in as a user of {re.escape(account_name)}")).click()
        self.heading("Customers")

    def tab(self, name: str) -> None:
        self.page.get_by_role("navigation", name="Account").get_by_role("link", name=name, exact=True).click()

    def account_id(self) -> str:
        found = re.search(r"#/accounts/([^/?]+)", self.page.url)
        assert found, self.page.url
        return found.group(1)

    def create_reseller(self, name: str, *, bill_cycle_day: int, billing_cycle_day: int, prefix: str) -> str:
        page = self.page
        page.get_by_role("link", name="New account").click()
        self.heading("New account")
        page.get_by_role("textbox", name="Name", exact=True).fill(name)
        page.get_by_label("Account type").select_option("RESELLER")
        page.get_by_label("Currency").fill("EUR")
        page.get_by_label("Bill cycle (day of month)").fill(str(bill_cycle_day))
        profile = page.get_by_role("group", name="Reseller Profile")
        expect(profile.get_by_label("Customer invoice creation")).to_be_checked()
        profile.get_by_label("Both (RAW & PDF)").check()
        profile.get_by_label("Billing cycle (day of month)").fill(str(billing_cycle_day))
        profile.get_by_label("Invoice number prefix").fill(prefix)
        page.get_by_role("button", name="Create account").click()
        self.heading("Account settings")
        return self.account_id()

    def add_to_stock(self, serials: range) -> None:
        """The operator adds ICCIDs to the open reseller's SIM stock, as a list pasted one a line."""
        page = self.page
        self.tab("SIM stock")
        self.heading("SIM stock")
        page.get_by_role("textbox", name="ICCIDs", exact=True).fill("\n".join(iccid(n) for n in serials))
        page.get_by_role("button", name=f"Add {len(serials)} ICCIDs").click()
        expect(page.get_by_text(f"{len(serials)} ICCIDs added to the stock.")).to_be_visible()

    def allocate_range(self, first: int, count: int) -> None:
        """The operator allocates a range of ICCIDs and waits on its page until it is allocated."""
        page = self.page
        self.tab("SIM stock")
        page.get_by_label("First ICCID").fill(iccid(first))
        page.get_by_label("How many").fill(str(count))
        page.get_by_role("button", name="Allocate the range").click()
        self.heading("Range allocation")
        expect(page.locator(".run-status .badge")).to_have_text("completed", timeout=60_000)

    def create_price_plan(self, name: str, *, monthly_fee: str, activation_fee: str, data_mb: str, per_mb: str) -> None:
        page = self.page
        self.tab("Price plans")
        page.get_by_role("link", name="New price plan").click()
        self.heading("New price plan")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Monthly fee per SIM (EUR)").fill(monthly_fee)
        page.get_by_label("Activation fee (EUR)").fill(activation_fee)
        page.get_by_label("Individual: each SIM has its own allowance").check()
        data = page.get_by_role("group", name="Data")
        data.get_by_label("The plan includes data").check()
        data.get_by_label("Included per SIM and month (MB)").fill(data_mb)
        data.get_by_label("Price per MB above it (EUR)").fill(per_mb)
        page.get_by_role("button", name="Create price plan").click()
        self.heading(name)

    def create_product(self, code: str, name: str, plan: str) -> None:
        page = self.page
        self.tab("Products")
        page.get_by_role("link", name="New product").click()
        self.heading("New product")
        page.get_by_label("Code").fill(code)
        page.get_by_label("Name").fill(name)
        page.get_by_label("Price plan").select_option(label=plan)
        page.get_by_role("button", name="Create product").click()
        self.heading(name)

    def fill_customer(self, number: str, name: str, address: Address, *, email: str, vat_rate: str) -> None:
        page = self.page
        page.get_by_label("Customer number").fill(number)
        page.get_by_label("Name").fill(name)
        page.get_by_label("Billing e-mail").fill(email)
        page.get_by_label("Street and number").fill(address.street)
        page.get_by_label("Postal code").fill(address.postal_code)
        page.get_by_label("City").fill(address.city)
        page.get_by_label("Country").fill(address.country)
        page.get_by_label("VAT rate (%)").fill(vat_rate)

    def add_sim(self, serial: int, product: str, activation: date) -> str:
        page = self.page
        number = iccid(serial)
        self.disclose("Add a SIM")
        page.get_by_label("ICCID").fill(number)
        page.get_by_label("Product").select_option(label=product)
        page.get_by_label("Activation date").fill(activation.isoformat())
        page.get_by_role("button", name="Add SIM").click()
        expect(page.get_by_text(f"SIM {number} added.")).to_be_visible()
        return number

    def disclose(self, summary: str) -> None:
        """Open a <details> section by its summary (if it is not open already)."""
        details = self.page.locator("details", has=self.page.get_by_text(summary, exact=True))
        if details.get_attribute("open") is None:
            details.get_by_text(summary, exact=True).click()

    def field_error(self, label: str) -> Locator:
        """The error shown next to the field with this label (its aria-describedby)."""
        field = self.page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        error_id = (field.get_attribute("aria-describedby") or "").split()[-1]
        assert error_id.endswith("-error"), f"{label} shows no error"
        return self.page.locator(f"#{error_id}")
