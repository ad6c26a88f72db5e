"""Who is calling: the JWT claims API Gateway's Cognito authorizer put in the event, read into a
`Principal` (reseller_billing/principal.py)."""

from __future__ import annotations

import re
from typing import Any

from reseller_billing.errors import ForbiddenError, UnauthorizedError
from reseller_billing.principal import Principal, Role


def _groups(claim: Any) -> set[str]:
    # Cognito puts groups in the ID token as a list; API Gateway's authorizer flattens it to a string
    # such as "operator", "a,b" or "[a b]".
    if isinstance(claim, list):
        return {str(g) for g in claim}
    if isinstance(claim, str):
        return {g for g in re.split(r"[\s,\[\]]+", claim) if g}
    return set()


def principal_from_claims(claims: dict[str, Any] | None) -> Principal:
    """The caller, from the authorizer's claims; 401 without claims, 403 without a known role."""
    if not claims or not claims.get("sub"):
        raise UnauthorizedError("missing or invalid token")
    groups = _groups(claims.get("cognito:groups"))
    if Role.OPERATOR.value in groups:
        return Principal(subject=str(claims["sub"]), role=Role.OPERATOR)
    account_id = claims.get("custom:account_id")
    if Role.RESELLER.value in groups and isinstance(account_id, str) and account_id:
        return Principal(subject=str(claims["sub"]), role=Role.RESELLER, account_id=account_id)
    raise ForbiddenError("the token carries no role this API knows")
