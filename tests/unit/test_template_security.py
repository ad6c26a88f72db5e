"""template.yaml's security settings, read as data: least-privilege IAM per function (deletes only where a
use case needs them), private, encrypted, versioned, TLS-only buckets, encrypted queues, the cursor key's
secret, and short-lived presigned URLs for invoice artefacts. The API's edge (user pool, web ACL) is
tested in test_template_edge.py.

`make scan` (checkov) checks the template against a generic rule set; these tests hold the rules of this
service that a generic scanner cannot know (which functions only read, what the links' lifetime is)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra import template
from infra.template import properties
from reseller_billing.settings import Settings

MAX_PRESIGNED_SECONDS = 900
DATA_SERVICES = {"dynamodb", "s3", "sqs", "events", "secretsmanager"}
# Resource types whose !Ref is their ARN (for the others it is a name or URL).
REF_IS_ARN = {"AWS::SecretsManager::Secret"}
# IAM action names that change something start with one of these verbs (PutItem, UpdateItem, DeleteObject,
# BatchWriteItem, TransactWriteItems, SendMessage, PutEvents, CreateTable, ...).
WRITE_VERBS = (
    "Put",
    "Update",
    "Delete",
    "BatchWrite",
    "TransactWrite",
    "Write",
    "Create",
    "Send",
    "Publish",
    "Purge",
    "Restore",
    "Import",
    "Tag",
    "Untag",
    "Change",
    "Set",
    "Modify",
    "Start",
    "Stop",
    "Abort",
    "Replicate",
)
FUNCTIONS = sorted(template.of_type("AWS::Serverless::Function"))
API_FUNCTIONS = sorted(
    name for name, f in template.functions().items() if any(e["Type"] == "Api" for e in f.events.values())
)
BUCKETS = sorted(template.of_type("AWS::S3::Bucket"))
QUEUES = sorted(template.of_type("AWS::SQS::Queue"))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(function: str) -> list[dict[str, Any]]:
    """The IAM statements of a function's own Policies (inline documents only: see the test below)."""
    found = []
    for policy in as_list(properties(function).get("Policies", [])):
        if isinstance(policy, dict) and "Statement" in policy:
            found.extend(as_list(policy["Statement"]))
    return found


def allowed_actions(function: str) -> list[str]:
    return [
        action for s in statements(function) if s.get("Effect") == "Allow" for action in as_list(s.get("Action", []))
    ]


def is_write(action: str) -> bool:
    return action == "*" or action.split(":", 1)[-1].startswith(WRITE_VERBS)


def referenced_resource(resource: Any) -> str | None:
    """The logical id a statement's Resource is the ARN of (or a path under), or None for anything else."""
    if isinstance(resource, dict) and "Ref" in resource:
        name = resource["Ref"]
        kind = template.resources().get(name, {}).get("Type")
        return str(name) if kind in REF_IS_ARN else None
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        name, attribute = resource["Fn::GetAtt"]
        return str(name) if attribute == "Arn" else None
    if isinstance(resource, dict) and "Fn::Sub" in resource and isinstance(resource["Fn::Sub"], str):
        match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/.*)?", resource["Fn::Sub"])
        return match.group(1) if match else None
    return None


# ---------------------------------------------------------------- IAM


def test_the_template_has_functions():
    assert len(FUNCTIONS) >= 10, f"expected the service's functions in template.yaml, found {FUNCTIONS}"


