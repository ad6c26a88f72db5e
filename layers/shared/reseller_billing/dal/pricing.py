"""What a reseller's invoices are priced with: every price plan (with all its price versions) and product
(with its plan history), read in one paged Query of the account partition (PRICE_PLAN# .. PRODUCT#~)."""

from __future__ import annotations

from reseller_billing.dal.items import PricePlanItem, ProductItem, TableItem, account_pk
from reseller_billing.dal.price_plans import plan_of
from reseller_billing.dal.products import product_of
from reseller_billing.models.price_plans import PricePlanRecord
from reseller_billing.models.products import Product


def load_price_catalog(account_id: str) -> tuple[dict[str, PricePlanRecord], dict[str, Product]]:
    """The reseller's price plans and products, by id."""
    plans: dict[str, PricePlanRecord] = {}
    products: dict[str, Product] = {}
    for item in TableItem.query(
        account_pk(account_id), TableItem.sk.between("PRICE_PLAN#", "PRODUCT#~"), consistent_read=True
    ):
        if isinstance(item, PricePlanItem):
            plans[item.id] = plan_of(item)
        elif isinstance(item, ProductItem):
            products[item.id] = product_of(item)
    return plans, products
