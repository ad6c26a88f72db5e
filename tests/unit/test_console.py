"""The console's delivery: what the local gateway serves (files, config.json, the local token endpoint,
Swagger UI without a CDN), the template's static site (private bucket, origin access control, one origin
for console and API, security headers equal to the local ones, the PKCE app client), and the deploy
script's upload."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import jwt
import pytest
from moto import mock_aws
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from infra import template
from infra.deploy_console import console_files, upload
from infra.local.pages import CONSOLE_DIR, SWAGGER_UI, SWAGGER_UI_DIR, Pages, content_security_policy, import_map_source

SECRET = "unit-secret"


def pages_client() -> Client:
    pages = Pages(SECRET, "FT-3001.007", artifacts_origin="http://127.0.0.1:5000")

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        answer = pages.serve(Request(environ)) or Response("api", status=418)
        return answer(environ, start_response)

    return Client(app)


def resource(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = template.resources()[name]["Properties"]
    return properties


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        found[name] = sources
    return found


# ---------------------------------------------------------------- local


def test_the_console_is_served_with_its_security_headers():
    client = pages_client()
    assert client.get("/console").headers["Location"] == "/console/"
    index = client.get("/console/")
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert index.headers["X-Frame-Options"] == "DENY"
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert index.headers["Referrer-Policy"] == "no-referrer"
    policy = directives(index.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", import_map_source()]
    assert policy["connect-src"] == ["'self'", "http://127.0.0.1:5000"]
    module = client.get("/console/vendor/preact/hooks.mjs")
    assert module.headers["Content-Type"].startswith("text/javascript")
    assert client.get("/console/../template.yaml").status_code == 404
    assert client.get("/console/%2e%2e/template.yaml").status_code == 404
    assert client.get("/console/no-such-file.js").status_code == 404
    assert client.get("/accounts").status_code == 418  # the API's


def test_config_json_says_local_sign_in_and_the_licences():
    assert json.loads(pages_client().get("/console/config.json").data) == {
        "auth": "local",
        "licensed_features": "FT-3001.007",
    }


def test_the_local_token_endpoint_mints_tokens_the_gateway_accepts():
    client = pages_client()
    answer = client.post("/_local/token", json={"role": "reseller", "account_id": "acc_1"})
    claims = jwt.decode(json.loads(answer.data)["token"], SECRET, algorithms=["HS256"])
    assert claims["cognito:groups"] == ["reseller"]
    assert claims["custom:account_id"] == "acc_1"
    operator = jwt.decode(
        json.loads(client.post("/_local/token", json={"role": "operator"}).data)["token"], SECRET, algorithms=["HS256"]
    )
    assert "custom:account_id" not in operator
    assert client.post("/_local/token", json={"role": "reseller"}).status_code == 422
    assert client.post("/_local/token", json={"role": "admin"}).status_code == 422
    assert client.post("/_local/token", data="not json").status_code == 422


def test_swagger_ui_comes_from_local_files():
    client = pages_client()
    page = client.get("/docs")
    assert page.status_code == 200
    assert "https://" not in SWAGGER_UI
    for asset in re.findall(r'(?:src|href)="(/docs/[^"]+)"', SWAGGER_UI):
        assert client.get(asset).status_code == 200, asset
    assert (SWAGGER_UI_DIR / "LICENSE").exists()


def test_the_console_loads_nothing_from_elsewhere():
    for path in CONSOLE_DIR.rglob("*"):
        if path.suffix in (".html", ".js", ".mjs", ".css"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"""(src|href|import|from)\s*=?\s*["'](https?:)?//""", text), path


# ---------------------------------------------------------------- AWS


