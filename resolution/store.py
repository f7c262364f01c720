"""The identity schema of the warehouse: assignments, ID history, match evidence and run log.

The assignment and its history are state that only history can give (CONTRACT §4): they are kept through a
full refresh of the models and only ever changed here.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from identity import PreviousRun, Resolution
from warehouse import cdp_home, column_names, has_table, registered, transaction
from warehouse.paths import DBT_PROJECT_DIR

DDL = """
create schema if not exists identity;
create table if not exists identity.customer_assignments (
    record_id varchar primary key, source_system varchar, source_record_id varchar,
    customer_id varchar not null, assigned_at timestamptz, run_id varchar);
create table if not exists identity.id_history (
    old_customer_id varchar, new_customer_id varchar, change varchar, run_id varchar, changed_at timestamptz);
create table if not exists identity.resolution_runs (
    run_id varchar, resolved_at timestamptz, records bigint, customers bigint, merges bigint, splits bigint,
    erases bigint, pairs_kept bigint, largest_cluster bigint, model_trained boolean, seconds double);
alter table identity.resolution_runs add column if not exists incremental boolean;
alter table identity.resolution_runs add column if not exists changed_records bigint;
create table if not exists identity.record_fingerprints (record_id varchar primary key, fingerprint varchar);
create table if not exists identity.applied_overrides (record_id_l varchar, record_id_r varchar, decision varchar);
create table if not exists identity.resolution_state (model_id varchar);
"""
# The web client stitching's rows of identity.match_evidence (dbt's identity/web_client_evidence writes them after the
# night's identity step): a row with a `client_id` ties that browser to `record_id_l` by a deterministic rule
# (`match_type`), shown first by `tied_by_event_id` at `tied_at`. The scored pairs have them null.
WEB_TIE_COLUMNS = {
    "client_id": "varchar",
    "match_type": "varchar",
    "tied_by_event_id": "varchar",
    "tied_at": "timestamptz",
    "events": "bigint",
}
# Every column a web tie fills (macros/web_ties_as_match_evidence.sql): its record, its probability and its own.
WEB_TIE_ROW = ("record_id_l", "record_id_r", "match_weight", "match_probability", *WEB_TIE_COLUMNS)
# A night resolves incrementally from what the last one kept: its assignment, its evidence, the fingerprint of
# each record's matching features, the overrides it applied and the model it scored with. All of it is state, kept
# through a full refresh.


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


OVERRIDE_COLUMNS = ("record_id_l", "record_id_r", "decision", "reason", "author")
OVERRIDE_DECISIONS = ("same", "different")
# Analysts' decisions, version-controlled beside the seeds; CDP_IDENTITY_OVERRIDES points elsewhere (a trial).
SEED_OVERRIDES = DBT_PROJECT_DIR / "seeds" / "identity_overrides.csv"
OVERRIDES_SETTING = "CDP_IDENTITY_OVERRIDES"


def recorded_overrides_path() -> Path:
    """Decisions recorded on this installation (by the console), read after the version-controlled seed file."""
    return cdp_home() / "identity" / "overrides.csv"


def override_files() -> list[Path]:
    """The decision files the identity step reads, in order: the seed file (or the trial file), then the console's."""
    return [Path(os.environ.get(OVERRIDES_SETTING) or SEED_OVERRIDES), recorded_overrides_path()]


