"""Alerts, backup and restore on real nights (issue 22).

One state folder lives through: a healthy night; a forget and a backup; the loss of the home, its restore into an
empty folder and a third night beside the home that lost nothing (the same simulated sources: its folder copied),
with the sources' clock stalled; then a source made unreachable and a destination refusing everything. A loopback
receiver counts what Apprise delivers. Truth is the simulated Mailchimp's own store and what the test planted.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from simulator import advance_day, running_simulator
from tests.conftest import run_cdp, run_night
from tests.operations.receiver import Receiver, receiver

pytestmark = pytest.mark.long_scenario  # `make test-scenarios`, not `make test`

# Shorter than the gap between two nights of this test: the stalled sources become news at once.
STALL_WINDOW_HOURS = "0.005"


@dataclass
class Lifeboat:
    kept: Path  # the home that never lost anything
    restored: Path  # lost after the backup and restored from it
    backup: Path
    forgotten_email: str
    forgotten_records: list[str]
    kept_third: dict[str, object] = field(default_factory=dict)  # what each home holds after the third night
    restored_third: dict[str, object] = field(default_factory=dict)
    alerts: dict[str, list[dict]] = field(default_factory=dict)  # step → alerts delivered after it
    runs: dict[str, object] = field(default_factory=dict)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pick_mailchimp_member(home: Path) -> tuple[str, list[str]]:
    """A customer with several source records who is a Mailchimp member (as the simulated store holds them)."""
    store = sqlite3.connect(home / "simulator" / "mailchimp.sqlite")
    members = {json.loads(body)["email_address"].lower() for (body,) in store.execute("select body from members")}
    store.close()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("""
            select lower(c.email), list(m.record_id order by m.record_id)
            from marts.customer_360 as c join marts.customer_id_map as m using (customer_id)
            where c.email is not null group by all having count(*) >= 2 order by 1
        """).fetchall()
    email, records = next((email, records) for email, records in rows if email in members)
    return email, records


def _mailchimp_members(home: Path) -> dict[str, tuple]:
    """The simulated Mailchimp's own store: member hash → status, tags, merge fields."""
    store = sqlite3.connect(home / "simulator" / "mailchimp.sqlite")
    members = {hash_: json.loads(body) for hash_, body in store.execute("select hash, body from members")}
    store.close()
    return {h: (m["status"], sorted(t["name"] for t in m["tags"]), m["merge_fields"]) for h, m in members.items()}


