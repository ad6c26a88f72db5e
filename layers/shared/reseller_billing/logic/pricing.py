"""The reseller's price list: what its customers' invoices are priced with (the reseller as issuer, its
profile, its price plans and products). A billing run stores the price list as it started, so every
invoice of a run uses the same prices; a preview uses the one in force now."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reseller_billing.billing.model import Allowance, MrcTier, PoolType, PricePlan, Product, Service
from reseller_billing.dal import pricing as table
from reseller_billing.models.accounts import Account, ResellerProfile


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


def current_price_list(account: Account, profile: ResellerProfile) -> PriceList:
    """The reseller's price list as it is now."""
    plans, products = table.load_price_catalog(account.id)
    return PriceList(
        account_id=account.id,
        issuer_name=account.name,
        currency=account.currency,
        profile=profile,
        products=products,
        plans=plans,
    )
