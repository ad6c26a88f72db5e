"""GET /accounts and GET /accounts/{account_id}."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from reseller_billing.api import http
from reseller_billing.logic import accounts
from reseller_billing.models.accounts import Account, AccountType
from reseller_billing.models.common import Page

router = Router()


@router.get("/accounts", summary="List accounts")
def list_accounts(
    type: Annotated[AccountType | None, Query()] = None,
    limit: http.Limit = 50,
    cursor: http.Cursor = None,
) -> Page[Account]:
    return accounts.list_accounts(http.principal(router), type, limit, cursor)


@router.get("/accounts/<account_id>", summary="Read an account")
def get_account(account_id: str) -> Response[Account]:
    account = accounts.load_account(account_id)
    return http.respond(account.value, version=account.version)


app = http.create_app(router)
# GET /accounts names no account: a reseller user gets its own account alone (a list of one).
lambda_handler = http.http_handler(app, scoped_by_caller={"GET /accounts"})
