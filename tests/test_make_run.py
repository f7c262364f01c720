"""The contract of `make run`: exit 0, a summary, and an analytics copy the DuckDB CLI opens."""

import subprocess
import sys
from pathlib import Path


def test_the_summary_names_every_stage_and_count(nightly_run):
    out = nightly_run.stdout
    for expected in (
        "rows loaded",
        "quarantined",
        "source person records",
        "customers after resolution",
        "wall time per stage",
        "ingest",
        "identity",
        "marts",
    ):
        assert expected in out, f"{expected!r} missing from the summary:\n{out}"


def test_the_analytics_copy_opens_read_only_with_the_same_customers(built_warehouse, cdp_home):
    import duckdb

    with duckdb.connect(str(cdp_home / "analytics.duckdb"), read_only=True) as copy:
        copied = copy.sql("select count(*) from marts.customer_360").fetchall()[0][0]
    assert copied == built_warehouse.sql("select count(*) from marts.customer_360").fetchall()[0][0] > 0


def test_the_duckdb_cli_opens_the_analytics_copy(nightly_run, cdp_home):
    """The copy is in a storage version the DuckDB CLI on the package registry can open (CONTRACT §4)."""
    cli = Path(sys.executable).parent / "duckdb"
    result = subprocess.run(
        [str(cli), "-readonly", "-csv", str(cdp_home / "analytics.duckdb"), "select count(*) from marts.customer_360"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 0
