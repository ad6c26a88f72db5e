"""POST /accounts: an operator creates a STANDARD or RESELLER account."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import accounts
from reseller_billing.models.accounts import Account, AccountCreate

router = Router()


@router.post("/accounts", summary="Create an account", responses={201: {"description": "Created"}})
def create_account(body: AccountCreate, idempotency_key: http.IdempotencyKey = None) -> Response[Account]:
    caller = http.principal(router)

    def create() -> Response[Account]:
        account = accounts.create_account(caller, body)
        return http.respond(
            account.value,
            HTTPStatus.CREATED,
            version=account.version,
            location=f"/accounts/{account.value.id}",
        )

    return once_per_key(caller, "POST /accounts", idempotency_key, body.model_dump(mode="json"), create)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