def test_no_function_shares_a_role_or_inherits_policies():
    globals_ = template.document().get("Globals", {}).get("Function", {})
    assert "Policies" not in globals_, "Globals.Function.Policies would grant every function the same rights"
    assert "Role" not in globals_, "Globals.Function.Role would make every function share one role"
    shared = [f for f in FUNCTIONS if "Role" in properties(f)]
    assert not shared, f"{shared} name a Role instead of their own Policies (SAM then makes no per-function role)"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_its_own_explicit_policies(function):
    policies = as_list(properties(function).get("Policies", []))
    assert policies, f"{function} has no Policies: give it its own least-privilege statements"
    for policy in policies:
        inline = isinstance(policy, dict) and "Statement" in policy
        assert inline, (
            f"{function} uses {policy!r}: only inline statements, so that each grant is visible and checked here "
            "(managed policies and SAM policy templates grant more than one use case needs)"
        )
    assert allowed_actions(function), f"{function}'s Policies allow nothing"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_is_granted_a_wildcard_action(function):
    for action in allowed_actions(function):
        assert isinstance(action, str), f"{function}: action {action!r} is not a plain name"
        assert action != "*", f"{function} is allowed every action ('*')"
        assert ":" in action, f"{function}: action {action!r} names no service"
        assert "*" not in action, f"{function} is allowed {action!r}: name each action it calls, not a wildcard"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_data_actions_are_granted_on_the_stacks_own_resources_only(function):
    names = set(template.resources())
    for statement in statements(function):
        if statement.get("Effect") != "Allow":
            continue
        services = {str(a).split(":", 1)[0] for a in as_list(statement.get("Action", []))}
        if not services & DATA_SERVICES:
            continue
        resources = as_list(statement.get("Resource", []))
        assert resources, f"{function}: a statement allowing {sorted(services)} names no Resource"
        for resource in resources:
            assert resource != "*", f"{function} may call {sorted(services & DATA_SERVICES)} on every resource ('*')"
            target = referenced_resource(resource)
            assert target in names, (
                f"{function}: Resource {resource!r} is not the ARN of one of this stack's resources "
                "(!GetAtt X.Arn, !Sub '${X.Arn}/...' or !Ref of a secret)"
            )


def handler_routes(function: str) -> list[str]:
    """HTTP methods of the routes the function's code declares (@router.get(...), @app.post(...))."""
    source = template.functions()[function].module_path.read_text()
    return re.findall(r"^@\w+\.(get|post|put|patch|delete|head|options|route)\(", source, flags=re.MULTILINE)


def read_only_functions() -> set[str]:
    """Functions that only answer GETs: every event is an API GET, and the code declares only GET routes."""
    found = set()
    for name, definition in template.functions().items():
        events = list(definition.events.values())
        by_template = bool(events) and all(
            e["Type"] == "Api" and e["Properties"]["Method"].lower() == "get" for e in events
        )
        methods = handler_routes(name)
        by_code = bool(methods) and set(methods) == {"get"}
        assert by_template == by_code, f"{name}: template events and the handler's routes disagree on read-only"
        if by_template:
            found.add(name)
    return found


def test_the_read_only_functions_are_those_that_only_read():
    found = read_only_functions()
    assert {"ReadAccountsFunction", "InvoicesFunction"} <= found, f"read-only functions found: {sorted(found)}"
    assert "CreateAccountFunction" not in found


def test_read_only_functions_are_granted_no_write_action():
    for function in sorted(read_only_functions()):
        writes = [a for a in allowed_actions(function) if is_write(a)]
        assert not writes, f"{function} only answers GETs but may {writes}"


def test_write_actions_are_recognised():
    # The check above is only as good as is_write: it must see the writes this template does grant.
    assert all(is_write(a) for a in ("dynamodb:PutItem", "s3:PutObject", "sqs:SendMessage", "events:PutEvents"))
    assert not any(is_write(a) for a in ("dynamodb:GetItem", "dynamodb:Query", "s3:GetObject"))


# ---------------------------------------------------------------- DynamoDB deletes

# Powertools' idempotency records: one partition, written and (when a request fails) deleted by Powertools.
IDEMPOTENCY_PARTITION = "IDEMPOTENCY"
# Deletes a use case needs beyond those records, as dynamodb:LeadingKeys patterns. A price plan lives in
# its account's partition (ACCOUNT#<id>); IAM cannot name its sort key.
USE_CASE_DELETES = {"PricePlansFunction": ("ForAllValues:StringLike", ["ACCOUNT#*"])}


def deletes(action: str) -> bool:
    """DynamoDB actions that can remove items: DeleteItem, BatchWriteItem (puts and deletes), PartiQLDelete,
    and whole tables or backups (DeleteTable, DeleteBackup, ...)."""
    service, _, name = action.partition(":")
    return service == "dynamodb" and (name in ("*", "BatchWriteItem", "PartiQLDelete") or name.startswith("Delete"))


def delete_grants(function: str) -> list[dict[str, Any]]:
    return [
        s for s in statements(function) if s.get("Effect") == "Allow" and any(deletes(a) for a in as_list(s["Action"]))
    ]


def uses_idempotency_keys(function: str) -> bool:
    """The handler takes an `Idempotency-Key` (Powertools idempotency on the table)."""
    return "idempotency" in template.functions()[function].module_path.read_text().lower()


