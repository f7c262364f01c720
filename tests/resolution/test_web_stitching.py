"""Anonymous web client IDs stitched to customers, judged against the simulator's truth of which person each client
belongs to (`simulator/web_clients.csv`): precision, shared clients never a key, anonymous browsing kept and counted,
each tie recorded in identity.match_evidence with the event that made it (the simulator's own events)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from simulator.browsing import Web
from simulator.ids import customer_record_id, web_event_id
from simulator.model import World
from simulator.pixels import finished_days

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


def test_every_stitched_client_is_explained_in_match_evidence_by_the_event_that_tied_it(
    built_warehouse: duckdb.DuckDBPyConnection, session_world: World, cdp_home: Path, links: list[tuple]
) -> None:
    """A linked client's tie is a row of identity.match_evidence beside the scored pairs, naming one of its
    customer's records; the event it gives happened on that browser, by the person of that record (the simulator's
    own events and records), and the browser is one web_clients.csv lists."""
    events = {
        web_event_id(event.number): event
        for _, day, defects in finished_days(Web(session_world, 0.005))
        for event, defect in zip(day, defects, strict=True)
        if defect is None
    }
    person_of = {
        (system, customer_record_id(system, record.seq)): record.person.pid
        for system, records in session_world.customers.items()
        for record in records
    }
    with (cdp_home / "simulator" / "web_clients.csv").open() as clients:
        kind_of = {row["client_id"]: row["kind"] for row in csv.DictReader(clients)}
    ties = built_warehouse.sql("""
        select evidence.client_id, evidence.record_id_l, evidence.match_type, evidence.tied_by_event_id,
            records.source_system, records.source_record_id, records.customer_id
        from identity.match_evidence as evidence
        left join marts.customer_id_map as records on evidence.record_id_l = records.record_id
        where evidence.client_id is not null
    """).fetchall()
    assert {m for _, _, m, *_ in ties} == {"web_checkout_customer", "web_logged_in", "web_checkout_email"}
    for client, record, match_type, event_id, system, source_id, _ in ties:
        assert kind_of.get(client) in ("personal", "shared"), client  # a browser of the population, or a tablet
        event = events[event_id]
        assert event.client == client, (client, event_id)
        assert event.person == person_of[(system, source_id)], (client, record, match_type, event_id)
    tied_to = {(client, customer) for client, *_, customer in ties}
    linked = [(row[0], row[2]) for row in links if row[1] == "linked"]
    assert len(linked) >= MIN_LINKED and all(link in tied_to for link in linked)
    # One query on match_evidence explains every link of a customer: their browsers beside their scored pairs.
    both = built_warehouse.execute(
        """with records as (
               select customer_id, record_id from marts.customer_id_map where list_contains(?, customer_id))
           select records.customer_id
           from identity.match_evidence as evidence
           inner join records on records.record_id in (evidence.record_id_l, evidence.record_id_r)
           group by records.customer_id
           having bool_or(evidence.client_id is null) and bool_or(evidence.client_id is not null)""",
        [sorted({customer for _, customer in linked})],
    ).fetchall()
    assert both, "some stitched customers also have records joined by scored pairs"
