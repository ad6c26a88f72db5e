"""Invoices: list, read, artefact links, and the preview of a customer's next invoice."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from reseller_billing.api import http
from reseller_billing.logic import invoices
from reseller_billing.models.common import IsoDate, Page
from reseller_billing.models.invoices import ArtifactLink, Invoice

router = Router()


@router.get("/accounts/<account_id>/invoices", summary="List issued invoices")
def list_invoices(
    account_id: str,
    customer_id: Annotated[str | None, Query(description="Only this customer's invoices")] = None,
    limit: http.Limit = 50,
    cursor: http.Cursor = None,
) -> Page[Invoice]:
    return invoices.list_invoices(account_id, customer_id, limit, cursor)


@router.get("/accounts/<account_id>/invoices/<invoice_id>", summary="Read an invoice with its lines")
def get_invoice(account_id: str, invoice_id: str) -> Response[Invoice]:
    return http.respond(invoices.get_invoice(account_id, invoice_id))


@router.get(
    "/accounts/<account_id>/invoices/<invoice_id>/artifacts/<name>",
    summary="A short-lived download link for an artefact (pdf, json, csv or xml)",
)
def get_artifact_link(
    account_id: str, invoice_id: str, name: Literal["pdf", "json", "csv", "xml"]
) -> Response[ArtifactLink]:
    return http.respond(invoices.artifact_link(account_id, invoice_id, name))


@router.get(
    "/accounts/<account_id>/customers/<customer_id>/invoice-preview",
    summary="The invoice a run on run_date would issue (nothing stored, no number)",
)
def preview_invoice(
    account_id: str,
    customer_id: str,
    run_date: Annotated[IsoDate, Query(description="YYYY-MM-DD, a run date of the reseller's cycles")],
) -> Response[Invoice]:
    return http.respond(invoices.preview_invoice(account_id, customer_id, run_date))


app = http.create_app(router)
lambda_handler = http.http_handler(app)
