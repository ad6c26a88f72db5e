"""Accounts, reseller profiles and the licence gate on the reseller add-on (FT-3001.007)."""

from __future__ import annotations

from typing import Any

from reseller_billing.dal import accounts as table
from reseller_billing.dal.writes import saved_with_retries
from reseller_billing.errors import ConflictError, ErrorCode, ForbiddenError, NotFoundError, UnprocessableError
from reseller_billing.etags import check_if_match
from reseller_billing.ids import new_id
from reseller_billing.models.accounts import (
    Account,
    AccountCreate,
    AccountType,
    AccountUpdate,
    EInvoiceFormat,
    ResellerProfile,
    ResellerProfileOut,
    ResellerProfileState,
    VersionedAccount,
)
from reseller_billing.models.common import Page, Versioned, utcnow, utctoday
from reseller_billing.money import minor_units
from reseller_billing.principal import Principal
from reseller_billing.settings import RESELLER_FEATURE, get_settings


def _require_reseller_licence() -> None:
    if not get_settings().is_licensed(RESELLER_FEATURE):
        raise ForbiddenError(
            f"reseller accounts need the licensed add-on {RESELLER_FEATURE}", code=ErrorCode.FEATURE_NOT_LICENSED
        )


# The EN 16931 rule each issuer field of an e-invoice answers to: seller name, postal address, VAT
# identifier, electronic address (the e-mail, scheme EM, when the issuer has no peppol_id).
_SELLER_RULES = {"legal_name": "BR-06", "address": "BR-08", "vat_id": "BR-S-02", "email": "BR-62"}


def check_e_invoicing(profile: ResellerProfile, currency: str, *, field_prefix: str = "") -> None:
    """422 `e_invoice_invalid` when the profile asks for e-invoices that could not be valid: every issuer
    field EN 16931 needs of the seller (naming each one missing), and a currency with at most 2 minor
    digits (EN 16931 writes every amount with at most 2 decimals; BHD's 3 would not fit). Asked when the
    profile is saved, so that no billing run discovers it."""
    if profile.e_invoice_format is EInvoiceFormat.NONE:
        return
    # Loaded only for a profile with e-invoices: the model's dataclasses cost an API handler's cold start.
    from reseller_billing.einvoice.model import PostalAddress
    from reseller_billing.einvoice.rules import MAX_AMOUNT_DECIMALS, missing_for_e_invoice

    needs = f"required with e_invoice_format {profile.e_invoice_format}"
    details: list[dict[str, Any]] = []
    issuer = profile.issuer
    if issuer is None:
        details.append(
            {
                "in": "body",
                "field": f"{field_prefix}issuer",
                "message": f"{needs}: the seller's legal_name, address, vat_id and email",
                "rule": "BR-06",
            }
        )
    else:
        address = PostalAddress(
            line1=issuer.address.line1,
            city=issuer.address.city,
            postal_code=issuer.address.postal_code,
            country=issuer.address.country,
        )
        for name in missing_for_e_invoice(
            legal_name=issuer.legal_name, address=address, vat_id=issuer.vat_id, email=issuer.email
        ):
            details.append(
                {"in": "body", "field": f"{field_prefix}issuer.{name}", "message": needs, "rule": _SELLER_RULES[name]}
            )
    digits = minor_units(currency)
    if digits > MAX_AMOUNT_DECIMALS:
        details.append(
            {
                "in": "body",
                "field": f"{field_prefix}e_invoice_format",
                "message": f"the account's currency {currency} has {digits} minor digits; EN 16931 writes amounts "
                f"with at most {MAX_AMOUNT_DECIMALS}, so its e-invoices could not be valid",
                "rule": "BR-DEC",
            }
        )
    if details:
        raise UnprocessableError(
            "the reseller profile asks for e-invoices that could not be valid: "
            + ", ".join(str(detail["field"]) for detail in details),
            code=ErrorCode.E_INVOICE_INVALID,
            details=details,
        )


def conversion_error(account: Account, request: AccountUpdate) -> UnprocessableError | ConflictError | None:
    """Why `request` cannot change `account`'s type, if it cannot: converting STANDARD -> RESELLER needs a
    reseller profile; an account that is a RESELLER already changes its profile with PUT .../reseller-profile.
    (RESELLER -> STANDARD also needs the account to have no customers: the save checks that.)"""
    if request.type is not AccountType.RESELLER:
        return None
    if account.type is AccountType.STANDARD and request.reseller_profile is None:
        return UnprocessableError(
            "converting to RESELLER needs a reseller_profile",
            details=[{"in": "body", "field": "reseller_profile", "message": "required with type RESELLER"}],
        )
    if account.type is AccountType.RESELLER and request.reseller_profile is not None:
        return ConflictError(
            "the account is already a reseller; change its profile with PUT .../reseller-profile",
            code=ErrorCode.ALREADY_RESELLER,
        )
    return None


