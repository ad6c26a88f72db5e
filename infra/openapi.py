"""The API's OpenAPI document, generated from the handlers' routes (all functions in one resolver).

.venv/bin/python -m infra.openapi --write docs/openapi.json
.venv/bin/python -m infra.openapi --check docs/openapi.json   # make test: fails when stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from infra import template
from reseller_billing.errors import ErrorCode

TITLE = "Reseller billing API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Accounts with reseller profiles (licensed add-on FT-3001.007), resellers' customers, price plans, "
    "products, SIMs and usage, billing runs and customer invoices. Errors are "
    '`{"error": {"code", "message", "details"}}`. Send an ID token of the Cognito user pool in '
    "`Authorization` (locally: an HS256 token minted by `python -m infra.local.tokens`)."
)


def _function_specs() -> list[dict[str, Any]]:
    # Each function's own resolver: including its router in a second resolver would re-bind the router
    # to that resolver (Powertools delegates a router's request state to the last app including it).
    specs = []
    for definition in template.functions().values():
        relative = definition.module_path.relative_to(template.ROOT).with_suffix("")
        module = importlib.import_module(".".join(relative.parts))
        app = getattr(module, "app", None)
        if isinstance(app, APIGatewayRestResolver):
            specs.append(json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION)))
    return specs


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {
                    "type": "string",
                    "enum": [code.value for code in ErrorCode],
                    "description": "Stable; what each means: docs/error-codes.md",
                },
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
ERRORS = {
    "400": "Malformed JSON or cursor",
    "401": "No token, or not a valid one",
    "403": "Role not allowed, or feature not licensed",
    "404": "Not found (also another tenant's resource)",
    "409": "Conflicts with the resource's state",
    "412": "If-Match names a version that is no longer current",
    "413": "Body over 1 MB",
    "415": "Body is not JSON",
    "422": "Invalid request",
}


def _with_error_answers(operation: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents its own 422 body; the service answers every error as `Error`."""
    responses = operation.setdefault("responses", {})
    for status, description in ERRORS.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return operation


@cache
def build_spec() -> dict[str, Any]:
    """One document for the whole API: the union of every function's paths and schemas."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for spec in _function_specs():
        for path, operations in spec.get("paths", {}).items():
            paths.setdefault(path, {}).update({m: _with_error_answers(op) for m, op in operations.items()})
        found = spec.get("components", {}).get("schemas", {})
        schemas.update({k: v for k, v in found.items() if not k.endswith("ValidationError")})
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }


def render() -> str:
    return json.dumps(build_spec(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    if args.write:
        args.write.write_text(render())
        return 0
    if not args.check.exists() or args.check.read_text() != render():
        print(f"{args.check} is stale: run `.venv/bin/python -m infra.openapi --write {args.check}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
