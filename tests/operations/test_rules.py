"""The watchdog's rules on planted facts: what needs a person, and what does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from operations import Health, Night, findings, redact
from operations.health import DestinationHealth, DiskHealth, IdentityHealth, SourceHealth, last_new
from operations.settings import source_freshness_windows, thresholds

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
ROOMY_DISK = DiskHealth(Path("/srv/cdp"), free_bytes=100 * 2**30, total_bytes=200 * 2**30, needed_bytes=2**30)


def night(hours_ago: float, status: str = "success", step: str | None = None, error: str | None = None) -> Night:
    started = NOW - timedelta(hours=hours_ago)
    finished = None if status == "running" else started + timedelta(minutes=20)
    return Night(f"run-{hours_ago}", "nightly", status, started, finished, True, step, error)


def health(**facts) -> Health:
    nights = facts.pop("nights", [night(6)])
    return Health(checked_at=NOW, home=Path("/srv/cdp"), nights=nights, disk=ROOMY_DISK, **facts)


def kinds_and_subjects(found) -> list[tuple[str, str]]:
    return [(f.kind, f.subject) for f in found]


@pytest.fixture(autouse=True)
def default_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CDP_FRESHNESS_HOURS", "CDP_NIGHT_EXPECTED_HOURS", "CDP_ALERT_EXPORT_FAILED_SHARE"):
        monkeypatch.delenv(name, raising=False)


def test_a_healthy_installation_needs_nobody() -> None:
    source = SourceHealth("shopify", NOW - timedelta(hours=6), NOW - timedelta(hours=6), 300, 2, 0.01)
    mailchimp = DestinationHealth("mailchimp", NOW - timedelta(hours=6), 120, 1, NOW - timedelta(hours=6))
    identity = IdentityHealth(NOW - timedelta(hours=6), 1000, 700, 5, 4, 0.31)
    assert findings(health(sources=[source], destinations=[mailchimp], identity=identity), thresholds()) == []


def test_a_failed_night_is_one_finding_since_the_first_failure_of_the_streak() -> None:
    nights = [night(6, "failure", "load_shopify", "SourceConfigurationError: cannot be reached"),
              night(30, "failure", "load_shopify"), night(54)]  # fmt: skip
    (found,) = findings(health(nights=nights), thresholds())
    assert (found.kind, found.subject) == ("night", "failed at load_shopify")
    assert found.since == NOW - timedelta(hours=30)
    assert "Failed runs in a row: 2" in found.what and "cannot be reached" in found.what


def test_a_night_killed_midway_is_unfinished_once_a_later_one_started() -> None:
    nights = [night(1, "running"), night(25, "running"), night(49)]
    assert kinds_and_subjects(findings(health(nights=nights), thresholds())) == [("night", "unfinished run-25")]


def test_a_night_still_running_long_after_its_start_is_unfinished() -> None:
    assert kinds_and_subjects(findings(health(nights=[night(9, "running"), night(33)]), thresholds())) == [
        ("night", "unfinished run-9")
    ]


def test_no_good_night_for_more_than_a_day_is_overdue() -> None:
    assert kinds_and_subjects(findings(health(nights=[night(30)]), thresholds())) == [("night", "overdue")]


def test_a_source_quiet_for_longer_than_its_window() -> None:
    quiet = SourceHealth("square", NOW - timedelta(days=3), NOW - timedelta(days=3), 0, 0, 0.01)
    fresh = SourceHealth("hubspot", NOW, NOW - timedelta(hours=1), 50, 0, 0.01)
    (found,) = findings(health(sources=[quiet, fresh]), thresholds())
    assert (found.kind, found.subject, found.since) == ("freshness", "square", NOW - timedelta(days=3))


def test_the_freshness_window_is_the_dbt_sources_warn_after() -> None:
    windows = source_freshness_windows()
    assert windows["shopify"] == timedelta(days=2)  # warn_after: {count: 2, period: day} in _shopify__sources.yml
    assert set(windows) >= {"shopify", "square", "hubspot"}


def test_the_freshness_window_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    source = SourceHealth("shopify", NOW, NOW - timedelta(hours=2), 10, 0, 0.0)
    assert findings(health(sources=[source]), thresholds()) == []
    monkeypatch.setenv("CDP_FRESHNESS_HOURS", "1")
    assert kinds_and_subjects(findings(health(sources=[source]), thresholds())) == [("freshness", "shopify")]


def test_last_new_is_when_the_clock_last_moved_or_rows_last_arrived_whichever_is_older() -> None:
    day = timedelta(days=1)
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    moving = [(t0, NOW - 2 * day, 100), (t0 + day, NOW - day, 10)]
    assert last_new(moving) == NOW - day
    stalled = [*moving, (t0 + day, NOW, 3)]  # reloaded a few rows, but the source's clock stood still
    assert last_new(stalled) == NOW - day
    quiet = [*moving, (t0 + 2 * day, NOW, 0)]  # the clock moved, nothing came
    assert last_new(quiet) == NOW - day


def test_quarantine_above_its_usual_share() -> None:
    jumped = SourceHealth("hubspot", NOW, NOW, rows_loaded=400, rows_quarantined=100, usual_quarantine_share=0.01)
    usual = SourceHealth("square", NOW, NOW, rows_loaded=400, rows_quarantined=4, usual_quarantine_share=0.01)
    few = SourceHealth("shopify", NOW, NOW, rows_loaded=20, rows_quarantined=5, usual_quarantine_share=0.01)
    assert kinds_and_subjects(findings(health(sources=[jumped, usual, few]), thresholds())) == [
        ("quarantine", "hubspot")
    ]


def test_exports_failing_above_the_set_share(monkeypatch: pytest.MonkeyPatch) -> None:
    failing = DestinationHealth("mailchimp", NOW, sent=80, failed=20, failing_since=NOW - timedelta(days=2))
    (found,) = findings(health(destinations=[failing]), thresholds())
    assert (found.kind, found.subject, found.since) == ("exports", "mailchimp", NOW - timedelta(days=2))
    monkeypatch.setenv("CDP_ALERT_EXPORT_FAILED_SHARE", "0.5")
    assert findings(health(destinations=[failing]), thresholds()) == []


def test_identity_moving_sharply() -> None:
    glued = IdentityHealth(NOW, records=1000, customers=700, largest_cluster=40, usual_largest_cluster=5,
                           usual_share_merged=0.3)  # fmt: skip
    split = IdentityHealth(NOW, records=1000, customers=950, largest_cluster=5, usual_largest_cluster=5,
                           usual_share_merged=0.3)  # fmt: skip
    assert kinds_and_subjects(findings(health(identity=glued), thresholds())) == [("identity", "resolution")]
    assert "largest customer holds 40" in findings(health(identity=glued), thresholds())[0].what
    assert "5.0% of records are merged" in findings(health(identity=split), thresholds())[0].what


def test_a_filling_disk() -> None:
    full = Health(NOW, Path("/srv/cdp"), [night(6)], DiskHealth(Path("/srv/cdp"), 2**30, 100 * 2**30, 2**30))
    assert kinds_and_subjects(findings(full, thresholds())) == [("disk", "/srv/cdp")]


def test_redact_removes_what_a_destination_quotes_of_a_person() -> None:
    error = (
        "MailchimpError: POST /lists/abc/members/0cc175b9c0f1b6a831c399e269772661: 400 Ana.Lee+x@Example.co.id "
        "looks fake; phone +62 812-3456-7890 on 2026-06-01 at http://127.0.0.1:8765/3.0"
    )
    redacted = redact(error)
    assert "Example" not in redacted and "0cc175b9" not in redacted and "3456" not in redacted
    assert "2026-06-01" in redacted and "looks fake" in redacted and "127.0.0.1:8765" in redacted
