"""The published OpenAPI document: generated from the handlers, valid, and naming every route."""

import json
from pathlib import Path

from openapi_spec_validator import validate

from infra import template
from infra.openapi import build_spec, render

DOCUMENT = Path(__file__).resolve().parents[2] / "docs/openapi.json"


def test_the_committed_document_is_what_the_code_generates():
    assert DOCUMENT.read_text() == render()


def test_it_is_a_valid_openapi_document():
    validate(json.loads(DOCUMENT.read_text()))


def test_every_route_of_the_template_is_documented_with_the_error_shape():
    paths = build_spec()["paths"]
    for route in template.api_routes():
        operation = paths[route.path][route.method.lower()]
        assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_schemas_use_json_schema_keywords_not_pydantics():
    """`ge`/`le` are pydantic's names: a validator placed before a Field leaks them into the document,
    where no client or fuzzer understands them (JSON Schema says `minimum`/`maximum`)."""
    leaked: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            leaked.extend(f"{where}.{key}" for key in ("ge", "le", "gt", "lt", "strict") if key in node)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(json.loads(DOCUMENT.read_text())["components"]["schemas"], "schemas")
    assert leaked == []
