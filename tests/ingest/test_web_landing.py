"""The web events' landing folder: read file by file, once; a file caught half-written is read again once whole; a
folder that cannot be read says which setting to fix; a load the warehouse cannot take stops at once."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import duckdb
import pytest
from dlt.load.exceptions import LoadClientJobRetry

from dlt_sources.connections import (
    Connection,
    SourceConfigurationError,
    causes,
    configured_connection,
    source_clock,
)
from dlt_sources.pipelines import LOAD_MEMORY_SETTING, explain_load_failure, make_source
from simulator import running_simulator, web_landing_dir
from tests.ingest.helpers import landed_events, pipeline_for, simulated_world

PEOPLE, SEED = 150, 9


def _load_web(home: Path) -> dict[str, int]:
    pipeline = pipeline_for("web")
    pipeline.run(make_source(Connection("web", str(web_landing_dir(home)), "", simulated=True)))
    # A run that finishes a stopped load (dlt's pending package) only loads it: nothing is normalised.
    normalised = pipeline.last_trace.last_normalize_info
    return dict(normalised.row_counts) if normalised else {}


def test_a_file_caught_half_written_is_read_again_once_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    with running_simulator(home=tmp_path, people=PEOPLE, seed=SEED, in_thread=True):
        pass  # the simulator lands every finished day's file as it starts
    newest = max(web_landing_dir(tmp_path).glob("*.ndjson.gz"))
    whole, written = newest.read_bytes(), newest.stat().st_mtime
    # The collector is still writing it: the loader finds a gzip stream cut off in the middle.
    newest.write_bytes(whole[: len(whole) // 2])
    os.utime(newest, (written, written))
    _load_web(tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        (cut,) = con.execute(
            "select count(*) from raw_web.quarantine where source_record_id like ? and reason like 'file ends early%'",
            [f"{newest.name}:%"],
        ).fetchall()[0]
    assert cut == 1
    # Whole now, and written later: the next load reads it again, and every event of every file is there once.
    newest.write_bytes(whole)
    os.utime(newest, (written + 60, written + 60))
    again = _load_web(tmp_path)
    assert 0 < again["pixel_events"] <= sum(1 for line in gzip.decompress(whole).splitlines() if line)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows, ids = con.sql("select count(*), count(distinct id) from raw_web.pixel_events").fetchall()[0]
    assert rows == ids == landed_events(simulated_world(tmp_path))
    # Nothing new: nothing read.
    assert "pixel_events" not in _load_web(tmp_path)


def test_a_load_the_warehouse_has_no_memory_for_stops_at_the_first_failure_and_the_next_load_is_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A night at 100,000 people: DuckDB ran out of its load budget mid-commit, dlt tried the same jobs again in the
    # same process, and a later checkpoint found the table's columns corrupted: every event twice, for good.
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    with running_simulator(home=tmp_path, people=PEOPLE, seed=SEED, in_thread=True):
        pass
    # Room to create the tables, not to copy the events in. Measured with six of these loads at once on two cores:
    # creating the tables failed in 10 of 18 at 4 MB; at 8 MB all 24 stopped at the events' copy; at 12 MB a third
    # of them, at 16 MB none.
    monkeypatch.setenv(LOAD_MEMORY_SETTING, "8MB")
    with pytest.raises(Exception) as failure:
        _load_web(tmp_path)
    chain = [f"{type(cause).__name__}: {str(cause)[:200]}" for cause in causes(failure.value)]
    stopped = [cause for cause in causes(failure.value) if isinstance(cause, LoadClientJobRetry)]
    assert stopped and stopped[0].retry_count == 1, f"no job failed, or the failed one was run again: {chain}"
    explained = explain_load_failure("web", failure.value)
    assert explained is not None and LOAD_MEMORY_SETTING in str(explained) and "8MB" in str(explained)
    # With its usual budget the next run loads the stopped load (dlt's pending package): every event of every file,
    # once.
    monkeypatch.delenv(LOAD_MEMORY_SETTING)
    _load_web(tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows, ids = con.sql("select count(*), count(distinct id) from raw_web.pixel_events").fetchall()[0]
    assert rows == ids == landed_events(simulated_world(tmp_path))


def test_the_landing_folders_clock_is_its_newest_files_time(tmp_path: Path):
    with running_simulator(home=tmp_path, people=PEOPLE, seed=SEED, in_thread=True):
        pass
    clock = source_clock(Connection("web", str(web_landing_dir(tmp_path)), "", simulated=True))
    # The simulator's collector closes a day's file at midnight UTC of the simulated clock.
    assert clock is not None and (clock.year, clock.month, clock.day, clock.hour) == (2026, 6, 1, 0)


def test_a_landing_folder_that_cannot_be_read_says_which_setting_to_fix(tmp_path: Path):
    with pytest.raises(SourceConfigurationError, match="sources.web.bucket_url"):
        source_clock(Connection("web", str(tmp_path / "no-such-folder"), "", simulated=False))


def test_a_configured_landing_folder_is_read_instead_of_the_simulators(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCES__WEB__BUCKET_URL", "s3://collector/pixel-events")
    connection = configured_connection("web")
    assert connection is not None and connection.base_url == "s3://collector/pixel-events"
    assert not connection.simulated
