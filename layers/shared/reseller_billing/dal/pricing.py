"""What a reseller's invoices are priced with: every price plan and product, read in one paged Query of
the account partition (PRICE_PLAN# .. PRODUCT#~), as the billing rules take them."""

from __future__ import annotations

from reseller_billing.billing.model import Allowance, MrcTier, PoolType, PricePlan, Product, Service
from reseller_billing.dal.items import PricePlanItem, ProductItem, TableItem, account_pk


def load_price_catalog(account_id: str) -> tuple[dict[str, PricePlan], dict[str, Product]]:
    """The reseller's price plans and products, by id."""
    plans: dict[str, PricePlan] = {}
    products: dict[str, Product] = {}
    for item in TableItem.query(
        account_pk(account_id), TableItem.sk.between("PRICE_PLAN#", "PRODUCT#~"), consistent_read=True
    ):
        if isinstance(item, PricePlanItem):
            plans[item.id] = PricePlan(
                id=item.id,
                activation_fee=item.activation_fee,
                monthly_fee=item.monthly_fee,
                pool_type=PoolType(item.pool_type),
                allowances=tuple(Allowance(Service(a.service), a.included, a.overage_price) for a in item.allowances),
                mrc_tiers=tuple(MrcTier(int(t.min_active_sims), t.monthly_fee) for t in item.mrc_tiers),
            )
        elif isinstance(item, ProductItem):
            products[item.id] = Product(item.id, item.code, item.name, item.price_plan_id)
    return plans, products
