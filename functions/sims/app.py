"""A customer's SIMs: assign, list, read, and change status (with history)."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import sims
from reseller_billing.models.common import Page
from reseller_billing.models.sims import Sim, SimAssign, SimStatusChange

router = Router()
BASE = "/accounts/<account_id>/customers/<customer_id>/sims"


@router.post(BASE, summary="Assign a SIM to a customer", responses={201: {"description": "Created"}})
def assign_sim(
    account_id: str, customer_id: str, body: SimAssign, idempotency_key: http.IdempotencyKey = None
) -> Response[Sim]:
    def create() -> Response[Sim]:
        sim = sims.assign_sim(account_id, customer_id, body)
        return http.respond(
            sim.value,
            HTTPStatus.CREATED,
            version=sim.version,
            location=f"/accounts/{account_id}/customers/{customer_id}/sims/{sim.value.iccid}",
        )

    route = f"POST /accounts/{account_id}/customers/{customer_id}/sims"
    return once_per_key(http.principal(router), route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(BASE, summary="List a customer's SIMs")
def list_sims(account_id: str, customer_id: str, limit: http.Limit = 50, cursor: http.Cursor = None) -> Page[Sim]:
    return sims.list_sims(account_id, customer_id, limit, cursor)


@router.get(f"{BASE}/<iccid>", summary="Read a SIM with its status history")
def get_sim(account_id: str, customer_id: str, iccid: str) -> Response[Sim]:
    sim = sims.get_sim(account_id, customer_id, iccid)
    return http.respond(sim.value, version=sim.version)


@router.post(f"{BASE}/<iccid>/status", summary="Change a SIM's status from an effective date")
def change_sim_status(account_id: str, customer_id: str, iccid: str, body: SimStatusChange) -> Response[Sim]:
    sim = sims.change_sim_status(account_id, customer_id, iccid, body)
    return http.respond(sim.value, version=sim.version)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
