"""The tenant check reads what API Gateway routed (the route's `account_id` path parameter), not the raw
path, and fails closed for reseller users."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_billing.api.http import check_tenant
from reseller_billing.errors import ForbiddenError, NotFoundError
from reseller_billing.principal import Principal, Role

OPERATOR = Principal("op-1", Role.OPERATOR)
RESELLER = Principal("user-1", Role.RESELLER, "acc_mine")
SCOPED = {"GET /accounts"}


def routed(method: str, resource: str, path: str, path_parameters: dict[str, str] | None) -> dict[str, Any]:
    return {"httpMethod": method, "resource": resource, "path": path, "pathParameters": path_parameters}


CUSTOMERS = "/accounts/{account_id}/customers"


def test_a_reseller_user_reaches_its_own_accounts_routes():
    check_tenant(routed("GET", CUSTOMERS, "/accounts/acc_mine/customers", {"account_id": "acc_mine"}), RESELLER)


@pytest.mark.parametrize(
    "path",
    ["/accounts/acc_theirs/customers", "/billing/accounts/acc_theirs/customers", "/dev/accounts/acc_theirs/customers"],
    ids=["plain", "base path mapping", "stage prefix"],
)
def test_another_account_is_404_whatever_the_path_looks_like(path):
    with pytest.raises(NotFoundError):
        check_tenant(routed("GET", CUSTOMERS, path, {"account_id": "acc_theirs"}), RESELLER)


@pytest.mark.parametrize(
    "event",
    [
        routed("GET", CUSTOMERS, "/accounts/acc_mine/customers", None),  # a path parameter lost
        routed("GET", CUSTOMERS, "/accounts/acc_mine/customers", {"account_id": ""}),
        routed("GET", CUSTOMERS, "/accounts/acc_mine/customers", {"customer_id": "acc_mine"}),
        routed("POST", "/accounts", "/accounts", None),  # operator-only, names no account
        routed("GET", "/accounts", "/billing/accounts", None) | {"httpMethod": None},
        {"path": "/accounts/acc_mine/customers"},  # nothing routed: the path alone does not let it through
    ],
    ids=["no path parameters", "empty", "other parameter", "operator route", "no method", "unrouted"],
)
def test_a_route_that_names_no_account_is_forbidden_to_a_reseller_user(event):
    with pytest.raises(ForbiddenError):
        check_tenant(event, RESELLER, SCOPED)


def test_a_route_scoped_by_the_caller_serves_a_reseller_user():
    check_tenant(routed("GET", "/accounts", "/accounts", None), RESELLER, SCOPED)


@pytest.mark.parametrize(
    "event",
    [routed("GET", CUSTOMERS, "/accounts/acc_theirs/customers", {"account_id": "acc_theirs"}), {"path": "/x"}],
)
def test_operators_reach_every_account(event):
    check_tenant(event, OPERATOR)
