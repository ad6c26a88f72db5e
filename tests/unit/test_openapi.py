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
