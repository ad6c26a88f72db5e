"""template.yaml read as data, so the local stack and the tests use the deployable definitions
(table keys and indexes, queues and their redrive, API routes and handlers) instead of copies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt ...) read as their long form."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def document() -> dict[str, Any]:
    """template.yaml, parsed."""
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)  # noqa: S506
    return loaded


def resources() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = document()["Resources"]
    return found


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources().items() if r["Type"] == resource_type}


def properties(name: str) -> dict[str, Any]:
    """The Properties of resource `name` (empty if it has none)."""
    props: dict[str, Any] = resources()[name].get("Properties", {})
    return props


def table_definition() -> dict[str, Any]:
    """CreateTable arguments of the service's table, from template.yaml."""
    (table,) = of_type("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    return {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "GlobalSecondaryIndexes": props.get("GlobalSecondaryIndexes", []),
        "BillingMode": props["BillingMode"],
    }


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str  # as in the template: /accounts/{account_id}
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class FunctionDefinition:
    name: str
    module_path: Path  # functions/<use_case>/app.py
    handler: str  # attribute of the module
    events: dict[str, dict[str, Any]]
    timeout_seconds: int  # the function's Timeout, else the Globals' (Lambda's default: 3 s)


def functions() -> dict[str, FunctionDefinition]:
    found = {}
    default_timeout = document().get("Globals", {}).get("Function", {}).get("Timeout", 3)
    for name, resource in of_type("AWS::Serverless::Function").items():
        props = resource["Properties"]
        module, handler = props["Handler"].rsplit(".", 1)
        found[name] = FunctionDefinition(
            name=name,
            module_path=ROOT / props["CodeUri"] / f"{module}.py",
            handler=handler,
            events=props.get("Events", {}),
            timeout_seconds=int(props.get("Timeout", default_timeout)),
        )
    return found


def api_routes() -> list[Route]:
    """Every Api event of every function: what API Gateway would route where."""
    routes = []
    for function in functions().values():
        for event in function.events.values():
            if event["Type"] != "Api":
                continue
            path = event["Properties"]["Path"]
            regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$"
            routes.append(Route(function.name, event["Properties"]["Method"].upper(), path, re.compile(regex)))
    return routes


def queue_of(function_name: str) -> str | None:
    """The logical name of the SQS queue that triggers `function_name`, if any."""
    for event in functions()[function_name].events.values():
        if event["Type"] == "SQS":
            queue: str = event["Properties"]["Queue"]["Fn::GetAtt"][0]
            return queue
    return None


def sqs_batch_size(function_name: str) -> int:
    for event in functions()[function_name].events.values():
        if event["Type"] == "SQS":
            return int(event["Properties"].get("BatchSize", 10))
    return 10
