"""Build a reseller's catalog through the API, for tests that need one to exist (integration and e2e)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support import factories
from tests.support.api import Answer, Api


def created(answer: Answer) -> dict[str, Any]:
    """The body of a 201, or a failure that shows what came back instead."""
    assert answer.status == 201, (answer.status, answer.json)
    body: dict[str, Any] = answer.json
    return body


@dataclass(frozen=True)
class Catalog:
    """A reseller with one price plan, one ACTIVE product on it and one ACTIVE customer, and the operator
    who set it up (who adds ICCIDs to its SIM stock)."""

    account: dict[str, Any]
    plan: dict[str, Any]
    product: dict[str, Any]
    customer: dict[str, Any]
    operator: Api

    @property
    def account_id(self) -> str:
        return str(self.account["id"])

    @property
    def base(self) -> str:
        return f"/accounts/{self.account_id}"

    @property
    def customer_path(self) -> str:
        return f"{self.base}/customers/{self.customer['id']}"

    def sim_path(self, iccid: str, customer_id: str | None = None) -> str:
        customer = customer_id or self.customer["id"]
        return f"{self.base}/customers/{customer}/sims/{iccid}"

    def stock(self, *iccids: str) -> dict[str, Any]:
        """Add ICCIDs to the reseller's SIM stock (the operator does): {added, rejected}. An ICCID in any
        account's stock already is rejected, so this changes nothing for one that is."""
        answer = self.operator.post(f"{self.base}/sim-stock", {"iccids": list(iccids)})
        assert answer.status == 201, (answer.status, answer.json)
        added: dict[str, Any] = answer.json
        return added

    def assign(
        self,
        api: Api,
        iccid: str,
        activation_date: str = "2025-01-10",
        *,
        customer_id: str | None = None,
        product_id: str | None = None,
        **overrides: Any,
    ) -> Answer:
        """Assign a SIM (by `api`) to the customer (or to `customer_id`), on the catalog's product (or
        `product_id`), its ICCID first added to the
        reseller's stock, as the operator must before any assignment. An ICCID another account holds stays
        with it: the assignment then answers 422 `iccid_not_in_stock`."""
        self.stock(iccid)
        body = factories.sim(iccid, product_id or self.product["id"], activation_date, **overrides)
        return api.post(f"{self.base}/customers/{customer_id or self.customer['id']}/sims", body)


def build_catalog(operator: Api, *, name: str = "Nordlicht IoT GmbH", **account_overrides: Any) -> Catalog:
    """Create a reseller (billing cycle day 5 unless overridden) with a plan, a product and a customer."""
    account = created(operator.post("/accounts", factories.reseller_account(name=name, **account_overrides)))
    base = f"/accounts/{account['id']}"
    plan = created(operator.post(f"{base}/price-plans", factories.price_plan()))
    product = created(operator.post(f"{base}/products", factories.product(plan["id"])))
    customer = created(operator.post(f"{base}/customers", factories.customer()))
    return Catalog(account=account, plan=plan, product=product, customer=customer, operator=operator)
