"""`cdp forget` reaches what stands for the person in the newer sources: every event of the browsers stitched to them
(their anonymous browsing included) and the evidence of those ties, every line of their loyalty ledgers, their survey
answers; and nobody else's."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cdp


@dataclass(frozen=True)
class Theirs:
    """What names the person, read before the forget."""

    clients: list[str]  # web client IDs stitched to them
    accounts: list[str]  # their loyalty accounts
    shopify: list[str]  # their Shopify customer IDs
    contacts: list[str]  # their HubSpot contact IDs
    emails: list[str]  # their Shopify records' emails, as typed


def _ids(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[str]:
    return [value for (value,) in con.execute(sql, params).fetchall() if value is not None]


def _theirs(con: duckdb.DuckDBPyConnection, customer_id: str) -> Theirs:
    by_system = "select source_record_id from marts.customer_id_map where customer_id = ? and source_system = ?"
    shopify = _ids(con, by_system, [customer_id, "shopify"])
    return Theirs(
        clients=_ids(con, "select client_id from identity.web_client_links where customer_id = ?", [customer_id]),
        accounts=_ids(con, "select loyalty_account_id from marts.loyalty_ledger where customer_id = ?", [customer_id]),
        shopify=shopify,
        contacts=_ids(con, by_system, [customer_id, "hubspot"]),
        emails=_ids(
            con,
            "select distinct lower(trim(email)) from raw_shopify.customers where list_contains(?, cast(id as varchar))",
            [shopify],
        ),
    )


def _counts(con: duckdb.DuckDBPyConnection, theirs: Theirs) -> dict[str, int]:
    def one(sql: str, params: list) -> int:
        return con.execute(sql, params).fetchall()[0][0]

    return {
        "web events": one("select count(*) from raw_web.pixel_events", []),
        "their browsers' events": one(
            "select count(*) from raw_web.pixel_events where list_contains(?, client_id)", [theirs.clients]
        ),
        "events naming them elsewhere": one(
            "select count(*) from raw_web.pixel_events where not list_contains(?, client_id) "
            "and (list_contains(?, customer__id) or list_contains(?, data__checkout__order__customer__id) "
            "or list_contains(?, lower(trim(data__checkout__email))))",
            [theirs.clients, theirs.shopify, theirs.shopify, theirs.emails],
        ),
        "their facts": one(
            "select count(*) from marts.fct_web_events where list_contains(?, client_id)", [theirs.clients]
        ),
        "web ties": one("select count(*) from identity.match_evidence where client_id is not null", []),
        "their web ties": one(
            "select count(*) from identity.match_evidence where list_contains(?, client_id)", [theirs.clients]
        ),
        "ledger lines": one("select count(*) from raw_square.loyalty_events", []),
        "their ledger lines": one(
            "select count(*) from raw_square.loyalty_events where list_contains(?, loyalty_account_id)",
            [theirs.accounts],
        ),
        "survey answers": one("select count(*) from staging.stg_hubspot__feedback_submissions", []),
        "their survey answers": one(
            "select count(*) from staging.stg_hubspot__feedback_submissions where list_contains(?, contact_id)",
            [theirs.contacts],
        ),
    }


@pytest.fixture(scope="module")
def before_and_after(nightly_run, cdp_home: Path, tmp_path_factory: pytest.TempPathFactory):
    """A customer with a browser stitched to them (anonymous browsing before it) and a loyalty ledger, forgotten."""
    home = tmp_path_factory.mktemp("forgotten_browser") / "home"
    shutil.copytree(cdp_home, home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (customer_id,) = con.sql("""
            select links.customer_id
            from identity.web_client_links as links
            inner join marts.loyalty_ledger as ledger on links.customer_id = ledger.customer_id
            where links.link_status = 'linked' and links.events_before_link > 0 and ledger.events > 0
            order by links.customer_id
            limit 1
        """).fetchall()[0]
        theirs = _theirs(con, customer_id)
        before = _counts(con, theirs)
    result = run_cdp(home, "forget", "--customer-id", customer_id, "--requested-by", "dpo@example.com")
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        after = _counts(con, theirs)
    return before, after


def test_their_browsers_ledgers_and_answers_are_gone_and_nothing_else(before_and_after) -> None:
    before, after = before_and_after
    assert before["their browsers' events"] > 0 and before["their ledger lines"] > 0 and before["their web ties"] > 0
    for key in (
        "their browsers' events",
        "events naming them elsewhere",
        "their facts",
        "their web ties",
        "their ledger lines",
    ):
        assert after[key] == 0, key
    assert after["their survey answers"] == 0
    # Everyone else's browsing, ledgers and answers stay.
    theirs = before["their browsers' events"] + before["events naming them elsewhere"]
    assert after["web events"] == before["web events"] - theirs
    assert after["ledger lines"] == before["ledger lines"] - before["their ledger lines"]
    assert after["web ties"] == before["web ties"] - before["their web ties"]
    assert after["survey answers"] == before["survey answers"] - before["their survey answers"]
