"""The web ties of identity.match_evidence (written by dbt's web_client_evidence after the identity step) kept when
identity is resolved again without dbt after it, as `cdp run --select` of part of the lineage or a night failing after
identity leaves it: judged against the simulator's truth of whose browser each client is (`web_clients.csv`) and
whose each record is (`truth.csv`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from resolution import override_files, resolve_warehouse
from tests.conftest import run_cdp
from warehouse import cdp_home

MIN_TIES = 30  # a tie kept or lost needs ties to look at


def ties_the_truth_supports(con: duckdb.DuckDBPyConnection, home: Path) -> set[tuple[str, str, str]]:
    """(client, record, rule) of the web ties whose browser the simulator gave the person of that record."""
    return set(
        con.sql(f"""
            with clients as (
                select * from read_csv('{home / "simulator" / "web_clients.csv"}', all_varchar = true)),
            truth as (select * from read_csv('{home / "simulator" / "truth.csv"}', all_varchar = true))
            select evidence.client_id, evidence.record_id_l, evidence.match_type
            from identity.match_evidence as evidence
            inner join clients on evidence.client_id = clients.client_id
            inner join truth
                on evidence.record_id_l = truth.source_system || ':' || truth.source_record_id
                and clients.person_id = truth.person_id
        """).fetchall()
    )


def web_ties(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    return set(
        con.sql(
            "select client_id, record_id_l, match_type from identity.match_evidence where client_id is not null"
        ).fetchall()
    )


def test_resolving_identity_again_keeps_the_web_ties(home_copy: Path, in_home: Callable[[Path], None]) -> None:
    in_home(home_copy)
    with duckdb.connect(str(home_copy / "warehouse.duckdb")) as con:
        supported = ties_the_truth_supports(con, home_copy)
        assert len(supported) >= MIN_TIES, f"only {len(supported)} web ties the truth supports"
        # A record that left the sources since (deleted there, or its person forgotten) names nobody any more.
        gone = sorted({record for _, record, _ in supported})[0]
        con.execute("delete from intermediate.int_person_records where record_id = ?", [gone])
        resolve_warehouse(con, cdp_home() / "identity" / "model.json", override_files(), "re-resolved")
        after = web_ties(con)
        (pairs,) = con.sql("select count(*) from identity.match_evidence where client_id is null").fetchall()[0]
    assert pairs > 0, "the scored pairs were written again"
    assert {tie for tie in supported if tie[1] != gone} <= after
    assert not any(record == gone for _, record, _ in after), "a tie to a record no source holds any more"


def test_building_the_web_evidence_without_the_identity_tables_is_an_error(home_copy: Path, tmp_path: Path) -> None:
    """The ties would go nowhere: the build says so instead of leaving the console without them."""
    home = tmp_path / "home"
    shutil.copytree(home_copy, home)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("drop table identity.match_evidence")
    build = run_cdp(home, "run", "--select", 'key:"identity/web_client_evidence"')
    assert build.returncode != 0
    assert "identity.match_evidence is missing" in build.stdout + build.stderr, build.stderr[-3000:]
