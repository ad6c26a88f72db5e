"""No personal data in the logs: a full run (accounts, customers, SIMs, usage, a billing run, invoices and
their artefacts, and requests refused with personal data in them) with every line the local stack's
functions wrote captured, then searched for the names, e-mails and addresses it was given."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.support import factories
from tests.support.api import Api, wait_for_run
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid
from tests.support.stack import RunningStack

pytestmark = pytest.mark.xdist_group("e2e")

PEOPLE: list[dict[str, Any]] = [
    {
        "name": "Zygmunt Przybylski-Wójcik",
        "email": "zygmunt.przybylski@example.org",
        "address": {"line1": "ul. Ogrodowa 17/3", "postal_code": "31-155", "city": "Kraków", "country": "PL"},
    },
    {
        "name": "Ingrid Æbeltoft Sørensen",
        "email": "ingrid.aebeltoft@example.net",
        "address": {"line1": "Vesterbrogade 221B", "postal_code": "1620", "city": "Frederiksberg", "country": "DK"},
    },
]
RESELLER_NAME = "Quasimodo Telematik Rüdiger Hämmerle e.K."


def _personal_data() -> list[str]:
    found = [RESELLER_NAME]
    for person in PEOPLE:
        found += [person["name"], person["email"], person["address"]["line1"]]
    return found


def _log_lines(stack: RunningStack) -> list[dict[str, object]]:
    lines = []
    for line in stack.output().splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def test_a_full_run_logs_no_names_e_mails_or_addresses(stack: RunningStack, operator: Api, api: Api) -> None:
    catalog = build_catalog(operator, name=RESELLER_NAME)
    me = api.as_reseller(catalog.account_id)
    sims = []
    for number, person in enumerate(PEOPLE):
        customer = created(me.post(f"{catalog.base}/customers", factories.customer(f"PII-{number}", **person)))
        sim = iccid(70_000 + number)
        created(catalog.assign(me, sim, customer_id=customer["id"]))
        sims.append(sim)
    records = [
        factories.usage_record(f"pii-{n}", sim, "500", occurred_at="2026-10-21T09:00:00Z") for n, sim in enumerate(sims)
    ]
    assert me.post(f"{catalog.base}/usage", {"records": records}).status == 202

    # Refused requests that carry personal data: a duplicate customer number, a bad e-mail, a bad country.
    duplicate = me.post(f"{catalog.base}/customers", factories.customer("PII-0", **PEOPLE[0]))
    assert duplicate.status == 409
    bad_email = me.post(
        f"{catalog.base}/customers", factories.customer("PII-9", name=PEOPLE[1]["name"], email=PEOPLE[1]["name"])
    )
    assert bad_email.status == 422
    bad_country = {**PEOPLE[0]["address"], "country": "Atlantis"}
    assert me.patch(catalog.customer_path, {"address": bad_country}).status == 422
    assert me.post(f"{catalog.base}/customers", raw=json.dumps(PEOPLE[0]).encode()[:-3]).status == 400

    run = me.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert run.status == 202
    done = wait_for_run(me, f"{catalog.base}/billing-runs/{run.json['id']}")
    assert done["issued"] == len(PEOPLE)
    for invoice in me.get(f"{catalog.base}/invoices").json["items"]:
        for name in ("pdf", "json", "csv"):
            link = me.get(f"{catalog.base}/invoices/{invoice['id']}/artifacts/{name}").json["url"]
            with urllib.request.urlopen(link, timeout=10) as response:
                assert response.status == 200

    lines = _log_lines(stack)
    mine = [line for line in lines if line.get("message") == "request" and line.get("account_id") == catalog.account_id]
    assert len(mine) >= 15, "the functions' request log lines were not captured"
    assert {line["status"] for line in mine} >= {201, 202, 200, 400, 409, 422}
    text = stack.output()
    leaked = [value for value in _personal_data() if value in text or json.dumps(value)[1:-1] in text]
    assert leaked == []
