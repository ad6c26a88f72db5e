"""template.yaml's edge of the API, read as data: who may sign in and for how long (the Cognito user pool).

Nothing here runs locally (the local gateway checks HS256 tokens and has no WAF): these tests are what
holds the deployed settings."""

from __future__ import annotations

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
