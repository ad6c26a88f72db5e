"""Regenerate the JSON Schema of `invoice.json` from the canonical invoice model.

The schema describes what `reseller_billing.rendering.raw.render_json` writes (serialization mode):
every field is present, and Decimal amounts and quantities are strings in fixed-point notation.
tests/unit/rendering/test_raw.py fails when the committed schema drifts from the model.

    .venv/bin/python -m infra.build.gen_invoice_schema
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from reseller_billing.models.invoice_document import SCHEMA_VERSION, InvoiceDocument

TARGET = (
    Path(__file__).resolve().parents[2] / f"layers/shared/reseller_billing/schemas/invoice-{SCHEMA_VERSION}.schema.json"
)
# What format(Decimal, "f") produces: an optional minus, no exponent, no leading zeros.
DECIMAL_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"


class InvoiceJsonSchema(GenerateJsonSchema):
    """Pydantic's generator, fitted to the canonical JSON: fixed-point decimals, no optional keys."""

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str:
        return DECIMAL_PATTERN

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        # render_json dumps every field, defaults and nulls included.
        return True


def invoice_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `invoice.json` at the model's SCHEMA_VERSION."""
    schema = InvoiceDocument.model_json_schema(mode="serialization", schema_generator=InvoiceJsonSchema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": TARGET.name,
        **schema,
    }


def render() -> str:
    """The schema file's text: two-space indents, UTF-8 as is, a final newline."""
    return json.dumps(invoice_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