def updated_account(account: Account, request: AccountUpdate) -> Account:
    """`account` with the change `request` asks for applied (after `conversion_error` found none)."""
    changes: dict[str, object] = {}
    if request.name is not None:
        changes["name"] = request.name
    if request.bill_cycle_day is not None:
        changes["bill_cycle_day"] = request.bill_cycle_day
    if request.type is AccountType.RESELLER and account.type is AccountType.STANDARD:
        assert request.reseller_profile is not None  # conversion_error found it there
        changes.update(type=AccountType.RESELLER, reseller_profile=ResellerProfileState.first(request.reseller_profile))
    elif request.type is AccountType.STANDARD and account.type is AccountType.RESELLER:
        changes.update(type=AccountType.STANDARD, reseller_profile=None)
    return account.model_copy(update=changes)


def load_account(account_id: str) -> VersionedAccount:
    """The account, or 404."""
    return table.get_account(account_id)


def load_reseller(account_id: str) -> tuple[Account, ResellerProfileState]:
    """The account and its reseller profile; 409 `account_not_reseller` on a STANDARD account."""
    account = table.get_account(account_id).value
    if account.reseller_profile is None:
        raise ConflictError(f"account {account_id} is not a reseller", code=ErrorCode.ACCOUNT_NOT_RESELLER)
    return account, account.reseller_profile


def create_account(principal: Principal, request: AccountCreate) -> Versioned[Account]:
    principal.require_operator()
    if request.type is AccountType.RESELLER:
        _require_reseller_licence()
    if request.reseller_profile is not None:
        check_e_invoicing(request.reseller_profile, request.currency, field_prefix="reseller_profile.")
    now = utcnow()
    account = Account(
        id=new_id("acc"),
        name=request.name,
        type=request.type,
        currency=request.currency,
        bill_cycle_day=request.bill_cycle_day,
        reseller_profile=ResellerProfileState.first(request.reseller_profile) if request.reseller_profile else None,
        created_at=now,
        updated_at=now,
    )
    return table.insert_account(account)


def list_accounts(
    principal: Principal, account_type: AccountType | None, limit: int, cursor: str | None
) -> Page[Account]:
    """Operators page through every account (by type, then id); a reseller user sees only its own."""
    if principal.account_id is not None:
        own = load_account(principal.account_id).value
        matches = account_type is None or own.type is account_type
        return Page(items=[own] if matches else [], next_cursor=None)
    return table.list_accounts(account_type, limit, cursor)


def update_account(
    principal: Principal, account_id: str, request: AccountUpdate, if_match: str | None
) -> Versioned[Account]:
    """Rename, move the bill-cycle day, or convert STANDARD <-> RESELLER."""
    return saved_with_retries(lambda: _update_account(principal, account_id, request, if_match), if_match)


def _update_account(
    principal: Principal, account_id: str, request: AccountUpdate, if_match: str | None
) -> Versioned[Account]:
    principal.require_operator()
    stored = load_account(account_id)
    check_if_match(if_match, stored.version)
    if request.type is AccountType.RESELLER and stored.value.type is AccountType.STANDARD:
        _require_reseller_licence()
    error = conversion_error(stored.value, request)
    if error is not None:
        raise error
    if request.type is AccountType.RESELLER and request.reseller_profile is not None:
        check_e_invoicing(request.reseller_profile, stored.value.currency, field_prefix="reseller_profile.")
    account = updated_account(stored.value, request).model_copy(update={"updated_at": utcnow()})
    profile_changed = account.reseller_profile is not None and stored.value.reseller_profile is None
    return table.save_account(account, stored, profile_changed=profile_changed)


def get_reseller_profile(account_id: str) -> Versioned[ResellerProfileOut]:
    """The profile and its own version (its ETag); 404 on a STANDARD account, which has none."""
    stored = load_account(account_id)
    profile = stored.value.reseller_profile
    if profile is None:
        raise NotFoundError(f"account {account_id} is not a reseller and has no reseller profile")
    return Versioned(ResellerProfileOut(account_id=account_id, **dict(profile)), stored.profile_version)


def put_reseller_profile(
    principal: Principal, account_id: str, profile: ResellerProfile, if_match: str | None
) -> Versioned[ResellerProfileOut]:
    """Replace the profile; its ETag is the profile's own version. Another billing-cycle day joins the
    history and takes effect after the cycle that contains today (a transition cycle leads to it)."""
    return saved_with_retries(lambda: _put_reseller_profile(principal, account_id, profile, if_match), if_match)


def _put_reseller_profile(
    principal: Principal, account_id: str, profile: ResellerProfile, if_match: str | None
) -> Versioned[ResellerProfileOut]:
    principal.require_operator()
    stored = load_account(account_id)
    if stored.value.reseller_profile is None:
        raise NotFoundError(f"account {account_id} is not a reseller and has no reseller profile")
    check_if_match(if_match, stored.profile_version)
    check_e_invoicing(profile, stored.value.currency)
    replaced = stored.value.reseller_profile.replaced_by(profile, utctoday())
    account = stored.value.model_copy(update={"reseller_profile": replaced, "updated_at": utcnow()})
    saved = table.save_account(account, stored, profile_changed=True)
    return Versioned(ResellerProfileOut(account_id=account_id, **dict(replaced)), saved.profile_version)
