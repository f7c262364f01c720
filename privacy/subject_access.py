"""`cdp export-person`: everything the CDP holds about one person, as one JSON document (subject access)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from dlt_sources.common.upgrade import source_of_raw_schema
from privacy.parquet_files import LANDED, attach, find_tables, spark_places
from privacy.person import find_subject, in_catalog, person_tables
from warehouse import cdp_home, connect, has_table, quote


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def export_person(kind: str, identifier: str) -> str:
    """Source records, profile, segments, consent history and what was sent where, for the person `identifier` names."""
    with connect(read_only=True) as con:
        # In a Spark home the raw records are the landed files: every load's copy of a record is held, so shown.
        landed = spark_places(cdp_home()).get(LANDED)
        raw_catalog = LANDED if landed else None
        if landed:
            attach(con, LANDED, find_tables(landed))
        subject = find_subject(con, kind, identifier, raw_catalog)
        customers = sorted(subject.customer_ids)
        source_records: dict[str, list[dict[str, Any]]] = {}
        for table in person_tables(con, raw_catalog):
            ids = sorted(subject.bare_ids(source_of_raw_schema(table.schema) or ""))
            if ids:
                # A catalogue of landed files numbers each row (`rowid`, parquet_files.attach): not the person's data.
                columns = "* exclude (rowid)" if raw_catalog else "*"
                source_records[f"{table.schema}.{table.name}"] = _rows(
                    con,
                    f"select {columns} from {in_catalog(raw_catalog, table.ref)} "
                    f"where list_contains(?, cast({quote('id')} as varchar))",
                    [ids],
                )
        by_customer = "select * from {} where list_contains(?, customer_id)"
        document = {
            "identifier": {"kind": kind, "value": identifier},
            "customer_ids": customers,
            "source_records": source_records,
            "profiles": _rows(con, by_customer.format("marts.customer_360"), [customers])
            if has_table(con, "marts", "customer_360") else [],
            "segments": _rows(con, by_customer.format("marts.segment_history"), [customers])
            if has_table(con, "marts", "segment_history") else [],
            "consent_history": _rows(
                con,
                "select * from marts.fct_customer_events where list_contains(?, customer_id) "
                "and (event_type like 'consent%' or event_type like 'email_%subscribed') order by event_at",
                [customers],
            ) if has_table(con, "marts", "fct_customer_events") else [],
            "exports": _rows(con, by_customer.format("marts.export_log") + " order by sent_at", [customers])
            if has_table(con, "marts", "export_log") else [],
            "loyalty_accounts": _rows(con, by_customer.format("marts.loyalty_ledger"), [customers])
            if has_table(con, "marts", "loyalty_ledger") else [],
            "survey_answers": _rows(
                con,
                "select * from staging.stg_hubspot__feedback_submissions where list_contains(?, contact_id) "
                "order by submitted_at",
                [sorted(subject.bare_ids("hubspot"))],
            ) if has_table(con, "staging", "stg_hubspot__feedback_submissions") else [],
            "web_events": _rows(con, by_customer.format("marts.fct_web_events") + " order by occurred_at", [customers])
            if has_table(con, "marts", "fct_web_events") else [],
        }  # fmt: skip
    return json.dumps(document, indent=2, default=str, ensure_ascii=False)
