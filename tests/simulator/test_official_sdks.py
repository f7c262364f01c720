"""The services' official Python clients read `cdp simulator serve` with only their host and token changed
(CONTRACT §1): with faults off every answer is valid UTF-8 JSON in the shapes the clients expect.

Shopify is read through ShopifyAPI's GraphQL client (`shopify.GraphQL()`, posting to `<site>/graphql.json`), page by
page and through a bulk operation, as Shopify is used today; Square through `squareup` (`Square(base_url=...)`),
HubSpot through `hubspot-api-client` (`HubSpot(host=...)`). Each must hand back every customer or contact the
simulator's truth lists.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import shopify
from hubspot import HubSpot
from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId, SimplePublicObjectId
from square import Square

from tests.conftest import REPO_ROOT

TOKEN = "sdk-test-token"
SHOPIFY_API_VERSION = "2025-01"
SHOPIFY_PAGE = """
query Customers($after: String) {
  customers(first: 100, after: $after) {
    nodes { id legacyResourceId email emailMarketingConsent { marketingState consentUpdatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SHOPIFY_BULK = """
mutation {
  bulkOperationRunQuery(query: \"\"\"{ customers { edges { node { id legacyResourceId } } } }\"\"\") {
    bulkOperation { id }
    userErrors { field message }
  }
}"""
SHOPIFY_POLL = "query Poll($id: ID!) { node(id: $id) { ... on BulkOperation { status url objectCount } } }"
# Far more malformed records than the default, so that every kind a default simulator sends meets the clients.
SETTINGS = {"CDP_PEOPLE": "300", "CDP_SEED": "13", "CDP_FAULTS": "0", "CDP_MALFORMED": "0.05"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`cdp simulator serve --port P` as a user starts it, in its own process group; stopped with the group."""
    home = tmp_path_factory.mktemp("sdk_home")
    env = {**os.environ, **SETTINGS, "CDP_HOME": str(home)}
    env.pop("CDP_MALFORMED_OPT_IN", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "cdp_orchestration.cli", "simulator", "serve", "--port", str(_free_port())],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("Simulator serving on "), f"the simulator did not start: {line!r}"
        yield line.removeprefix("Simulator serving on ").strip(), home
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _truth(home: Path, system: str) -> set[str]:
    with (home / "simulator" / "truth.csv").open() as handle:
        return {row["source_record_id"] for row in csv.DictReader(handle) if row["source_system"] == system}


def test_shopify_api_graphql_client_reads_every_customer(served: tuple[str, Path]):
    base_url, home = served
    shopify.ShopifyResource.activate_session(shopify.Session("cdp-demo.myshopify.com", SHOPIFY_API_VERSION, TOKEN))
    shopify.ShopifyResource.set_site(f"{base_url}/admin/api/{SHOPIFY_API_VERSION}")
    try:
        client = shopify.GraphQL()
        paged: list[str] = []
        after = None
        while True:
            page = json.loads(client.execute(SHOPIFY_PAGE, {"after": after}))["data"]["customers"]
            paged += [node["legacyResourceId"] for node in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        started = json.loads(client.execute(SHOPIFY_BULK))["data"]["bulkOperationRunQuery"]
        assert started["userErrors"] == []
        deadline = time.monotonic() + 60
        while True:
            operation = json.loads(client.execute(SHOPIFY_POLL, {"id": started["bulkOperation"]["id"]}))["data"]["node"]
            if operation["status"] == "COMPLETED":
                break
            assert time.monotonic() < deadline, operation
            time.sleep(0.1)
    finally:
        shopify.ShopifyResource.clear_session()
    # The result file is a signed link: read with no token, one customer a line.
    with urllib.request.urlopen(operation["url"]) as answer:
        exported = [json.loads(line)["legacyResourceId"] for line in answer.read().decode("utf-8").splitlines()]
    assert sorted(paged) == sorted(exported) == sorted(_truth(home, "shopify"))
    assert int(operation["objectCount"]) == len(exported)


def test_squareup_reads_every_customer(served: tuple[str, Path]):
    base_url, home = served
    client = Square(base_url=base_url, token=TOKEN)
    listed = [customer.id for customer in client.customers.list(limit=100)]
    searched: list[str] = []
    cursor = None
    while True:
        page = client.customers.search(
            limit=100, cursor=cursor, query={"sort": {"field": "CREATED_AT", "order": "ASC"}}
        )
        searched += [customer.id for customer in page.customers or []]
        cursor = page.cursor
        if not cursor:
            break
    assert sorted(listed) == sorted(searched) == sorted(_truth(home, "square"))


def test_hubspot_api_client_reads_every_contact(served: tuple[str, Path]):
    base_url, home = served
    client = HubSpot(access_token=TOKEN, host=base_url)
    contacts = client.crm.contacts.get_all(properties=["email", "firstname", "lastname", "phone", "hs_email_optout"])
    assert sorted(contact.id for contact in contacts) == sorted(_truth(home, "hubspot"))
    # The consent property's history, as the loader reads it (a batch read: the search API gives none).
    batch = client.crm.contacts.batch_api.read(
        batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=contact.id) for contact in contacts[:50]],
            properties=["hs_email_optout"],
            properties_with_history=["hs_email_optout"],
        )
    )
    assert len(batch.results) == 50
    for contact in batch.results:
        newest = contact.properties_with_history["hs_email_optout"][0]
        assert str(newest.value).lower() == str(contact.properties["hs_email_optout"]).lower()
        assert newest.timestamp >= contact.created_at


def test_squareup_reads_the_loyalty_program_every_account_and_event(served: tuple[str, Path]):
    base_url, home = served
    client = Square(base_url=base_url, token=TOKEN)
    program = client.loyalty.programs.get(program_id="main").program
    assert program is not None and [tier.points for tier in program.reward_tiers or []] == [100, 250, 500]
    accounts, events = [], []
    cursor = None
    while True:
        page = client.loyalty.accounts.search(limit=200, cursor=cursor)
        accounts += page.loyalty_accounts or []
        cursor = page.cursor
        if not cursor:
            break
    while True:
        page = client.loyalty.search_events(limit=30, cursor=cursor)
        events += page.events or []
        cursor = page.cursor
        if not cursor:
            break
    assert accounts and {account.customer_id for account in accounts} <= _truth(home, "square")
    ledger: dict[str, int] = {}
    for event in events:
        detail = getattr(event, event.type.lower())
        ledger[event.loyalty_account_id] = ledger.get(event.loyalty_account_id, 0) + (getattr(detail, "points", 0) or 0)
    assert {a.id: a.balance for a in accounts} == {a.id: ledger.get(a.id, 0) for a in accounts}


def test_hubspot_api_client_reads_every_survey_answer_with_its_contact(served: tuple[str, Path]):
    base_url, home = served
    client = HubSpot(access_token=TOKEN, host=base_url)
    answers = client.crm.objects.get_all(
        "feedback_submissions", properties=["hs_survey_type", "hs_value", "hs_content"], associations=["contacts"]
    )
    assert answers
    contacts = _truth(home, "hubspot")
    for answer in answers:
        assert answer.properties["hs_survey_type"] in ("NPS", "CSAT", "CES")
        assert {link.id for link in answer.associations["contacts"].results} <= contacts
