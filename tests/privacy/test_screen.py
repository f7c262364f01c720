"""A forgotten person the source still holds lands in quarantine as an ID, a keyed hash and `erased`, nothing more."""

from __future__ import annotations

import uuid
from pathlib import Path

import dlt
import pytest

from dlt_sources.connections import Connection
from dlt_sources.pipelines import make_source
from privacy.screen import ERASED, screen_source
from simulator import running_simulator
from tests.conftest import SESSION_PEOPLE, SESSION_SEED, run_cdp
from tests.privacy.conftest import Forgotten


def _items(home: Path, source: str, resource: str) -> list:
    # Outside a pipeline, dlt keeps incremental cursors in the active pipeline's state: start from an empty one,
    # whatever pipeline an earlier test left active in this process.
    dlt.pipeline(pipeline_name=f"screen_{uuid.uuid4().hex}", pipelines_dir=str(home / "screen_pipelines"))
    with running_simulator(home=home, people=int(SESSION_PEOPLE), seed=int(SESSION_SEED)) as base_url:
        connection = Connection(source, base_url, "simulator-token", simulated=True)
        dlt_source = screen_source(make_source(connection), source)
        return list(dlt_source.with_resources(resource))


def _split(items: list) -> tuple[list[dict], list[dict]]:
    """Records and quarantine rows (iterating a source outside a pipeline yields the arrow tables of both)."""
    rows = [row for table in items for row in table.to_pylist()]
    quarantined = [row for row in rows if "reason" in row and "payload" in row]
    return [row for row in rows if "reason" not in row], quarantined


@pytest.fixture()
def forgotten_home(forgotten: Forgotten, monkeypatch: pytest.MonkeyPatch) -> Forgotten:
    monkeypatch.setenv("CDP_HOME", str(forgotten.home))
    return forgotten


def test_a_full_reload_quarantines_the_forgotten_customer_without_payload(forgotten_home: Forgotten) -> None:
    source, record_id = next((s, r) for s, r in forgotten_home.records if s in ("shopify", "square"))
    data, quarantined = _split(_items(forgotten_home.home, source, "customers"))
    assert record_id not in {str(row["id"]) for row in data}
    erased = [q for q in quarantined if q["reason"] == ERASED]
    assert record_id in {q["source_record_id"] for q in erased}
    for row in erased:
        assert forgotten_home.email.lower() not in str(row).lower()
        assert row["payload"].startswith('{"identifier_hash":')
    # Everyone else still loads.
    assert len(data) > 50


def test_lift_ends_the_screening(forgotten_home: Forgotten, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(forgotten_home.home, home)
    monkeypatch.setenv("CDP_HOME", str(home))
    result = run_cdp(home, "forget", "--lift", "--email", forgotten_home.email)
    assert result.returncode == 0, result.stdout + result.stderr
    source, record_id = next((s, r) for s, r in forgotten_home.records if s in ("shopify", "square"))
    data, _ = _split(_items(home, source, "customers"))
    assert record_id in {str(row["id"]) for row in data}
