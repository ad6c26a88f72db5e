"""PATCH /accounts/{account_id}: rename, move the bill-cycle day, convert STANDARD <-> RESELLER."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.logic import accounts
from reseller_billing.models.accounts import Account, AccountUpdate

router = Router()


@router.patch("/accounts/<account_id>", summary="Update an account")
def update_account(account_id: str, body: AccountUpdate, if_match: http.IfMatch = None) -> Response[Account]:
    account = accounts.update_account(http.principal(router), account_id, body, if_match)
    return http.respond(account.value, version=account.version)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
