"""The console's promises besides the story: tenants stay apart, the licence shows, the hosted sign-in
(authorization code with PKCE) works, a usage file's upload can be sent again, a refused credit-note line is
shown at its line, forms work from the keyboard, and /docs renders with no network."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Request, Route, expect

from infra.local.tokens import mint
from tests.browser.conftest import Browsing
from tests.browser.console import Console, file
from tests.support import factories
from tests.support.api import Api, HttpTransport, wait_for_run
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid
from tests.support.stack import RunningStack

pytestmark = pytest.mark.xdist_group("browser")

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}


def operator_api(stack: RunningStack) -> Api:
    return Api(HttpTransport(stack.url)).as_operator()


def test_a_reseller_sees_nothing_of_another_tenant(stack: RunningStack, browsing: Browsing):
    operator = operator_api(stack)
    ours = operator.post("/accounts", factories.reseller_account(name="Ours Telematik GmbH")).json
    theirs = operator.post("/accounts", factories.reseller_account(name="Theirs Connect Ltd")).json
    secret = operator.post(
        f"/accounts/{theirs['id']}/customers", factories.customer("T-1", name="Secret Customer Ltd")
    ).json

    console = Console(browsing.new_page(), stack.url)
    console.sign_in_as_reseller("Ours Telematik GmbH")
    main = console.page.get_by_role("main")
    for route in (
        f"/accounts/{theirs['id']}",
        f"/accounts/{theirs['id']}/customers",
        f"/accounts/{theirs['id']}/customers/{secret['id']}",
        f"/accounts/{theirs['id']}/invoices",
        f"/accounts/{theirs['id']}/credit-notes",
        f"/accounts/{theirs['id']}/documents",
        f"/accounts/{theirs['id']}/sim-stock",
        f"/accounts/{theirs['id']}/usage",
        f"/accounts/{ours['id']}/customers/{secret['id']}",
        "/accounts",
        "/accounts/new",
    ):
        console.open(route)
        console.heading("Not found")
        expect(main).to_contain_text("or it is not yours to see")
        expect(main).not_to_contain_text("Theirs Connect")
        expect(main).not_to_contain_text("Secret Customer")

    console.open(f"/accounts/{ours['id']}/customers")
    console.heading("Customers")
    expect(main).to_contain_text("No customers yet.")


@pytest.fixture(scope="module")
def unlicensed_stack():
    running = RunningStack(licensed_features="")
    yield running
    assert running.stop() == 0


def test_without_the_licence_the_reseller_type_is_offered_disabled_with_the_reason(
    unlicensed_stack: RunningStack, browsing: Browsing
):
    console = Console(browsing.new_page(), unlicensed_stack.url)
    console.sign_in_as_operator()
    console.page.get_by_role("link", name="New account").click()
    console.heading("New account")
    account_type = console.page.get_by_label("Account type")
    expect(account_type.get_by_role("option", name="Reseller (not licensed)")).to_be_disabled()
    expect(account_type.get_by_role("option", name="Standard")).to_be_enabled()
    expect(
        console.page.get_by_text(re.compile("licensed add-on FT-3001.007 .Define Account as Reseller."))
    ).to_be_visible()
    expect(console.page.get_by_role("group", name="Reseller Profile")).to_have_count(0)


def b64url_sha256(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).decode().rstrip("=")


def test_hosted_sign_in_uses_the_authorization_code_with_pkce(stack: RunningStack, browsing: Browsing):
    """Cognito's hosted sign-in, played by routes in the browser: the console sends a S256 code challenge,
    trades the code and its verifier for tokens, renews an ID token about to expire with the refresh token,
    calls the API with the ID token, and at sign-out revokes the refresh token and signs out there."""
    domain = "https://auth.example.test"
    client_id = "console-client"
    page = browsing.new_page()
    seen: dict[str, Any] = {}

    def config(route: Route) -> None:
        sign_in = [{"label": "Platform users", "domain": domain, "client_id": client_id}]
        route.fulfill(json={"auth": "cognito", "sign_in": sign_in, "licensed_features": "FT-3001.007"})

    def console_page(route: Route) -> None:
        # As CloudFront serves it in AWS: the sign-in domain is in the policy's connect-src.
        answer = route.fetch()
        policy = answer.headers["content-security-policy"].replace("connect-src 'self'", f"connect-src 'self' {domain}")
        route.fulfill(response=answer, headers={**answer.headers, "content-security-policy": policy})

    def authorize(route: Route, request: Request) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))
        seen["authorize"] = query
        back = f"{query['redirect_uri']}?code=the-code&state={query['state']}"
        # The user signs in there and is sent back (a script, not a 302: routes do not see a redirect's request).
        route.fulfill(content_type="text/html", body=f"<script>location.replace({json.dumps(back)})</script>")

    def token(route: Route, request: Request) -> None:
        form = dict(urllib.parse.parse_qsl(request.post_data or ""))
        seen.setdefault("token", []).append(form)
        if form["grant_type"] == "authorization_code":
            assert b64url_sha256(form["code_verifier"]) == seen["authorize"]["code_challenge"]
            ttl = 30  # under a minute left: the console renews it before its next API call
        else:
            assert form["refresh_token"] == "the-refresh-token"
            ttl = 900
        id_token = mint("operator", subject="cognito-operator", ttl=ttl, secret="local-dev-secret")
        answer = {"id_token": id_token, "access_token": "not-used", "token_type": "Bearer", "expires_in": ttl}
        if form["grant_type"] == "authorization_code":
            answer["refresh_token"] = "the-refresh-token"
        route.fulfill(json=answer, headers={"access-control-allow-origin": stack.url})

    def revoke(route: Route, request: Request) -> None:
        seen["revoke"] = dict(urllib.parse.parse_qsl(request.post_data or ""))
        route.fulfill(body="", headers={"access-control-allow-origin": stack.url})

    page.route(re.compile(r"/console/config\.json$"), config)
    page.route(re.compile(r"/console/(\?.*)?$"), console_page)
    page.route(re.compile(r"^https://auth\.example\.test/oauth2/authorize\?"), authorize)
    page.route(re.compile(r"^https://auth\.example\.test/oauth2/token$"), token)
    page.route(re.compile(r"^https://auth\.example\.test/oauth2/revoke$"), revoke)
    page.route(re.compile(r"^https://auth\.example\.test/logout\?"), lambda route: route.fulfill(body="signed out"))

    console = Console(page, stack.url)
    console.open()
    page.get_by_role("button", name="Sign in: Platform users").click()
    console.heading("Accounts")
    expect(page.get_by_role("banner")).to_contain_text("Operator")
    expect(page.get_by_role("banner")).not_to_contain_text("local")
    assert "code=" not in page.url

    authorize_query = seen["authorize"]
    assert authorize_query["response_type"] == "code"
    assert authorize_query["client_id"] == client_id
    assert authorize_query["code_challenge_method"] == "S256"
    assert authorize_query["redirect_uri"] == f"{stack.url}/console/"
    assert set(authorize_query["scope"].split()) >= {"openid"}
    exchange, renewal = seen["token"]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code"] == "the-code"
    assert exchange["client_id"] == client_id
    assert exchange["redirect_uri"] == f"{stack.url}/console/"
    assert renewal == {"grant_type": "refresh_token", "refresh_token": "the-refresh-token", "client_id": client_id}

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"^https://auth\.example\.test/logout\?"))
    assert seen["revoke"] == {"token": "the-refresh-token", "client_id": client_id}
    logout = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert logout == {"client_id": client_id, "logout_uri": f"{stack.url}/console/"}


def test_a_cut_off_usage_upload_is_sent_again_and_a_refused_file_says_why(stack: RunningStack, browsing: Browsing):
    """Routes play two failures: the API is unavailable when the upload is first asked for, then the PUT of
    the file to its presigned URL is cut off. Each time the page says so and keeps the file chosen; the
    third attempt PUTs to the same upload URL as the second (one usage file made). The file's CSV header is
    wrong, so the real ingestion refuses it, and its page says why."""
    operator = operator_api(stack)
    operator.post("/accounts", factories.reseller_account(name="Upload Mobility SE"))
    console = Console(browsing.new_page(), stack.url)
    page = console.page
    console.sign_in_as_reseller("Upload Mobility SE")
    asked: list[str] = []
    puts: list[str] = []

    def ask(route: Route, request: Request) -> None:
        asked.append(request.headers["idempotency-key"])
        if len(asked) == 1:
            route.fulfill(
                status=503, json={"error": {"code": "service_unavailable", "message": "try again", "details": []}}
            )
        else:
            route.continue_()

    def upload(route: Route, request: Request) -> None:
        puts.append(request.url)
        if len(puts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/usage-files$"), ask)
    page.route(re.compile(r"/uploads/"), upload)
    header = "id,iccid,service,quantity,occurred_at"  # "id", not "record_id"
    lines = [header] + [f"r-{n},{iccid(n)},DATA,1,2026-10-20T08:00:00Z" for n in range(3)]
    console.tab("Usage")
    expect(page.get_by_text("None yet.")).to_be_visible()
    page.get_by_label("Usage file").set_input_files(file("october.csv", "text/csv", "\r\n".join(lines)))
    expect(page.get_by_label("Format")).to_have_value("csv")
    button = page.get_by_role("button", name=re.compile(r"^Upload october\.csv"))
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("Try again")
    expect(page.get_by_role("alert")).to_contain_text("The file is still chosen")
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("The upload was cut off")
    button.click()
    console.heading("Usage file october.csv")
    expect(page.locator(".run-status .badge")).to_have_text("failed", timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("The CSV file does not start with the header")
    assert len(asked) == 2  # refused, then made; the cut-off upload went again to the same URL
    assert asked[0] != asked[1]  # a refused request's key is not reused
    assert len(puts) == 2
    assert puts[0] == puts[1]


def test_a_refused_credit_note_line_is_shown_at_its_line_and_nothing_typed_is_lost(
    stack: RunningStack, browsing: Browsing
):
    operator = operator_api(stack)
    catalog = build_catalog(operator, name="Kredit Sensorik GmbH")
    me = Api(HttpTransport(stack.url)).as_reseller(catalog.account_id)
    created(catalog.assign(me, iccid(70_000), "2026-10-10"))
    started = me.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert wait_for_run(me, f"{catalog.base}/billing-runs/{started.json['id']}")["issued"] == 1
    (invoice,) = me.get(f"{catalog.base}/invoices").json["items"]
    activation = next(line for line in invoice["lines"] if line["kind"] == "ACTIVATION")
    assert activation["amount"] == "5.00"

    console = Console(browsing.new_page(), stack.url)
    page = console.page
    console.sign_in_as_reseller("Kredit Sensorik GmbH")
    console.open(f"{catalog.base}/invoices/{invoice['id']}")
    console.heading(f"Invoice {invoice['invoice_number']}")
    console.disclose("Issue a credit note")
    page.get_by_label("Amounts on chosen lines").check()
    line = "Credit on IOT-EU-1GB Activation fee"
    expect(page.get_by_text("Left to credit: €5.00 of €5.00")).to_be_visible()
    page.get_by_label(line).fill("5,01")
    page.get_by_label("Reason").fill("Activation charged although the SIM was a replacement")
    with page.expect_request(lambda request: request.method == "POST" and "/credit-notes" in request.url) as first:
        page.get_by_role("button", name="Issue the credit note").click()
    assert json.loads(first.value.post_data or "")["lines"] == [
        {"line": invoice["lines"].index(activation), "amount": "5.01"}
    ]
    expect(console.field_error(line)).to_contain_text("left to credit, less than 5.01")
    expect(page.get_by_role("alert")).to_contain_text("Not issued.")
    expect(page.get_by_label("Amounts on chosen lines")).to_be_checked()
    expect(page.get_by_label(line)).to_have_value("5,01")
    expect(page.get_by_label("Reason")).to_have_value("Activation charged although the SIM was a replacement")

    # Corrected: the refused attempt was settled, so the next one has a key of its own, kept while its
    # outcome is unknown — the connection cut off, then a 503 — so the retry finishes that credit note.
    page.get_by_label(line).fill("2")
    keys: list[str | None] = []

    def unsettled(route: Route, request: Request) -> None:
        keys.append(request.header_value("idempotency-key"))
        if len(keys) == 1:
            route.abort("connectionreset")
        elif len(keys) == 2:
            error = {"code": "service_unavailable", "message": "Storage is unavailable; retry.", "details": []}
            route.fulfill(status=503, json={"error": error})
        else:
            route.fallback()

    page.route(re.compile(r"/credit-notes$"), unsettled)
    page.get_by_role("button", name="Issue the credit note").click()
    expect(page.get_by_role("alert")).to_contain_text("could not be reached")
    expect(page.get_by_label(line)).to_have_value("2")
    page.get_by_role("button", name="Issue the credit note").click()
    expect(page.get_by_role("alert")).to_contain_text("Storage is unavailable")
    page.get_by_role("button", name="Issue the credit note").click()
    console.heading(re.compile(r"^Credit note CN-\d{4}-000001$"))
    assert len(keys) == 3
    assert keys[0]
    assert keys[0] == keys[1] == keys[2] != first.value.header_value("idempotency-key")
    expect(page.locator(".totals .gross dd")).to_have_text("€2.46")  # 2.00 and 23 % VAT
    page.get_by_role("link", name=invoice["invoice_number"]).click()
    console.heading(f"Invoice {invoice['invoice_number']}")
    expect(page.locator(".invoice .facts")).to_contain_text("Statuspartially credited")
    console.disclose("Issue a credit note")
    page.get_by_label("Amounts on chosen lines").check()
    expect(page.get_by_text("Left to credit: €3.00 of €5.00")).to_be_visible()


def test_a_credited_invoice_is_replaced_by_a_run_for_its_customer_and_the_report_lists_all_three(
    stack: RunningStack, browsing: Browsing
):
    operator = operator_api(stack)
    catalog = build_catalog(operator, name="Ersatz Telematik GmbH")
    me = Api(HttpTransport(stack.url)).as_reseller(catalog.account_id)
    other = created(me.post(f"{catalog.base}/customers", factories.customer("C-OTHER", name="Other Customer Ltd")))
    created(catalog.assign(me, iccid(71_000), "2026-10-10"))
    created(catalog.assign(me, iccid(71_001), "2026-10-10", customer_id=other["id"]))
    started = me.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert wait_for_run(me, f"{catalog.base}/billing-runs/{started.json['id']}")["issued"] == 2
    (invoice,) = me.get(f"{catalog.base}/invoices?customer_id={catalog.customer['id']}").json["items"]
    note = created(me.post(f"{catalog.base}/invoices/{invoice['id']}/credit-notes", {"reason": "Wrong VAT rate"}))

    console = Console(browsing.new_page(), stack.url)
    page = console.page
    console.sign_in_as_reseller("Ersatz Telematik GmbH")
    console.tab("Billing runs")
    console.heading("Billing runs")
    page.get_by_label("Run date").fill("2026-11-05")
    console.disclose("Bill only chosen customers")
    page.get_by_label(f"{catalog.customer['customer_number']} — {catalog.customer['name']}").check()
    with page.expect_request(lambda request: request.method == "POST" and "/billing-runs" in request.url) as sent:
        page.get_by_role("button", name="Start billing run").click()
    assert json.loads(sent.value.post_data or "") == {
        "run_date": "2026-11-05",
        "customer_ids": [catalog.customer["id"]],
    }
    expect(page.locator(".run-status .badge")).to_have_text("completed", timeout=60_000)
    expect(page.locator(".facts")).to_contain_text("Issued1")

    console.open(f"{catalog.base}/invoices/{invoice['id']}")
    console.heading(f"Invoice {invoice['invoice_number']}")
    facts = page.locator(".invoice .facts")
    expect(facts).to_contain_text("Statuscredited")
    replacement = facts.get_by_role("link", name=re.compile(r"^Invoice "))
    expect(replacement).to_be_visible()
    replacement_number = (replacement.inner_text()).removeprefix("Invoice ")
    assert replacement_number != invoice["invoice_number"]
    replacement.click()
    console.heading(f"Invoice {replacement_number}")
    expect(page.locator(".invoice .facts")).to_contain_text("Statusissued")
    page.locator(".invoice .facts").get_by_role("link", name=f"Invoice {invoice['invoice_number']}").click()
    console.heading(f"Invoice {invoice['invoice_number']}")

    # The documents report: the two invoices and the credit note of today, the other customer's invoice too.
    console.tab("Documents")
    console.heading("Documents")
    today = datetime.now(UTC).date().isoformat()
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)
    page.get_by_role("button", name="Show the documents").click()
    documents = page.get_by_role("region", name="Documents")
    expect(documents.get_by_role("row")).to_have_count(1 + 4)
    credit_row = documents.get_by_role("row", name=re.compile(note["credit_note_number"]))
    expect(credit_row).to_contain_text("Credit note")
    expect(credit_row).to_contain_text("-€")
    expect(documents.get_by_role("row", name=re.compile(replacement_number))).to_contain_text("replaced invoice")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == f"documents-{today}-{today}.csv"
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0].startswith("type,number,issue_date")
    assert len(rows) == 1 + 4

    # A period the API refuses is shown at its field.
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill("2020-01-01")
    page.get_by_role("button", name="Show the documents").click()
    expect(console.field_error("To")).to_contain_text("Before `from`")
    expect(page.get_by_role("alert")).to_contain_text("Not shown.")
    expect(page.get_by_label("From")).to_have_value(today)


def test_an_ended_session_signs_in_again_and_comes_back(stack: RunningStack, browsing: Browsing):
    console = Console(browsing.new_page(), stack.url)
    page = console.page
    console.sign_in_as_operator()
    page.evaluate(
        """() => {
          const session = JSON.parse(sessionStorage.getItem("console.session"));
          sessionStorage.setItem("console.session", JSON.stringify({...session, token: session.token + "x"}));
        }"""
    )
    console.open("/accounts?type=RESELLER")
    console.heading("Sign in")
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    page.get_by_role("button", name="Sign in as the operator").click()
    console.heading("Accounts")
    expect(page.get_by_label("Type")).to_have_value("RESELLER")


def test_forms_are_labelled_and_work_from_the_keyboard(stack: RunningStack, browsing: Browsing):
    console = Console(browsing.new_page(), stack.url)
    page = console.page
    console.sign_in_as_operator()
    page.get_by_role("link", name="New account").click()
    console.heading("New account")
    unlabelled = """[...document.querySelectorAll('main input, main select, main textarea')]
           .filter((field) => !field.labels.length && !field.getAttribute('aria-label'))
           .map((field) => field.name || field.id)"""
    assert page.evaluate(unlabelled) == []
    page.get_by_label("Account type").select_option("RESELLER")  # the profile, its issuer and bank account
    expect(page.get_by_label("IBAN")).to_be_visible()
    assert page.evaluate(unlabelled) == []
    page.get_by_label("Account type").select_option("STANDARD")

    page.get_by_label("Name").focus()
    page.keyboard.type("Keyboard Logistics")
    page.keyboard.press("Tab")  # account type: Standard
    page.keyboard.press("Tab")  # currency: EUR
    page.keyboard.press("Tab")
    page.keyboard.type("20")  # the bill cycle day, its old value selected by Tab
    page.keyboard.press("Enter")
    console.heading("Account settings")
    expect(page.get_by_label("Name")).to_have_value("Keyboard Logistics")
    expect(page.get_by_label("Bill cycle (day of month)")).to_have_value("20")
    expect(page.get_by_label("Account type")).to_have_value("STANDARD")


def test_swagger_ui_renders_every_operation_with_no_network(stack: RunningStack, browsing: Browsing):
    with urllib.request.urlopen(stack.url + "/openapi.json") as answer:
        spec = json.load(answer)
    operations = sum(1 for path in spec["paths"].values() for method in path if method in HTTP_METHODS)
    page = browsing.new_page()
    page.goto(stack.url + "/docs")
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(
        page.locator(".opblock-summary-path[data-path='/accounts/{account_id}/billing-runs/{run_id}']")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(spec["info"]["title"]))).to_be_visible()
