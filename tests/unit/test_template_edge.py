"""template.yaml's edge of the API, read as data: who may sign in and for how long (the Cognito user pool)
and what reaches the functions at all (the web ACL on the API stage).

Nothing here runs locally (the local gateway checks HS256 tokens and has no WAF): these tests are what
holds the deployed settings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra import template
from infra.template import properties

# ---------------------------------------------------------------- Cognito

MAX_TOKEN_MINUTES = 15
MINUTES_PER_UNIT = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 24 * 60}
POOLS = sorted(template.of_type("AWS::Cognito::UserPool"))
CLIENTS = sorted(template.of_type("AWS::Cognito::UserPoolClient"))


def pool_of(resource: str) -> str:
    ref = properties(resource)["UserPoolId"]
    assert set(ref) == {"Ref"}, f"{resource}: UserPoolId {ref!r} is not one of this stack's pools"
    return str(ref["Ref"])


def group_pool(group_name: str) -> str:
    (pool,) = [
        pool_of(g) for g in template.of_type("AWS::Cognito::UserPoolGroup") if properties(g)["GroupName"] == group_name
    ]
    return pool


def token_minutes(client: dict[str, Any], token: str) -> float:
    """A client's token lifetime; Cognito's defaults apply where the template says nothing (60 minutes, in
    hours unless TokenValidityUnits names another unit)."""
    unit = client.get("TokenValidityUnits", {}).get(token, "hours")
    return float(client.get(f"{token}Validity", 1 if unit == "hours" else 60)) * MINUTES_PER_UNIT[unit]


def test_operators_must_sign_in_with_an_authenticator_app():
    pool = properties(group_pool("operator"))
    # "ON", quoted: YAML reads a bare ON as true, which CloudFormation refuses.
    assert pool.get("MfaConfiguration") == "ON", "operators can sign in without MFA"
    assert pool.get("EnabledMfas") == ["SOFTWARE_TOKEN_MFA"], "operators' MFA is not TOTP (authenticator app)"


@pytest.mark.parametrize("pool", POOLS)
def test_user_pool_enforces_threat_protection(pool):
    props = properties(pool)
    assert props.get("UserPoolAddOns", {}).get("AdvancedSecurityMode") == "ENFORCED", f"{pool}: threat protection off"
    assert props.get("UserPoolTier") == "PLUS", f"{pool}: threat protection needs the Plus feature plan"


@pytest.mark.parametrize("pool", POOLS)
def test_a_new_email_address_takes_effect_only_once_verified(pool):
    props = properties(pool)
    assert "email" in props.get("UsernameAttributes", []), f"{pool}: users do not sign in with their e-mail"
    assert "email" in props.get("AutoVerifiedAttributes", []), f"{pool}: e-mail addresses are not verified"
    pending = props.get("UserAttributeUpdateSettings", {}).get("AttributesRequireVerificationBeforeUpdate", [])
    assert "email" in pending, f"{pool}: a user can change the e-mail they sign in with without verifying it"


@pytest.mark.parametrize("client", CLIENTS)
def test_tokens_are_short_lived(client):
    for token in ("IdToken", "AccessToken"):
        minutes = token_minutes(properties(client), token)
        assert minutes <= MAX_TOKEN_MINUTES, f"{client}: {token} lives {minutes:g} minutes, over {MAX_TOKEN_MINUTES}"


def test_token_lifetimes_are_read_with_cognitos_defaults():
    # The test above is only as good as token_minutes: without settings, Cognito's tokens live an hour.
    assert token_minutes({}, "IdToken") == 60
    assert token_minutes({"IdTokenValidity": 1}, "IdToken") == 60
    assert token_minutes({"IdTokenValidity": 15, "TokenValidityUnits": {"IdToken": "minutes"}}, "IdToken") == 15
    assert (
        token_minutes({"AccessTokenValidity": 900, "TokenValidityUnits": {"AccessToken": "seconds"}}, "AccessToken")
        == 15
    )


@pytest.mark.parametrize("client", CLIENTS)
def test_users_cannot_write_their_account_id(client):
    props = properties(client)
    assert "WriteAttributes" in props, f"{client}: without WriteAttributes users may write every attribute"
    assert "custom:account_id" not in props["WriteAttributes"], f"{client}: users may change their account"
    has_account = any(a["Name"] == "account_id" for a in properties(pool_of(client)).get("Schema", []))
    if has_account:
        # The API reads the reseller's account from the ID token: the client must be allowed to read it.
        assert "custom:account_id" in props.get("ReadAttributes", []), f"{client}: ID tokens lack custom:account_id"


def test_the_api_takes_the_tokens_of_the_pool_that_holds_the_roles():
    auth = properties("Api")["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    # SAM's Cognito authorizer takes one pool: operators and reseller users must share it.
    assert group_pool("operator") == group_pool("reseller"), "the API's one authorizer cannot take both pools"
    assert authorizer["UserPoolArn"] == {"Fn::GetAtt": [group_pool("operator"), "Arn"]}


# ---------------------------------------------------------------- web ACL (WAF)

CRS = "AWSManagedRulesCommonRuleSet"
SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"


def web_acl() -> tuple[str, dict[str, Any]]:
    acls = template.of_type("AWS::WAFv2::WebACL")
    assert len(acls) == 1, f"expected one web ACL, found {sorted(acls)}"
    ((name, acl),) = acls.items()
    return name, acl["Properties"]


def rule(name: str) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {r["Name"]: r for r in web_acl()[1]["Rules"]}
    assert name in rules, f"the web ACL has no rule {name}; it has {sorted(rules)}"
    return rules[name]


def managed_group(rule_: dict[str, Any]) -> str | None:
    statement = rule_["Statement"].get("ManagedRuleGroupStatement")
    return f"{statement['VendorName']}/{statement['Name']}" if statement else None


def test_the_web_acl_protects_the_api_stage():
    name, acl = web_acl()
    assert acl["Scope"] == "REGIONAL", "a REST API stage takes a REGIONAL web ACL"
    associations = [a["Properties"] for a in template.of_type("AWS::WAFv2::WebACLAssociation").values()]
    assert [a["WebACLArn"] for a in associations] == [{"Fn::GetAtt": [name, "Arn"]}]
    arn = associations[0]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("::/restapis/${Api}/stages/${Api.Stage}"), f"the web ACL is associated with {arn}"


def test_the_web_acl_runs_the_aws_managed_rule_groups():
    rules = web_acl()[1]["Rules"]
    groups = {managed_group(r): r for r in rules if managed_group(r)}
    assert {f"AWS/{CRS}", "AWS/AWSManagedRulesKnownBadInputsRuleSet"} <= set(groups)
    for group, rule_ in groups.items():
        # Count here would make the whole group only count.
        assert rule_["OverrideAction"] == {"None": {}}, f"{group} is overridden to {rule_['OverrideAction']}"


def test_only_the_body_size_rule_of_the_common_rule_set_is_relaxed():
    overrides = rule(CRS)["Statement"]["ManagedRuleGroupStatement"].get("RuleActionOverrides", [])
    assert overrides == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]


def large_body_rule() -> dict[str, Any]:
    """The rule that blocks what SizeRestrictions_BODY only counts, outside the routes that take large bodies."""
    found: list[dict[str, Any]] = []
    for rule_ in web_acl()[1]["Rules"]:
        parts = rule_["Statement"].get("AndStatement", {}).get("Statements", [])
        labels = [p["LabelMatchStatement"] for p in parts if "LabelMatchStatement" in p]
        if {"Scope": "LABEL", "Key": SIZE_LABEL} in labels:
            found.append(rule_)
    assert len(found) == 1, "no rule (or more than one) blocks the SizeRestrictions_Body label"
    return found[0]


def large_body_paths() -> re.Pattern[str]:
    parts = large_body_rule()["Statement"]["AndStatement"]["Statements"]
    (exempt,) = [p["NotStatement"]["Statement"]["RegexMatchStatement"] for p in parts if "NotStatement" in p]
    assert exempt["FieldToMatch"] == {"UriPath": {}}
    return re.compile(exempt["RegexString"])


def test_bodies_over_8_kb_are_blocked_after_the_common_rule_set_labels_them():
    rule_ = large_body_rule()
    assert "Block" in rule_["Action"], f"the body-size rule does not block: {rule_['Action']}"
    assert rule_["Priority"] > rule(CRS)["Priority"], "labels are visible only to rules evaluated after the group"


@pytest.mark.parametrize(
    ("path", "large"),
    [
        ("/dev/accounts/a1/usage", True),
        ("/accounts/a1/usage", True),
        ("/dev/accounts/a1/price-plans", True),
        ("/dev/accounts/a1/price-plans/p1", True),
        ("/dev/accounts/a1/sim-stock", True),
        ("/dev/accounts/a1/customers/c1/sim-batches", True),
        ("/dev/accounts/a1/sim-stock/allocations/x", False),
        ("/dev/accounts/a1/usage-files", False),
        ("/dev/accounts/a1", False),
        ("/dev/accounts/a1/customers", False),
        ("/dev/accounts/a1/customers/c1/sims", False),
        ("/dev/accounts/a1/products/p1", False),
        ("/dev/accounts/a1/usage/more", False),
        ("/dev/accounts/a1/billing-runs", False),
    ],
)
def test_only_usage_batches_stock_sim_batches_and_price_plans_may_send_bodies_over_8_kb(path, large):
    assert bool(large_body_paths().search(path)) is large, f"{path}: large bodies allowed is not {large}"


def test_the_large_body_routes_are_routes_of_the_api():
    pattern = large_body_paths()
    matched = {(r.method, r.path) for r in template.api_routes() if pattern.search(r.path)}
    assert ("POST", "/accounts/{account_id}/usage") in matched
    assert ("POST", "/accounts/{account_id}/price-plans") in matched
    assert ("POST", "/accounts/{account_id}/sim-stock") in matched
    assert ("POST", "/accounts/{account_id}/customers/{customer_id}/sim-batches") in matched


def test_each_caller_has_its_own_rate_limit():
    statement = rule("RatePerCaller")["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "CUSTOM_KEYS"
    keys = statement["CustomKeys"]
    assert [k["Header"]["Name"].lower() for k in keys if "Header" in k] == ["authorization"], f"keyed on {keys}"
    assert len(keys) == 1, f"the per-caller budget is split further by {keys}"
    parameter = template.document()["Parameters"][statement["Limit"]["Ref"]]
    assert parameter["Type"] == "Number"
    assert 10 <= parameter["MinValue"] <= parameter["Default"], "WAF's rate limits start at 10 requests"


@pytest.mark.parametrize("name", ["RatePerCaller", "RatePerIp"])
def test_rate_rules_answer_429_in_the_apis_error_format(name):
    _, acl = web_acl()
    response = rule(name)["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"])["error"]["code"] == "throttled"


def test_rules_have_distinct_priorities():
    priorities = [r["Priority"] for r in web_acl()[1]["Rules"]]
    assert len(priorities) == len(set(priorities)), f"rule priorities {priorities}"


def test_waf_logs_go_to_a_waf_log_group_without_the_token():
    name, _ = web_acl()
    (logging,) = [c["Properties"] for c in template.of_type("AWS::WAFv2::LoggingConfiguration").values()]
    assert logging["ResourceArn"] == {"Fn::GetAtt": [name, "Arn"]}
    ((group, _),) = [d["Fn::GetAtt"] for d in logging["LogDestinationConfigs"]]
    assert properties(group)["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-"), "WAF logs only to aws-waf-logs-*"
    redacted = [f["SingleHeader"]["Name"].lower() for f in logging.get("RedactedFields", []) if "SingleHeader" in f]
    assert "authorization" in redacted, "WAF logs would hold callers' bearer tokens"
