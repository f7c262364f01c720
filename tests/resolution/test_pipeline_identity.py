"""Identity resolution inside the nightly run, measured against the simulator's truth."""

import pytest

from tests.conftest import SESSION_PEOPLE


@pytest.fixture(scope="module")
def pairs(built_warehouse, cdp_home):
    truth = cdp_home / "simulator" / "truth.csv"
    predicted, actual, both, records = built_warehouse.sql(f"""
        with joined as (
            select m.customer_id, t.person_id
            from marts.customer_id_map m
            join read_csv('{truth}', all_varchar = true) t
              on t.source_system = m.source_system and t.source_record_id = cast(m.source_record_id as varchar)),
        p as (select count(*) * (count(*) - 1) / 2 n from joined group by customer_id),
        q as (select count(*) * (count(*) - 1) / 2 n from joined group by person_id),
        b as (select count(*) * (count(*) - 1) / 2 n from joined group by customer_id, person_id)
        select (select sum(n) from p), (select sum(n) from q), (select sum(n) from b), (select count(*) from joined)
    """).fetchall()[0]
    return predicted, actual, both, records


def test_every_truth_record_is_resolved(pairs, cdp_home):
    truth_rows = sum(1 for _ in (cdp_home / "simulator" / "truth.csv").open()) - 1
    assert pairs[3] == truth_rows


def test_precision_first_then_recall(pairs):
    predicted, actual, both, _ = pairs
    precision, recall = both / predicted, both / actual
    assert precision >= 0.97, f"precision {precision:.3f}"
    assert recall >= 0.75, f"recall {recall:.3f}"


def test_no_customer_is_larger_than_a_household(built_warehouse, cdp_home):
    largest = built_warehouse.sql(
        "select max(n) from (select count(*) n from marts.customer_id_map group by customer_id)"
    ).fetchall()[0][0]
    households = built_warehouse.sql(f"""
        select max(n) from (select count(*) n from read_csv('{cdp_home / "simulator" / "truth.csv"}')
                            group by household_id)""").fetchall()[0][0]
    assert largest <= households, (largest, households)
    assert int(SESSION_PEOPLE) > 0


def test_evidence_explains_every_merge(built_warehouse):
    """Two records share a customer only through a kept pair (or a chain of them): a scored pair, not a web tie."""
    unexplained = built_warehouse.sql("""
        with multi as (select customer_id from marts.customer_id_map group by 1 having count(*) > 1),
        members as (select m.customer_id, m.source_system || ':' || m.source_record_id record_id
                    from marts.customer_id_map m join multi using (customer_id))
        select count(*) from members r
        where not exists (select 1 from identity.match_evidence e
                          where e.client_id is null and (e.record_id_l = r.record_id or e.record_id_r = r.record_id))
    """).fetchall()[0][0]
    assert unexplained == 0
    columns = {
        c
        for (c,) in built_warehouse.sql(
            "select column_name from information_schema.columns where table_schema = 'identity' "
            "and table_name = 'match_evidence'"
        ).fetchall()
    }
    assert {"record_id_l", "record_id_r", "match_weight", "match_probability"} <= columns
    assert any(c.startswith("gamma_") for c in columns)