def test_deletes_are_recognised():
    assert all(deletes(a) for a in ("dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLDelete"))
    assert not any(deletes(a) for a in ("dynamodb:PutItem", "dynamodb:UpdateItem", "s3:DeleteObject"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_may_delete_only_idempotency_records_and_what_its_use_case_deletes(function):
    expected = []
    if uses_idempotency_keys(function):
        expected.append(("ForAllValues:StringEquals", [IDEMPOTENCY_PARTITION]))
    if function in USE_CASE_DELETES:
        expected.append(USE_CASE_DELETES[function])
    granted = []
    for statement in delete_grants(function):
        actions = as_list(statement["Action"])
        assert actions == ["dynamodb:DeleteItem"], (
            f"{function}: {actions} in one statement; grant dynamodb:DeleteItem in a statement of its own, "
            "restricted to the partitions it may delete in"
        )
        condition = statement.get("Condition", {})
        assert len(condition) == 1, f"{function}: DeleteItem with conditions {condition}, expected one on the keys"
        ((operator, keys),) = condition.items()
        assert set(keys) == {"dynamodb:LeadingKeys"}, f"{function}: DeleteItem not restricted by partition key"
        granted.append((operator, as_list(keys["dynamodb:LeadingKeys"])))
    assert sorted(granted) == sorted(expected), f"{function} may delete in {granted}, expected {expected}"


def test_the_price_plans_function_may_not_delete_in_nested_partitions():
    # ACCOUNT#* also matches ACCOUNT#<id>#CUSTOMER#<cid> (SIMs, usage) and ACCOUNT#<id>#BILLING_RUN#<rid>.
    denies = [
        s
        for s in statements("PricePlansFunction")
        if s.get("Effect") == "Deny"
        and "dynamodb:DeleteItem" in as_list(s["Action"])
        and s.get("Condition") == {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["ACCOUNT#*#*"]}}
    ]
    assert denies, "PricePlansFunction may delete in nested partitions (a customer's SIMs and usage, run pages)"
    assert denies[0]["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}


def test_the_idempotency_partition_is_the_one_powertools_writes():
    from reseller_billing.api import idempotency

    assert idempotency._persistence().static_pk_value == IDEMPOTENCY_PARTITION


def test_idempotency_keys_are_taken_by_the_functions_that_create():
    # The delete rule above keys on this: it must find the creating POSTs' handlers.
    found = {f for f in FUNCTIONS if uses_idempotency_keys(f)}
    assert {"CreateAccountFunction", "CustomersFunction", "PricePlansFunction"} <= found
    assert "ReadAccountsFunction" not in found


# ---------------------------------------------------------------- the cursor key


def cursor_key_secret() -> str:
    secrets = template.of_type("AWS::SecretsManager::Secret")
    assert list(secrets) == ["CursorSigningKeySecret"], f"secrets in the template: {sorted(secrets)}"
    return "CursorSigningKeySecret"


def test_the_cursor_key_is_64_random_characters_made_by_secrets_manager():
    props = properties(cursor_key_secret())
    assert "SecretString" not in props, "the key is in the template; let Secrets Manager generate it"
    generate = props["GenerateSecretString"]
    assert generate["PasswordLength"] == 64
    assert "SecretStringTemplate" not in generate, "the secret is the key itself, not a JSON document"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_only_the_api_functions_may_read_the_cursor_key(function):
    secret = {"Ref": cursor_key_secret()}
    variables = properties(function).get("Environment", {}).get("Variables", {})
    grants = [
        s for s in statements(function) if any(str(a).startswith("secretsmanager:") for a in as_list(s["Action"]))
    ]
    if function in API_FUNCTIONS:
        assert variables.get("CURSOR_KEY_SECRET_ARN") == secret, f"{function}: CURSOR_KEY_SECRET_ARN is not the secret"
        assert len(grants) == 1, f"{function}: {len(grants)} statements on secrets, expected one"
        assert grants[0]["Effect"] == "Allow"
        assert as_list(grants[0]["Action"]) == ["secretsmanager:GetSecretValue"]
        assert as_list(grants[0]["Resource"]) == [secret], f"{function} may read secrets other than the cursor key"
    else:
        assert "CURSOR_KEY_SECRET_ARN" not in variables, f"{function} is no API function but gets the cursor key"
        assert not grants, f"{function} is no API function but may read secrets"


def test_the_cursor_key_is_not_shared_through_globals():
    globals_ = template.document()["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    assert "CURSOR_KEY_SECRET_ARN" not in globals_, "Globals would hand the secret's ARN to every function"


# ---------------------------------------------------------------- S3


def test_the_artefacts_bucket_is_one_of_the_template_buckets():
    variables = template.document()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ARTIFACTS_BUCKET"] == {"Ref": "ArtifactsBucket"}
    assert "ArtifactsBucket" in BUCKETS


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_blocks_all_public_access(bucket):
    block = properties(bucket).get("PublicAccessBlockConfiguration", {})
    for setting in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
        assert block.get(setting) is True, f"{bucket}: PublicAccessBlockConfiguration.{setting} is not true"
    ownership = properties(bucket).get("OwnershipControls", {}).get("Rules", [])
    assert {"ObjectOwnership": "BucketOwnerEnforced"} in ownership, f"{bucket}: ACLs are not disabled"


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_is_encrypted_by_default(bucket):
    rules = properties(bucket).get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    algorithms = {rule.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for rule in rules} - {None}
    assert algorithms, f"{bucket} has no default encryption"
    assert algorithms <= {"AES256", "aws:kms", "aws:kms:dsse"}, f"{bucket}: unknown default encryption {algorithms}"


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_is_versioned_and_old_versions_expire(bucket):
    props = properties(bucket)
    assert props.get("VersioningConfiguration", {}).get("Status") == "Enabled", f"{bucket} is not versioned"
    rules = [r for r in props.get("LifecycleConfiguration", {}).get("Rules", []) if r.get("Status") == "Enabled"]
    days = [r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules if "NoncurrentVersionExpiration" in r]
    assert days, f"{bucket}: noncurrent versions never expire, so every overwrite is kept forever"


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_policy_denies_requests_without_tls(bucket):
    policies = [
        p["Properties"]["PolicyDocument"]
        for p in template.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    assert len(policies) == 1, f"{bucket} has {len(policies)} bucket policies, expected one"
    denies = [
        s
        for s in as_list(policies[0]["Statement"])
        if s.get("Effect") == "Deny"
        and s.get("Principal") in ("*", {"AWS": "*"})
        and "s3:*" in as_list(s.get("Action"))
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
    ]
    assert denies, f"{bucket}'s policy does not deny every request with aws:SecureTransport false"
    resources = as_list(denies[0]["Resource"])
    assert {"Fn::GetAtt": [bucket, "Arn"]} in resources, f"{bucket}: the TLS deny does not cover the bucket"
    assert {"Fn::Sub": f"${{{bucket}.Arn}}/*"} in resources, f"{bucket}: the TLS deny does not cover its objects"


def test_the_artefacts_bucket_logs_access():
    logging = properties("ArtifactsBucket").get("LoggingConfiguration", {})
    assert logging.get("DestinationBucketName") == {"Ref": "AccessLogBucket"}, "artefact downloads are not logged"


# ---------------------------------------------------------------- SQS


@pytest.mark.parametrize("queue", QUEUES)
def test_queue_is_encrypted_at_rest(queue):
    props = properties(queue)
    assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, f"{queue} is not encrypted"


# ---------------------------------------------------------------- presigned URLs


def test_the_template_gives_artefact_links_a_short_lifetime():
    functions_env = [
        (name, properties(name).get("Environment", {}).get("Variables", {}))
        for name in FUNCTIONS
        if "PRESIGNED_URL_TTL_SECONDS" in properties(name).get("Environment", {}).get("Variables", {})
    ]
    globals_env = template.document()["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    if "PRESIGNED_URL_TTL_SECONDS" in globals_env:
        functions_env.append(("Globals", globals_env))
    assert "InvoicesFunction" in dict(functions_env), "InvoicesFunction hands out links: set its lifetime explicitly"
    for name, variables in functions_env:
        seconds = int(variables["PRESIGNED_URL_TTL_SECONDS"])
        assert 0 < seconds <= MAX_PRESIGNED_SECONDS, f"{name}: presigned URLs live {seconds} s, over 900 s"


def test_the_default_lifetime_is_short(monkeypatch):
    monkeypatch.delenv("PRESIGNED_URL_TTL_SECONDS", raising=False)
    assert Settings.model_fields["presigned_url_ttl_seconds"].default <= MAX_PRESIGNED_SECONDS
    assert 0 < Settings.from_env().presigned_url_ttl_seconds <= MAX_PRESIGNED_SECONDS