def read_overrides(*paths: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Analysts' decisions: pairs of record IDs forced together (`same`) or apart (`different`).

    Files are read in order and the last decision on a pair (in either order) wins: a later one corrects an earlier.
    """
    decided: dict[frozenset[str], tuple[tuple[str, str], str]] = {}
    for path in paths:
        if not path.exists():
            continue
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                pair = (row["record_id_l"].strip(), row["record_id_r"].strip())
                decision = row["decision"].strip().lower()
                if decision not in OVERRIDE_DECISIONS:
                    raise ValueError(f"{path}: decision must be 'same' or 'different', got {row['decision']!r}")
                decided[frozenset(pair)] = (pair, decision)
    must = [pair for pair, decision in decided.values() if decision == "same"]
    cannot = [pair for pair, decision in decided.values() if decision == "different"]
    return must, cannot


def record_override(path: Path, record_id_l: str, record_id_r: str, decision: str, reason: str, author: str) -> None:
    """Appends one decision for the next night's identity step (a header first in a new file)."""
    if decision not in OVERRIDE_DECISIONS:
        raise ValueError(f"decision must be 'same' or 'different', got {decision!r}")
    if record_id_l == record_id_r:
        raise ValueError(f"a decision needs two different records, got {record_id_l!r} twice")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(OVERRIDE_COLUMNS)
        writer.writerow([record_id_l, record_id_r, decision, reason, author])


def save_resolution(
    con: duckdb.DuckDBPyConnection,
    records: pd.DataFrame,
    assignment: pd.DataFrame,
    history: pd.DataFrame,
    resolution: Resolution,
    overrides: tuple[list[tuple[str, str]], list[tuple[str, str]]],
    run_id: str,
    now: datetime,
) -> None:
    """Replaces the assignment, the scored pairs of the evidence (keeping its web ties), the fingerprints and the
    applied overrides, appends the ID changes, all in one transaction."""
    must, cannot = overrides
    applied = pd.DataFrame(
        [(a, b, "same") for a, b in must] + [(a, b, "different") for a, b in cannot],
        columns=["record_id_l", "record_id_r", "decision"],
        dtype="object",
    )
    frames = {
        "assignment_in": assignment,
        "records_in": records[["record_id", "source_system", "source_record_id"]],
        "history_in": history,
        "evidence_in": resolution.evidence,
        "fingerprints_in": resolution.fingerprints,
        "overrides_in": applied,
    }
    with registered(con, **frames), transaction(con):
        con.execute("delete from identity.customer_assignments")
        con.execute(
            """insert into identity.customer_assignments
               select a.record_id, r.source_system, cast(r.source_record_id as varchar), a.customer_id, ?, ?
               from assignment_in a join records_in r using (record_id)""",
            [now, run_id],
        )
        con.execute(
            "insert into identity.id_history select old_customer_id, new_customer_id, change, ?, ? from history_in",
            [run_id, now],
        )
        no_tie = ", ".join(f"cast(null as {kind}) as {name}" for name, kind in WEB_TIE_COLUMNS.items())
        con.execute(
            f"create or replace table identity.match_evidence as select *, {no_tie} from evidence_in"
            + _kept_web_ties(con)
        )
        con.execute("delete from identity.record_fingerprints")
        con.execute("insert into identity.record_fingerprints select record_id, fingerprint from fingerprints_in")
        con.execute("delete from identity.applied_overrides")
        con.execute("insert into identity.applied_overrides select * from overrides_in")
        con.execute("delete from identity.resolution_state")
        con.execute("insert into identity.resolution_state values (?)", [resolution.model_id])


def _kept_web_ties(con: duckdb.DuckDBPyConnection) -> str:
    """The stored web ties whose record is still assigned, as a `union` onto the new scored pairs ("" when none can be).

    The ties are dbt's (web_client_evidence replaces them whole each time it is built); a re-resolution without that
    build after it (`cdp run --select` of part of the lineage, a night failing after identity) must not lose them. A
    tie names a record, not a customer: a merge or a split takes it along with its record. A record no longer
    assigned (deleted at its source, its person forgotten) takes its ties with it.
    """
    if "client_id" not in column_names(con, "identity", "match_evidence"):  # the first night, or no tie was ever kept
        return ""
    return (
        f" union all by name select {', '.join(WEB_TIE_ROW)} from identity.match_evidence"
        " where client_id is not null and record_id_l in (select record_id from assignment_in)"
    )


def load_inputs(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """This run's person records, the last stored assignment, and every customer ID retired before."""
    records = con.sql("select * from intermediate.int_person_records").df()
    previous = con.sql("select record_id, customer_id from identity.customer_assignments").df()
    retired = [row[0] for row in con.sql("select old_customer_id from identity.id_history").fetchall()]
    return records, previous, retired


def load_previous(con: duckdb.DuckDBPyConnection) -> PreviousRun | None:
    """What the last run kept for an incremental night, or None when it kept nothing to start from."""
    fingerprints = con.sql("select record_id, fingerprint from identity.record_fingerprints").df()
    if fingerprints.empty or not has_table(con, "identity", "match_evidence"):
        return None
    clusters = con.sql("select record_id, customer_id as cluster_id from identity.customer_assignments").df()
    evidence = _scored_pairs(con.sql("select * from identity.match_evidence").df())
    applied = con.sql("select record_id_l, record_id_r, decision from identity.applied_overrides").fetchall()
    model_id = con.sql("select any_value(model_id) from identity.resolution_state").fetchall()[0][0]
    return PreviousRun(
        clusters,
        evidence,
        fingerprints,
        model_id,
        must_link=[(a, b) for a, b, d in applied if d == "same"],
        cannot_link=[(a, b) for a, b, d in applied if d == "different"],
    )


def _scored_pairs(evidence: pd.DataFrame) -> pd.DataFrame:
    """The scored pairs of the stored evidence, as identity resolution keeps them: without the web ties."""
    if "client_id" in evidence.columns:
        evidence = evidence[evidence["client_id"].isna()]
    return evidence.drop(columns=[c for c in WEB_TIE_COLUMNS if c in evidence.columns]).reset_index(drop=True)


def forgotten_since(con: duckdb.DuckDBPyConnection, moment: datetime) -> bool:
    """Has anyone been forgotten since ``moment``? (``privacy`` records each erased customer ID in the history.)"""
    return bool(
        con.execute(
            "select count(*) from identity.id_history where change = 'erase' and run_id like 'privacy:%' "
            "and changed_at > ?",
            [moment],
        ).fetchall()[0][0]
    )


def log_run(con: duckdb.DuckDBPyConnection, run_id: str, facts: dict[str, object]) -> None:
    """One row of `identity.resolution_runs`."""
    columns = ["records", "customers", "merges", "splits", "erases", "pairs_kept", "largest_cluster",
               "model_trained", "seconds", "incremental", "changed_records"]  # fmt: skip
    con.execute(
        f"insert into identity.resolution_runs (run_id, resolved_at, {', '.join(columns)}) "
        f"values (?, now(), {', '.join('?' * len(columns))})",
        [run_id, *(facts[c] for c in columns)],
    )
