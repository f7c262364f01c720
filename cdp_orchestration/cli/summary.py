"""The summary `cdp run` prints at the end of a night (CONTRACT §1)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
from dagster import DagsterInstance, ExecuteInProcessResult

import warehouse
from dlt_sources.common.quarantine import QUARANTINE_TABLE
from dlt_sources.common.upgrade import rows_kept
from dlt_sources.pipelines import SOURCES
from predictive import read_all


@dataclass
class NightSummary:
    loaded: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    quarantined: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    stage_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    warehouse_facts: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = ["", "CDP nightly run: summary", "", f"{'source':<10} {'rows loaded':>12} {'quarantined':>12}"]
        for source in SOURCES:
            out.append(f"{source:<10} {self.loaded.get(source, 0):>12,} {self.quarantined.get(source, 0):>12,}")
        if self.warehouse_facts:
            out.append("")
            out += [f"{label:<40} {value}" for label, value in self.warehouse_facts]
        out += ["", "wall time per stage"]
        out += [f"  {stage:<20} {seconds:8.1f} s" for stage, seconds in self.stage_seconds.items()]
        return out


def _stage(step_key: str, group_of_step: dict[str, str]) -> str:
    # Steps that materialise no asset are the asset checks.
    return group_of_step.get(step_key, "checks")


def summarise(result: ExecuteInProcessResult, instance: DagsterInstance, group_of_step: dict[str, str]) -> NightSummary:
    """Rows per source from the load assets' metadata, stage times from step events, the rest from the marts."""
    summary = NightSummary()
    for event in result.get_asset_materialization_events():
        key = event.asset_key.path
        metadata = event.materialization.metadata
        if key[0] == "dlt" and key[2] == QUARANTINE_TABLE:
            summary.quarantined[key[1]] += int(metadata["rows_this_load"].value)
        elif key[0] == "dlt":
            summary.loaded[key[1]] += int(metadata["rows_loaded"].value) if "rows_loaded" in metadata else 0
    starts: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            stage = _stage(event.step_key, group_of_step)
            summary.stage_seconds[stage] += entry.timestamp - starts[event.step_key]
    summary.warehouse_facts = warehouse_facts() + prediction_facts() + rows_sent_per_destination(result.run_id)
    return summary


def warehouse_facts() -> list[tuple[str, str]]:
    """Counts read back from the warehouse, for the tables this run built."""
    queries = [
        ("source person records", "select count(*) from marts.customer_id_map"),
        ("customers after resolution", "select count(*) from marts.customer_360"),
    ]
    facts: list[tuple[str, str]] = []
    with warehouse.connect(read_only=True) as con:
        for label, sql in queries:
            try:
                facts.append((label, f"{con.sql(sql).fetchall()[0][0]:,}"))
            except duckdb.CatalogException:
                continue
        try:
            for segment, size in con.sql(
                "select segment, count(*) from marts.segment_membership group by 1 order by 1"
            ).fetchall():
                facts.append((f"segment {segment}", f"{size:,}"))
        except duckdb.CatalogException:
            pass
        for schema, rows in rows_kept(con).items():
            facts.append((schema, f"{rows:,} rows kept from before an upgrade, read by no model (README: Upgrading)"))
    return facts


def prediction_facts() -> list[tuple[str, str]]:
    """Each prediction's model card in one line: published with its backtest against the baseline, or withheld."""
    return [(f"prediction {card.prediction}", card.headline()) for card in read_all()]


def rows_sent_per_destination(run_id: str) -> list[tuple[str, str]]:
    """Records each destination acknowledged in this run (marts.export_log), with the failures (retried next run)
    and the members it refuses (exports.refused: not sent again until their data changes)."""
    try:
        with warehouse.connect(read_only=True) as con:
            sent = con.execute(
                """select destination,
                          count(*) filter (where status = 'sent'), count(*) filter (where status = 'failed')
                   from marts.export_log where run_id = ? group by 1""",
                [run_id],
            ).fetchall()
            refused = con.sql("select destination, count(distinct record_key) from exports.refused group by 1")
            refused_members = dict(refused.fetchall())
    except duckdb.CatalogException:
        return []
    by_destination = {destination: (n_sent, n_failed) for destination, n_sent, n_failed in sent}
    lines = []
    for destination in sorted(by_destination.keys() | refused_members.keys()):
        n_sent, n_failed = by_destination.get(destination, (0, 0))
        notes = [f"{n_failed:,} failed, retried next run"] if n_failed else []
        if members := refused_members.get(destination, 0):
            notes.append(
                f"{members:,} member{'s' if members != 1 else ''} refused by {destination}, sent again when their "
                "data changes (reasons in marts.export_log)"
            )
        lines.append((f"rows sent to {destination}", f"{n_sent:,}" + (f" ({'; '.join(notes)})" if notes else "")))
    return lines
