"""The reseller's price list for a cycle: what its customers' invoices for that cycle are priced with (the
reseller as issuer, its profile, its products with the plan in force on the cycle's first day, each plan
at its price version in force that day). A billing run stores the price list as it started, so every
invoice of a run uses the same prices; a preview computes it the same way, so a preview of an ended cycle
shows what its invoice says, whatever was edited since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reseller_billing.billing.model import Allowance, MrcTier, PoolType, PricePlan, Product, Service
from reseller_billing.dal import pricing as table
from reseller_billing.models.accounts import Account, ResellerProfile, ResellerProfileState
from reseller_billing.models.price_plans import PricePlanRecord, PriceVersion
from reseller_billing.models.products import Product as CatalogProduct


@dataclass(frozen=True)
class PriceList:
    account_id: str
    issuer_name: str
    currency: str
    profile: ResellerProfile
    products: dict[str, Product]
    plans: dict[str, PricePlan]

    def to_json(self) -> dict[str, Any]:
        return {
            "account": {"id": self.account_id, "name": self.issuer_name, "currency": self.currency},
            "profile": self.profile.model_dump(mode="json"),
            "products": [
                {"id": p.id, "code": p.code, "name": p.name, "price_plan_id": p.price_plan_id}
                for p in self.products.values()
            ],
            "plans": [
                {
                    "id": p.id,
                    "activation_fee": str(p.activation_fee),
                    "monthly_fee": str(p.monthly_fee),
                    "pool_type": p.pool_type.value,
                    "allowances": [
                        {"service": a.service.value, "included": str(a.included), "overage_price": str(a.overage_price)}
                        for a in p.allowances
                    ],
                    "mrc_tiers": [
                        {"min_active_sims": t.min_active_sims, "monthly_fee": str(t.monthly_fee)} for t in p.mrc_tiers
                    ],
                }
                for p in self.plans.values()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceList:
        plans = {
            p["id"]: PricePlan(
                id=p["id"],
                activation_fee=Decimal(p["activation_fee"]),
                monthly_fee=Decimal(p["monthly_fee"]),
                pool_type=PoolType(p["pool_type"]),
                allowances=tuple(
                    Allowance(Service(a["service"]), Decimal(a["included"]), Decimal(a["overage_price"]))
                    for a in p["allowances"]
                ),
                mrc_tiers=tuple(MrcTier(int(t["min_active_sims"]), Decimal(t["monthly_fee"])) for t in p["mrc_tiers"]),
            )
            for p in data["plans"]
        }
        products = {p["id"]: Product(p["id"], p["code"], p["name"], p["price_plan_id"]) for p in data["products"]}
        account = data["account"]
        return cls(
            account_id=account["id"],
            issuer_name=account["name"],
            currency=account["currency"],
            profile=ResellerProfile.model_validate(data["profile"]),
            products=products,
            plans=plans,
        )


def priced_version(plan_id: str, version: PriceVersion) -> PricePlan:
    """A plan's price version as the billing rules take it."""
    return PricePlan(
        id=plan_id,
        activation_fee=version.activation_fee,
        monthly_fee=version.monthly_fee,
        pool_type=version.pool_type,
        allowances=tuple(Allowance(a.service, a.included, a.overage_price) for a in version.allowances),
        mrc_tiers=tuple(MrcTier(t.min_active_sims, t.monthly_fee) for t in version.mrc_tiers),
    )


def prices_on(
    plans: dict[str, PricePlanRecord], products: dict[str, CatalogProduct], day: date
) -> tuple[dict[str, PricePlan], dict[str, Product]]:
    """The catalog as it prices a cycle starting on `day`: each product on the plan in force then, each
    plan at its version in force then."""
    priced_plans = {plan_id: priced_version(plan_id, plan.version_on(day)) for plan_id, plan in plans.items()}
    priced_products = {
        product_id: Product(product.id, product.code, product.name, product.plan_on(day))
        for product_id, product in products.items()
    }
    return priced_plans, priced_products


def price_list_for(account: Account, profile: ResellerProfileState, cycle_start: date) -> PriceList:
    """The reseller's price list for the cycle starting on `cycle_start`."""
    plans, products = prices_on(*table.load_price_catalog(account.id), cycle_start)
    return PriceList(
        account_id=account.id,
        issuer_name=account.name,
        currency=account.currency,
        profile=profile.settings(),
        products=products,
        plans=plans,
    )
