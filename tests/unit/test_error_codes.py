"""docs/error-codes.md lists exactly the codes of the enums, and API Gateway answers only those."""

import json
import re
from pathlib import Path

from infra import template
from reseller_billing.errors import ErrorCode, StockRejection, UsageFileFailure, UsageRejection

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs/error-codes.md"
ROW = re.compile(r"^\| `([a-z_]+)` \|", re.MULTILINE)


def _section(title: str) -> str:
    text = PAGE.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_page_lists_every_error_code_once():
    listed = ROW.findall(_section("Error codes"))
    assert sorted(listed) == sorted(code.value for code in ErrorCode)
    assert len(listed) == len(set(listed))


def test_the_page_lists_every_usage_rejection_once():
    listed = ROW.findall(_section("Usage rejections"))
    assert sorted(listed) == sorted(reason.value for reason in UsageRejection)


def test_the_page_lists_every_stock_rejection_and_usage_file_failure_once():
    assert ROW.findall(_section("SIM stock rejections")) == [reason.value for reason in StockRejection]
    assert ROW.findall(_section("Usage file failures")) == [failure.value for failure in UsageFileFailure]


def test_api_gateway_answers_only_known_codes():
    (api,) = template.of_type("AWS::Serverless::Api").values()
    answers = api["Properties"]["GatewayResponses"].values()
    codes = {json.loads(a["ResponseTemplates"]["application/json"])["error"]["code"] for a in answers}
    assert codes <= {code.value for code in ErrorCode}
