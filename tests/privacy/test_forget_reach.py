"""`cdp forget` reaches every copy of the person the CDP made: the warehouse, its analytics copy, export files, logs,
dlt's load packages, Dagster's run history and compute logs, and dbt's logs and run results.

The planted night's email tool refused the subject's address (its 400 quotes it), a Dagster export step failed
quoting it, and a dbt model failed on it; a byte scan finds the subject in each place before the forget, and
nowhere after.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from activation import planning, suppression
from activation.config import load_destinations
from tests.privacy.conftest import ForgottenPlanted, scan_areas


def test_the_scans_find_the_subject_everywhere_before_the_forget(forgotten_planted: ForgottenPlanted):
    # DuckDB compresses most strings, so a scan that finds nothing proves something only where it found them before.
    found = forgotten_planted.found_before
    # (The analytics copy holds them only as keyed hashes: test_analytics_copy.py.)
    assert "warehouse.duckdb" in found["CDP_HOME"]
    assert any(path.startswith("exports/") for path in found["CDP_HOME"])
    assert any(path.endswith(".db") for path in found["DAGSTER_HOME"]), found["DAGSTER_HOME"]
    assert any("compute_logs" in path for path in found["DAGSTER_HOME"]), found["DAGSTER_HOME"]
    assert any(path.endswith("dbt.log") for path in found["dbt_project"]), found["dbt_project"]


def test_forget_leaves_no_byte_of_the_subject_anywhere(forgotten_planted: ForgottenPlanted):
    night = forgotten_planted.night
    assert scan_areas(forgotten_planted.home, night.needles()) == {
        "CDP_HOME": [],
        "DAGSTER_HOME": [],
        "dbt_project": [],
    }


def test_the_runs_and_logs_are_kept_with_the_subject_redacted(forgotten_planted: ForgottenPlanted):
    """Erasing a person is no reason to lose the history of other runs: the failed step's run is still there."""
    night = forgotten_planted.night
    with duckdb.connect(str(forgotten_planted.home / "warehouse.duckdb"), read_only=True) as con:
        failed = con.execute(
            "select count(*) from marts.export_log where status = 'refused' and customer_id <> ?", [night.customer_id]
        ).fetchall()[0][0]
    assert failed > 0, "the other refused members' log rows stay"
    runs_before = sorted(p.name for p in (night.home / "dagster" / "history" / "runs").glob("*.db"))
    runs_after = sorted(p.name for p in (forgotten_planted.home / "dagster" / "history" / "runs").glob("*.db"))
    assert runs_after == runs_before
    assert (night.dbt_trace / "dbt.log").read_text().count("Conversion Error") == 1


def test_a_suppressed_subject_stays_suppressed_without_their_address_in_clear(
    forgotten_planted: ForgottenPlanted, tmp_path: Path, in_home
):
    """The subject was on the suppression list: if they come back (a lifted erasure, a new sign-up), they are still
    never contacted; the household's address stays on the list as it was."""
    night = forgotten_planted.night
    home = tmp_path / "home"
    shutil.copytree(forgotten_planted.home, home, ignore=shutil.ignore_patterns("dagster", "dlt", "simulator"))
    in_home(home)
    with (home / "suppression.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert [night.planted.family_email, ""] in rows
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        # The subject comes back: their profile and segments as they were before the forget.
        con.execute(f"attach '{night.home / 'warehouse.duckdb'}' as before (read_only)")
        for table in ("marts.customer_360", "marts.segment_membership"):
            con.execute(f"insert into {table} select * from before.{table} where customer_id = ?", [night.customer_id])
    assert _planned_emails(home, night) == set(), "the subject came back and was planned for the email tool"
    # Control: without the subject's line (the one that is not the family's), they would be sent.
    with (home / "suppression.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(r for r in rows if r[0] in ("email", night.planted.family_email))
    assert _planned_emails(home, night) == {night.planted.own_email}


def _planned_emails(home: Path, night) -> set[str]:
    """The subject's emails planned for Mailchimp, as the suppression list stands."""
    mailchimp = next(d for d in load_destinations() if d.name == "mailchimp")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        suppression.refresh_file(con)
        planned = planning.plan(con, mailchimp)
    return {e for e in planned.loc[planned.customer_id == night.customer_id, "email"]}
