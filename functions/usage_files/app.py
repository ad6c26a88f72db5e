"""Usage files: POST /accounts/{account_id}/usage-files (an upload URL), GET .../usage-files/{file_id}."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from reseller_billing.api import http
from reseller_billing.api.idempotency import once_per_key
from reseller_billing.logic import usage_files
from reseller_billing.models.usage_files import UsageFile, UsageFileCreate, UsageFileUpload

router = Router()
BASE = "/accounts/<account_id>/usage-files"


@router.post(
    BASE,
    summary="Start a usage file upload",
    description=(
        "PUT the file (NDJSON, or CSV with the header record_id,iccid,service,quantity,occurred_at; up to 1 GB) "
        "to `upload_url` before `expires_at`; it is then ingested with the checks of POST .../usage. Follow "
        "its progress at the Location."
    ),
    responses={201: {"description": "Created"}},
)
def create_usage_file(
    account_id: str, body: UsageFileCreate, idempotency_key: http.IdempotencyKey = None
) -> Response[UsageFileUpload]:
    def create() -> Response[UsageFileUpload]:
        upload = usage_files.create_file(account_id, body)
        return http.respond(upload, HTTPStatus.CREATED, location=f"/accounts/{account_id}/usage-files/{upload.id}")

    route = f"POST /accounts/{account_id}/usage-files"
    return once_per_key(http.principal(router), route, idempotency_key, body.model_dump(mode="json"), create)


@router.get(f"{BASE}/<file_id>", summary="Read a usage file: status, counts, rejections")
def get_usage_file(account_id: str, file_id: str) -> UsageFile:
    return usage_files.get_file(account_id, file_id)


app = http.create_app(router)
lambda_handler = http.http_handler(app)
