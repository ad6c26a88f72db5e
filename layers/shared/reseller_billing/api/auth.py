"""Who is calling: the JWT claims API Gateway's Cognito authorizer put in the event, and what they may do.

Operators may do everything. A reseller user (group `reseller`, claim `custom:account_id`) sees only its
own account: anything under another account answers 404, as if it did not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reseller_billing.errors import ForbiddenError, NotFoundError, UnauthorizedError


class Role(StrEnum):
    OPERATOR = "operator"
    RESELLER = "reseller"


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: Role
    account_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR

    def require_operator(self) -> None:
        if not self.is_operator:
            raise ForbiddenError("only operators may do this", code="forbidden")

    def check_account(self, account_id: str) -> None:
        """A reseller user may touch only its own account; others do not exist for it (404)."""
        if not self.is_operator and account_id != self.account_id:
            raise NotFoundError(f"account {account_id} not found")


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
        raise UnauthorizedError("missing or invalid token", code="unauthorized")
    groups = _groups(claims.get("cognito:groups"))
    if Role.OPERATOR.value in groups:
        return Principal(subject=str(claims["sub"]), role=Role.OPERATOR)
    account_id = claims.get("custom:account_id")
    if Role.RESELLER.value in groups and isinstance(account_id, str) and account_id:
        return Principal(subject=str(claims["sub"]), role=Role.RESELLER, account_id=account_id)
    raise ForbiddenError("the token carries no role this API knows", code="forbidden")
