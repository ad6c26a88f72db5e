"""Credit notes: POST .../invoices/{invoice_id}/credit-notes, GET .../credit-notes (list, one, artefact links)."""

from http import HTTPStatus
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import credit_notes
from reseller_billing.models.common import Page
from reseller_billing.models.credit_notes import CreditNote, CreditNoteCreate
from reseller_billing.models.invoices import ArtifactLink

router = Router()
BASE = "/accounts/<account_id>/credit-notes"


@router.post(
    "/accounts/<account_id>/invoices/<invoice_id>/credit-notes",
    summary="Credit an issued invoice, in full (no lines) or per line",
    responses={201: {"description": "Issued"}},
)
def create_credit_note(
    account_id: str, invoice_id: str, body: CreditNoteCreate, idempotency_key: http.IdempotencyKey = None
) -> Response[CreditNote]:
    caller = http.principal(router)
    # The key names the credit note: a retry after a crash finishes the one the first attempt numbered.
    request_key = None if idempotency_key is None else f"{caller.subject}\n{idempotency_key}"

    def create() -> Response[CreditNote]:
        note = credit_notes.create_credit_note(account_id, invoice_id, body, request_key)
        return http.respond(
            note.as_credit_note(), HTTPStatus.CREATED, location=f"/accounts/{account_id}/credit-notes/{note.id}"
        )

    route = f"POST /accounts/{account_id}/invoices/{invoice_id}/credit-notes"
    return once_per_key(caller, route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(BASE, summary="List issued credit notes")
def list_credit_notes(
    account_id: str,
    invoice_id: Annotated[str | None, Query(description="Only this invoice's credit notes")] = None,
    customer_id: Annotated[str | None, Query(description="Only this customer's credit notes")] = None,
    limit: http.Limit = 50,
    cursor: http.Cursor = None,
) -> Page[CreditNote]:
    return credit_notes.list_credit_notes(account_id, customer_id, invoice_id, limit, cursor)


@router.get(f"{BASE}/<credit_note_id>", summary="Read a credit note with its lines")
def get_credit_note(account_id: str, credit_note_id: str) -> Response[CreditNote]:
    return http.respond(credit_notes.get_credit_note(account_id, credit_note_id))


@router.get(
    f"{BASE}/<credit_note_id>/artifacts/<name>",
    summary="A short-lived download link for a credit note's artefact (pdf, json, csv or xml)",
)
def get_artifact_link(
    account_id: str, credit_note_id: str, name: Literal["pdf", "json", "csv", "xml"]
) -> Response[ArtifactLink]:
    return http.respond(credit_notes.artifact_link(account_id, credit_note_id, name))


app = http.create_app(router)
lambda_handler = http.http_handler(app)
