"""The nightly identity step: the warehouse's person records in, stable customer IDs and their evidence out."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from identity import resolve_incremental
from identity.persistent_ids import assign_customer_ids
from identity.pipeline import MATCH_THRESHOLD
from resolution.report import write_report
from resolution.store import (
    ensure_tables,
    forgotten_since,
    load_inputs,
    load_previous,
    log_run,
    read_overrides,
    save_resolution,
)


@dataclass(frozen=True)
class ResolutionOutcome:
    records: int
    customers: int
    largest_cluster: int
    pairs_kept: int
    changes: dict[str, int]
    model_trained: bool
    incremental: bool
    changed_records: int
    seconds: float
    report: Path


def resolve_warehouse(
    con: duckdb.DuckDBPyConnection,
    model_path: Path,
    overrides: Sequence[Path],
    run_id: str,
    retrain: bool = False,
) -> ResolutionOutcome:
    """Resolves `intermediate.int_person_records`, carries customer IDs over from the last run and saves it all.

    The match model is trained on this warehouse's records and kept at `model_path`; `retrain` trains it afresh.
    A night resolves only what changed since the last one (`identity.resolve_incremental`), unless it is the first,
    `retrain` is asked for, the model no longer fits the records, or someone was forgotten since the model was
    trained (its term-frequency counts were made from their records too): then the model is trained afresh and
    everything is resolved again.
    `overrides` are the files of analysts' decisions, in the order they are read (a later decision wins).
    """
    started = time.perf_counter()
    model_path.parent.mkdir(parents=True, exist_ok=True)
    must_link, cannot_link = read_overrides(*overrides)
    ensure_tables(con)
    records, previous, retired = load_inputs(con)
    if model_path.exists() and forgotten_since(con, datetime.fromtimestamp(model_path.stat().st_mtime, UTC)):
        retrain = True
    result = resolve_incremental(
        records,
        None if retrain else load_previous(con),
        model_path=model_path,
        retrain=retrain,
        must_link=must_link,
        cannot_link=cannot_link,
    )
    assignment, history = assign_customer_ids(result.clusters, previous, retired)
    save_resolution(con, records, assignment, history, result, (must_link, cannot_link), run_id, datetime.now(UTC))
    changes = {change: int(history["change"].eq(change).sum()) for change in ("merge", "split", "erase")}
    outcome = ResolutionOutcome(
        records=len(records),
        customers=int(assignment["customer_id"].nunique()),
        largest_cluster=int(assignment["customer_id"].value_counts().max()) if len(assignment) else 0,
        pairs_kept=len(result.evidence),
        changes=changes,
        # Asked for, first run, a forget, or the saved model no longer fits the data (drift): each is a retrain.
        model_trained=result.trained,
        incremental=result.incremental,
        changed_records=result.changed_records,
        seconds=round(time.perf_counter() - started, 2),
        report=model_path.parent / "report.html",
    )
    log_run(
        con,
        run_id,
        {
            "records": outcome.records,
            "customers": outcome.customers,
            "merges": changes["merge"],
            "splits": changes["split"],
            "erases": changes["erase"],
            "pairs_kept": outcome.pairs_kept,
            "largest_cluster": outcome.largest_cluster,
            "model_trained": outcome.model_trained,
            "seconds": outcome.seconds,
            "incremental": outcome.incremental,
            "changed_records": outcome.changed_records,
        },
    )
    write_report(
        outcome.report,
        model_path,
        result.evidence,
        MATCH_THRESHOLD,
        {
            "records": outcome.records,
            "customers": outcome.customers,
            "pairs kept as evidence": outcome.pairs_kept,
            "largest customer (records)": outcome.largest_cluster,
            "model trained this run": outcome.model_trained,
            "resolved": f"{outcome.changed_records:,} changed records" if outcome.incremental else "all records",
        },
    )
    return outcome
