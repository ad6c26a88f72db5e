"""GET /accounts/{account_id}/documents (paged) and .../documents/csv: a period's issued invoices and credit notes."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from reseller_billing.api import http
from reseller_billing.logic import documents
from reseller_billing.models.common import IsoDate, Page
from reseller_billing.models.documents import AccountingDocument

router = Router()


Period = Annotated[IsoDate, Query(alias="from", description="First issue date, YYYY-MM-DD")]
PeriodEnd = Annotated[IsoDate, Query(description="Last issue date, YYYY-MM-DD (inclusive)")]


@router.get(
    "/accounts/<account_id>/documents",
    summary="Issued invoices and credit notes of a period (by issue date, type, number), for accounting",
)
def list_documents(
    account_id: str, from_: Period, to: PeriodEnd, limit: http.Limit = 50, cursor: http.Cursor = None
) -> Response[Page[AccountingDocument]]:
    return http.respond(documents.list_documents(account_id, from_, to, limit, cursor))


@router.get(
    "/accounts/<account_id>/documents/csv",
    summary="The same documents of a period as one CSV file",
    responses={200: {"description": "RFC 4180 CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_documents(account_id: str, from_: Period, to: PeriodEnd) -> Response[str]:
    body = documents.documents_csv(account_id, from_, to)
    disposition = f'attachment; filename="documents-{from_.isoformat()}-{to.isoformat()}.csv"'
    return Response(200, "text/csv; charset=utf-8", body, headers={"Content-Disposition": disposition})


app = http.create_app(router)
lambda_handler = http.http_handler(app)