def test_the_console_bucket_is_private_and_only_the_distribution_reads_it():
    bucket = resource("ConsoleBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    statements = resource("ConsoleBucketPolicy")["PolicyDocument"]["Statement"]
    (reader,) = [s for s in statements if s["Effect"] == "Allow"]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    assert "ConsoleDistribution" in json.dumps(reader["Condition"])
    (files,) = [
        o for o in resource("ConsoleDistribution")["DistributionConfig"]["Origins"] if o["Id"] == "ConsoleFiles"
    ]
    assert files["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}


def test_the_api_is_behind_the_same_distribution_uncached_with_the_callers_token():
    config = resource("ConsoleDistribution")["DistributionConfig"]
    (api,) = config["CacheBehaviors"]
    assert api["PathPattern"] == "/accounts*"
    assert all(route.path.startswith("/accounts") for route in template.api_routes())
    assert api["TargetOriginId"] == "Api"
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader
    assert set(api["AllowedMethods"]) >= {"GET", "POST", "PUT", "PATCH", "DELETE"}
    for behaviour in (config["DefaultCacheBehavior"], api):
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "ConsoleResponseHeadersPolicy"}


def test_the_security_headers_are_the_ones_the_local_console_runs_with():
    headers = resource("ConsoleResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    deployed = directives(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"])
    local = directives(content_security_policy(["http://127.0.0.1:5000"]))
    assert deployed.keys() == local.keys()
    for name, sources in local.items():
        keywords = [source for source in sources if not source.startswith("http")]
        assert [source for source in deployed[name] if not source.startswith("http")] == keywords, name
    assert deployed["script-src"] == ["'self'", import_map_source()], "console/index.html's import map changed"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_the_console_may_upload_usage_files_and_read_their_rejections_from_the_uploads_bucket():
    """The browser PUTs a usage file to its presigned URL and reads the rejections file through its own:
    the uploads bucket answers CloudFront origins with CORS, and the console's CSP lets it connect there."""
    (rule,) = resource("UsageUploadsBucket")["CorsConfiguration"]["CorsRules"]
    assert set(rule["AllowedMethods"]) == {"PUT", "GET"}
    assert rule["AllowedOrigins"] == ["https://*.cloudfront.net"]
    headers = resource("ConsoleResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    connect = directives(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"])["connect-src"]
    assert "https://${UsageUploadsBucket.DomainName}" in connect
    assert "https://${UsageUploadsBucket.RegionalDomainName}" in connect


def test_the_console_signs_in_with_the_authorization_code_and_pkce_on_its_own_domain():
    client = resource("ConsoleUserPoolClient")
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert "openid" in client["AllowedOAuthScopes"]
    assert "custom:account_id" in client["ReadAttributes"]
    assert "custom:account_id" not in client["WriteAttributes"]
    for urls in (client["CallbackURLs"], client["LogoutURLs"]):
        assert urls == [{"Fn::Sub": "https://${ConsoleDistribution.DomainName}/console/"}]
    config = template.document()["Outputs"]["ConsoleConfig"]["Value"]["Fn::Sub"]
    assert json.loads(re.sub(r"\$\{[^}]+\}", "x", config))["auth"] == "cognito"


def test_nothing_local_is_deployed():
    text = template.TEMPLATE.read_text()
    assert "_local" not in text
    assert "LOCAL_JWT_SECRET" not in text


# ---------------------------------------------------------------- deploy


def test_deploy_puts_the_console_and_its_config_and_removes_old_files():
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="console", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket="console", Key="console/screens/gone.js", Body=b"old")
        s3.put_object(Bucket="console", Key="elsewhere/kept.txt", Body=b"not ours")
        config = {"auth": "cognito", "sign_in": [], "licensed_features": ""}
        keys = upload(s3, "console", config)
        stored = {item["Key"] for item in s3.list_objects_v2(Bucket="console")["Contents"]}
        assert stored == {*keys, "elsewhere/kept.txt"}
        assert "console/index.html" in keys
        assert json.loads(s3.get_object(Bucket="console", Key="console/config.json")["Body"].read()) == config
        module = s3.head_object(Bucket="console", Key="console/app.js")
        assert module["ContentType"] == "text/javascript"
        assert module["CacheControl"] == "no-cache"


@pytest.mark.parametrize(
    "name", ["index.html", "app.js", "styles.css", "vendor/preact/preact.mjs", "vendor/htm/LICENSE"]
)
def test_deploy_ships_the_console_files(name):
    assert f"console/{name}" in {item.key for item in console_files()}
