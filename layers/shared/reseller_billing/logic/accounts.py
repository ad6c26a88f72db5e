"""Accounts, reseller profiles and the licence gate on the reseller add-on (FT-3001.007)."""

from __future__ import annotations

from reseller_billing.dal import accounts as accounts_table
from reseller_billing.dal.items import AccountItem, ResellerProfileMap
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.errors import (
    ConflictError,
    ErrorCode,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.models.accounts import (
    Account,
    AccountCreate,
    AccountType,
    AccountUpdate,
    ResellerProfile,
    ResellerProfileOut,
)
from reseller_billing.models.common import Page, utcnow
from reseller_billing.principal import Principal
from reseller_billing.settings import RESELLER_FEATURE, get_settings

RESELLER = AccountType.RESELLER.value
STANDARD = AccountType.STANDARD.value


def _require_reseller_licence() -> None:
    if not get_settings().is_licensed(RESELLER_FEATURE):
        raise ForbiddenError(
            f"reseller accounts need the licensed add-on {RESELLER_FEATURE}", code=ErrorCode.FEATURE_NOT_LICENSED
        )


def _profile_map(profile: ResellerProfile) -> ResellerProfileMap:
    return ResellerProfileMap(**profile.model_dump(mode="json"))


def profile_of(item: AccountItem) -> ResellerProfile | None:
    stored: ResellerProfileMap | None = item.reseller_profile
    if stored is None:
        return None
    return ResellerProfile.model_validate(stored.as_dict())


def to_account(item: AccountItem) -> Account:
    return Account(
        id=item.id,
        name=item.name,
        type=AccountType(item.account_type),
        currency=item.currency,
        bill_cycle_day=item.bill_cycle_day,
        reseller_profile=profile_of(item),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def load_account(account_id: str) -> AccountItem:
    """The account, or 404."""
    return accounts_table.get_account(account_id)


def load_reseller(account_id: str) -> tuple[AccountItem, ResellerProfile]:
    """The account and its reseller profile; 409 `account_not_reseller` on a STANDARD account."""
    item = load_account(account_id)
    profile = profile_of(item)
    if profile is None:
        raise ConflictError(f"account {account_id} is not a reseller", code=ErrorCode.ACCOUNT_NOT_RESELLER)
    return item, profile


def create_account(principal: Principal, request: AccountCreate) -> AccountItem:
    principal.require_operator()
    if request.type is AccountType.RESELLER:
        _require_reseller_licence()
    now = utcnow()
    account_id = new_id("acc")
    item = AccountItem(
        *AccountItem.key(account_id),
        id=account_id,
        name=request.name,
        account_type=request.type.value,
        currency=request.currency,
        bill_cycle_day=request.bill_cycle_day,
        reseller_profile=_profile_map(request.reseller_profile) if request.reseller_profile else None,
        profile_version=1 if request.reseller_profile else 0,
        customer_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    accounts_table.insert_account(item)
    return item


def list_accounts(
    principal: Principal, account_type: AccountType | None, limit: int, cursor: str | None
) -> Page[Account]:
    """Operators page through every account (by type, then id); a reseller user sees only its own."""
    if principal.account_id is not None:
        own = load_account(principal.account_id)
        matches = account_type is None or own.account_type == account_type.value
        return Page(items=[to_account(own)] if matches else [], next_cursor=None)
    page = accounts_table.list_accounts(account_type.value if account_type else None, limit, cursor)
    return Page(items=[to_account(i) for i in page.items], next_cursor=page.next_cursor)


def update_account(principal: Principal, account_id: str, request: AccountUpdate, if_match: str | None) -> AccountItem:
    """Rename, move the bill-cycle day, or convert STANDARD <-> RESELLER."""
    return saved_with_retries(lambda: _update_account(principal, account_id, request, if_match), if_match)


def _update_account(principal: Principal, account_id: str, request: AccountUpdate, if_match: str | None) -> AccountItem:
    principal.require_operator()
    item = load_account(account_id)
    check_if_match(if_match, item.version)
    expected_version = item.version
    if request.name is not None:
        item.name = request.name
    if request.bill_cycle_day is not None:
        item.bill_cycle_day = request.bill_cycle_day
    if request.type is AccountType.RESELLER and item.account_type == STANDARD:
        _require_reseller_licence()
        if request.reseller_profile is None:
            raise UnprocessableError(
                "converting to RESELLER needs a reseller_profile",
                details=[{"in": "body", "field": "reseller_profile", "message": "required with type RESELLER"}],
            )
        item.account_type = RESELLER
        item.reseller_profile = _profile_map(request.reseller_profile)
        item.profile_version += 1
    elif request.type is AccountType.RESELLER and request.reseller_profile is not None:
        raise ConflictError(
            "the account is already a reseller; change its profile with PUT .../reseller-profile",
            code=ErrorCode.ALREADY_RESELLER,
        )
    elif request.type is AccountType.STANDARD and item.account_type == RESELLER:
        if item.customer_count:
            raise accounts_table.has_customers_error(account_id)
        item.account_type = STANDARD
        item.reseller_profile = None
    item.updated_at = utcnow()
    accounts_table.save_account(item, expected_version)
    return item


def get_reseller_profile(account_id: str) -> tuple[ResellerProfileOut, int]:
    """The profile and its version (its ETag); 404 on a STANDARD account, which has none."""
    item = load_account(account_id)
    profile = profile_of(item)
    if profile is None:
        raise NotFoundError(f"account {account_id} is not a reseller and has no reseller profile")
    return ResellerProfileOut(account_id=account_id, **profile.model_dump()), item.profile_version


def put_reseller_profile(
    principal: Principal, account_id: str, profile: ResellerProfile, if_match: str | None
) -> tuple[ResellerProfileOut, int]:
    """Replace the profile; its ETag is the profile's own version."""
    return saved_with_retries(lambda: _put_reseller_profile(principal, account_id, profile, if_match), if_match)


def _put_reseller_profile(
    principal: Principal, account_id: str, profile: ResellerProfile, if_match: str | None
) -> tuple[ResellerProfileOut, int]:
    principal.require_operator()
    item = load_account(account_id)
    if item.reseller_profile is None:
        raise NotFoundError(f"account {account_id} is not a reseller and has no reseller profile")
    check_if_match(if_match, item.profile_version)
    expected_version = item.version
    item.reseller_profile = _profile_map(profile)
    item.profile_version += 1
    item.updated_at = utcnow()
    accounts_table.save_account(item, expected_version)
    return ResellerProfileOut(account_id=account_id, **profile.model_dump()), item.profile_version
