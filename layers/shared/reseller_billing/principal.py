"""Who is calling and what they may do: the caller of an API request, as the domain sees it.

Operators may do everything. A reseller user (group `reseller`, claim `custom:account_id`) sees only its
own account: anything under another account answers 404, as if it did not exist. How a caller is read
from a token's claims is the HTTP edge's business (api/auth.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reseller_billing.errors import ForbiddenError, NotFoundError


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
            raise ForbiddenError("only operators may do this")

    def check_account(self, account_id: str) -> None:
        """A reseller user may touch only its own account; others do not exist for it (404)."""
        if not self.is_operator and account_id != self.account_id:
            raise NotFoundError(f"account {account_id} not found")