def _snapshot(home: Path) -> dict[str, object]:
    """What a home holds after a night: IDs, segment stays, export state, what the night sent, the email tool."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:

        def rows(sql: str, *params: object) -> list[tuple]:
            return sorted(con.execute(sql, list(params)).fetchall(), key=repr)

        (run_id,) = con.sql("select run_id from meta.source_clock order by recorded_at desc limit 1").fetchall()[0]
        found: dict[str, object] = {
            "assignments": dict(rows("select record_id, customer_id from identity.customer_assignments")),
            "segment history": rows("select segment, customer_id, entered_at, exited_at from marts.segment_history"),
            "night's exports": rows(
                "select destination, segment, record_key, action, status from marts.export_log where run_id = ?",
                run_id,
            ),
            "erased in quarantine": rows("select count(*) from quarantine.quarantined_records where reason = 'erased'"),
            "emails": {e for (e,) in rows("select lower(email) from marts.customer_360")},
        }
        for table in ("mailchimp_state", "klaviyo_lists_state", "google_ads_customer_match_state"):
            found[table] = rows(f"select * exclude (sync_id, acknowledged_at) from exports.{table}")
        found["suppressed"] = rows("select kind, value, source from exports.suppressed")
    found["mailchimp store"] = _mailchimp_members(home)
    return found


@pytest.fixture(scope="module")
def alerts() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


@pytest.fixture(scope="module")
def lifeboat(home_copy: Path, alerts: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Lifeboat:
    kept = home_copy  # the session's first night, copied
    to_kept = {"ALERTS__URLS": alerts.url("kept")}
    advance_day(1, home=kept)
    run_night(kept, to_kept)
    lost = tmp_path_factory.mktemp("restored") / "home"
    boat = Lifeboat(kept, lost, tmp_path_factory.mktemp("backups") / "nightly", "", [])
    boat.alerts["healthy night"] = alerts.take("kept")
    boat.runs["status after a healthy night"] = run_cdp(kept, "status")

    boat.forgotten_email, boat.forgotten_records = _pick_mailchimp_member(kept)
    forget = run_cdp(kept, "forget", "--email", boat.forgotten_email)
    assert forget.returncode == 0, forget.stderr
    boat.runs["backup"] = run_cdp(kept, "backup", "--to", str(boat.backup))
    assert boat.runs["backup"].returncode == 0, boat.runs["backup"].stderr

    # The disk is lost; the source systems and the email tool (the simulator's folder) live elsewhere and are not.
    boat.runs["restore"] = run_cdp(boat.restored, "restore", str(boat.backup))
    assert boat.runs["restore"].returncode == 0, boat.runs["restore"].stderr
    shutil.copytree(kept / "simulator", boat.restored / "simulator")

    # The third night, with the sources' clock stalled since the second.
    stalled = {"CDP_FRESHNESS_HOURS": STALL_WINDOW_HOURS}
    run_night(kept, {**to_kept, **stalled})
    boat.alerts["stalled clock"] = alerts.take("kept")
    run_night(boat.restored, {"ALERTS__URLS": alerts.url("restored"), **stalled})
    boat.alerts["restored home's stalled clock"] = alerts.take("restored")
    boat.kept_third, boat.restored_third = _snapshot(kept), _snapshot(boat.restored)

    unreachable = {
        **to_kept,
        "SOURCES__SHOPIFY__BASE_URL": f"http://127.0.0.1:{_closed_port()}",
        "SOURCES__SHOPIFY__ACCESS_TOKEN": "shpat-test",
    }
    boat.runs["unreachable source"] = run_cdp(kept, "run", extra_env=unreachable)
    boat.alerts["unreachable source"] = alerts.take("kept")

    # The simulated Mailchimp, on a copy of the email tool's store, asked with a key it refuses.
    elsewhere = tmp_path_factory.mktemp("mailchimp")
    shutil.copytree(kept / "simulator", elsewhere / "simulator")
    with running_simulator(home=elsewhere, in_thread=True) as url:
        # A key that is blank once trimmed: the simulated Mailchimp answers 401 to every request.
        refusing = {"DESTINATIONS__MAILCHIMP__BASE_URL": f"{url}/3.0", "DESTINATIONS__MAILCHIMP__API_KEY": " "}
        refusing |= to_kept
        # Only the step that meets the destination: the nights before ran the rest.
        mailchimp = ("--select", 'key:"exports/mailchimp"')
        boat.runs["refusing destination"] = run_cdp(kept, "run", *mailchimp, extra_env=refusing)
    boat.alerts["refusing destination"] = alerts.take("kept")
    boat.runs["status after a failed night"] = run_cdp(kept, "status")
    return boat


def test_a_healthy_night_alerts_nobody(lifeboat: Lifeboat) -> None:
    assert lifeboat.alerts["healthy night"] == []
    status = lifeboat.runs["status after a healthy night"]
    assert status.returncode == 0, status.stdout
    assert "nothing needs a person" in status.stdout


def test_a_stalled_source_clock_alerts_once_naming_every_source(lifeboat: Lifeboat) -> None:
    for step in ("stalled clock", "restored home's stalled clock"):
        (alert,) = lifeboat.alerts[step]
        assert "sent nothing new" in alert["title"]
        assert all(source in alert["message"] for source in ("shopify", "square", "hubspot")), alert["message"]
        assert "Since:" in alert["message"] and "Look further:" in alert["message"]


def test_an_unreachable_source_alerts_once(lifeboat: Lifeboat) -> None:
    run = lifeboat.runs["unreachable source"]
    assert run.returncode == 1
    # The night's own paragraph names the setting to fix too (CONTRACT §7), not only the library's error under it.
    assert "sources.shopify.base_url" in run.stderr, run.stderr[-2000:]
    (alert,) = lifeboat.alerts["unreachable source"]
    assert "nightly run failed" in alert["title"]
    assert "load_shopify" in alert["message"] and "cannot be reached" in alert["message"]


def test_a_destination_refusing_everything_alerts_once(lifeboat: Lifeboat) -> None:
    assert lifeboat.runs["refusing destination"].returncode == 1
    (alert,) = lifeboat.alerts["refusing destination"]
    assert "nightly run failed" in alert["title"]
    assert "mailchimp" in alert["message"] and "401" in alert["message"]


def test_alerts_carry_no_personal_data(lifeboat: Lifeboat) -> None:
    with duckdb.connect(str(lifeboat.kept / "analytics.duckdb"), read_only=True) as con:
        customers = {c for (c,) in con.sql("select customer_id from marts.customer_360").fetchall()}
    for step, delivered in lifeboat.alerts.items():
        for alert in delivered:
            text = alert["title"] + alert["message"]
            assert "@" not in text, (step, text)
            assert not any(customer in text for customer in customers), (step, text)


def test_status_exits_non_zero_when_a_night_failed(lifeboat: Lifeboat) -> None:
    status = lifeboat.runs["status after a failed night"]
    assert status.returncode == 1
    assert "NEEDS A PERSON" in status.stdout and "mailchimp" in status.stdout


def test_restore_keeps_every_customer_id(lifeboat: Lifeboat) -> None:
    kept = lifeboat.kept_third["assignments"]
    assert len(kept) > 300
    assert lifeboat.restored_third["assignments"] == kept


def test_restore_keeps_the_segment_history(lifeboat: Lifeboat) -> None:
    kept = lifeboat.kept_third["segment history"]
    assert any(exited for *_, exited in kept), "two nights give some exits"
    assert lifeboat.restored_third["segment history"] == kept


def test_restore_keeps_the_export_state_and_sends_nobody_twice(lifeboat: Lifeboat) -> None:
    for table in ("mailchimp_state", "klaviyo_lists_state", "google_ads_customer_match_state", "suppressed"):
        assert lifeboat.restored_third[table] == lifeboat.kept_third[table], table
    # What the third night sent is the same from both homes: the restored one resent nobody its lost disk had sent,
    # and sent the removal owed to the person forgotten before the backup.
    assert lifeboat.restored_third["night's exports"] == lifeboat.kept_third["night's exports"]
    assert ("mailchimp", None, None, "remove", "sent") in lifeboat.kept_third["night's exports"]


def test_the_email_tools_agree_and_hold_no_forgotten_person(lifeboat: Lifeboat) -> None:
    from simulator.mailchimp import subscriber_hash

    restored = lifeboat.restored_third["mailchimp store"]
    assert restored == lifeboat.kept_third["mailchimp store"]
    assert subscriber_hash(lifeboat.forgotten_email) not in restored


def test_restore_keeps_the_forgotten_person_forgotten(lifeboat: Lifeboat) -> None:
    assert not set(lifeboat.forgotten_records) & set(lifeboat.restored_third["assignments"])
    assert lifeboat.forgotten_email not in lifeboat.restored_third["emails"]
    # The restored home reloaded every source, met the person again and screened each of their records out.
    ((screened,),) = lifeboat.restored_third["erased in quarantine"]
    assert screened >= len(lifeboat.forgotten_records)


def test_the_dagster_sensors_alert_a_failed_run_once(
    lifeboat: Lifeboat, alerts: Receiver, in_home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When runs start from `dagster dev` or its daemon, the run-failure sensor tells, and the watchdog does not
    tell it again."""
    from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context, build_sensor_context

    from cdp_orchestration.operations.sensors import alert_on_run_failure, health_watchdog

    in_home(lifeboat.kept)
    monkeypatch.setenv("DAGSTER_HOME", str(lifeboat.kept / "dagster"))
    monkeypatch.setenv("ALERTS__URLS", alerts.url("sensor"))
    (lifeboat.kept / "operations" / "alerts.json").unlink()  # as if `cdp run` had not told anyone
    with DagsterInstance.get() as instance:
        (record,) = instance.get_run_records(limit=1)
        (failure,) = instance.all_logs(record.dagster_run.run_id, of_type=DagsterEventType.RUN_FAILURE)
        context = build_run_status_sensor_context(
            sensor_name="alert_on_run_failure",
            dagster_event=failure.dagster_event,
            dagster_instance=instance,
            dagster_run=record.dagster_run,
        ).for_run_failure()
        alert_on_run_failure(context)
        health_watchdog(build_sensor_context(instance=instance))
    (alert,) = alerts.take("sensor")
    assert "nightly run failed" in alert["title"] and "mailchimp" in alert["message"]


def test_the_nightly_backup_is_small_and_holds_what_no_reload_gives(lifeboat: Lifeboat) -> None:
    manifest = json.loads((lifeboat.backup / "manifest.json").read_text())
    files = {entry["name"] for entry in manifest["files"]}
    # The forget left a Mailchimp removal owed; the key recognises the erased identifiers.
    assert {"secrets/hash_key", "privacy/pending_removals.json", "identity/model.json"} <= files
    tables = {entry["name"] for entry in manifest["tables"]}
    assert {"identity.customer_assignments", "marts.segment_history", "privacy.erased_identifiers"} <= tables
    assert not any(name.startswith("raw_") for name in tables)
    assert (lifeboat.backup / "files" / "secrets" / "hash_key").stat().st_mode & 0o077 == 0
    size = sum(path.stat().st_size for path in lifeboat.backup.rglob("*") if path.is_file())
    assert size < 5 * 2**20, size
