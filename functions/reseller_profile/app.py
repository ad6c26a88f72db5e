"""GET and PUT /accounts/{account_id}/reseller-profile."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.logic import accounts
from reseller_billing.models.accounts import ResellerProfile, ResellerProfileOut

router = Router()


@router.get("/accounts/<account_id>/reseller-profile", summary="Read a reseller profile")
def get_reseller_profile(account_id: str) -> Response[ResellerProfileOut]:
    profile = accounts.get_reseller_profile(account_id)
    return http.respond(profile.value, version=profile.version)


@router.put("/accounts/<account_id>/reseller-profile", summary="Replace a reseller profile")
def put_reseller_profile(
    account_id: str, body: ResellerProfile, if_match: http.IfMatch = None
) -> Response[ResellerProfileOut]:
    profile = accounts.put_reseller_profile(http.principal(router), account_id, body, if_match)
    return http.respond(profile.value, version=profile.version)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
