"""Anonymous web client IDs stitched to customers, judged against the simulator's truth of which person each client
belongs to (`simulator/web_clients.csv`): precision, shared clients never a key, anonymous browsing kept and counted."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

MIN_LINKED = 30  # a precision needs links to measure


@pytest.fixture(scope="module")
def links(built_warehouse: duckdb.DuckDBPyConnection, cdp_home: Path) -> list[tuple]:
    """(client ID, link status, customer ID, the client's true owner or None, the client's kind, whether its owner is
    among the people of the customer's records) for every client the warehouse saw."""
    return built_warehouse.sql(f"""
        with clients as (select * from read_csv('{cdp_home / "simulator" / "web_clients.csv"}', all_varchar = true)),
        truth as (select * from read_csv('{cdp_home / "simulator" / "truth.csv"}', all_varchar = true)),
        people_of_customers as (
            select distinct customer_map.customer_id, truth.person_id
            from marts.customer_id_map as customer_map
            inner join truth
                on customer_map.source_system = truth.source_system
                and customer_map.source_record_id = truth.source_record_id
        )
        select
            links.client_id, links.link_status, links.customer_id, clients.person_id, clients.kind,
            exists (
                select 1 from people_of_customers as p
                where p.customer_id = links.customer_id and p.person_id = clients.person_id
            ) as owner_is_the_customer
        from identity.web_client_links as links
        left join clients on links.client_id = clients.client_id
    """).fetchall()


def test_stitching_precision_against_the_simulators_truth(links: list[tuple]) -> None:
    linked = [row for row in links if row[1] == "linked"]
    correct = [row for row in linked if row[5]]
    assert len(linked) >= MIN_LINKED, f"only {len(linked)} linked clients"
    precision = len(correct) / len(linked)
    wrong = [row[:5] for row in linked if not row[5]]
    assert precision >= 0.99, f"precision {precision:.3f}; wrongly linked: {wrong[:5]}"


def test_no_shared_client_ever_joins_two_people(links: list[tuple], built_warehouse: duckdb.DuckDBPyConnection):
    shared = [row for row in links if row[4] == "shared"]
    assert shared, "the session's shops' tablets were used"
    assert all(row[1] == "shared" and row[2] is None for row in shared), shared
    # No client ID leads to two customers anywhere: not in the links, not in the events stitched through it.
    (two,) = built_warehouse.sql("""
        select count(*) from (
            select client_id from marts.fct_web_events where attribution = 'stitched'
            group by client_id having count(distinct customer_id) > 1
        )""").fetchall()[0]
    assert two == 0


def test_anonymous_browsing_is_kept_and_counted(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    (staged, facts, anonymous, before_link, profile_sum) = built_warehouse.sql("""
        select
            (select count(*) from staging.stg_web__pixel_events),
            (select count(*) from marts.fct_web_events),
            (select count(*) from marts.fct_web_events where customer_id is null),
            (select sum(events_before_link) from identity.web_client_links where link_status = 'linked'),
            (select sum(web_events_before_identified) from marts.customer_360)
    """).fetchall()[0]
    assert staged == facts, "no event is dropped on the way to the facts"
    assert anonymous > 0 and before_link > 0
    assert profile_sum == before_link, "every stitched anonymous event counts for exactly one customer"


def test_a_linked_clients_earlier_browsing_is_its_customers(built_warehouse: duckdb.DuckDBPyConnection) -> None:
    (orphans,) = built_warehouse.sql("""
        select count(*)
        from marts.fct_web_events as events
        inner join identity.web_client_links as links on events.client_id = links.client_id
        where links.link_status = 'linked' and events.occurred_at < links.linked_at
            and events.customer_id is distinct from links.customer_id
    """).fetchall()[0]
    assert orphans == 0
