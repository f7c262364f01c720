"""What a night records of its loads (`meta.source_loads`): the rows the summary printed, the rows quarantine holds."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

SUMMARY_ROW = re.compile(r"^(shopify|square|hubspot|web)\s+([\d,]+)\s+([\d,]+)$", re.MULTILINE)


def test_the_night_records_rows_loaded_and_quarantined_per_source(nightly_run, cdp_home: Path) -> None:
    printed = {
        source: (int(loaded.replace(",", "")), int(quarantined.replace(",", "")))
        for source, loaded, quarantined in SUMMARY_ROW.findall(nightly_run.stdout)
    }
    with duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True) as con:
        recorded = {
            source: (loaded, quarantined)
            for source, loaded, quarantined in con.sql(
                "select source_system, rows_loaded, rows_quarantined from meta.source_loads"
            ).fetchall()
        }
        # The first night's quarantine tables hold only what its loads put there.
        held = {s: con.sql(f"select count(*) from raw_{s}.quarantine").fetchall()[0][0] for s in recorded}
    assert set(printed) == {"shopify", "square", "hubspot", "web"}
    assert recorded == printed
    assert {s: q for s, (_, q) in recorded.items()} == held
