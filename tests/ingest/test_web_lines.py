"""A landing file's lines as the web load keeps them, whatever each line holds: the events arrow reads at once and the
lines it cannot read (another type, a line that is not an object, bytes that are not UTF-8, a file cut short) each
kept or quarantined as they would be alone, named by their line."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import orjson
import pytest

from dlt_sources.connections import Connection
from dlt_sources.pipelines import make_source
from tests.ingest.helpers import pipeline_for


def _event(number: int, **fields: object) -> bytes:
    event = {
        "id": f"ev-{number}",
        "name": "page_viewed",
        "type": "standard",
        "clientId": f"client-{number % 7}",
        "timestamp": f"2026-05-01T10:{number % 60:02d}:00.000Z",
        "seq": number,
        "context": {"document": {"location": {"href": f"https://shop.example/p/{number}"}}},
    }
    return orjson.dumps(event | fields)


# Line numbers of the planted file (1-based) and what each holds; the other lines are plain events.
PLANTED = {
    3: b'{"id": "ev-3", "name": "page_viewed", "clientId": "c", "timesta',  # cut short
    10: b"42",  # JSON, not an object
    11: b'["ev-11"]',
    20: _event(20, seq="twenty"),  # another type than documented: kept, in a variant column
    30: b'{"id": "ev-30", "name": }',  # looks like an object, is not JSON
    40: b'{"id": "ev-40"} {"id": "ev-41"}',  # two objects on a line
    50: _event(50).replace(b"client-1", b"client-\xe9"),  # a byte that is not UTF-8
    60: _event(60, loyaltyTier={"tier": "GOLD"}),  # a field nobody declared: absorbed
    70: b"",  # an empty line: skipped
    80: orjson.dumps({k: v for k, v in orjson.loads(_event(80)).items() if k != "clientId"}),  # an event of no visitor
}
LINES = 2_500
UNREADABLE = {3: "not JSON", 10: "not a JSON object", 11: "not a JSON object", 30: "not JSON", 40: "not JSON"}


def _write(folder: Path, name: str, lines: list[bytes]) -> None:
    (folder / name).write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))


def _load(folder: Path) -> None:
    pipeline_for("web").run(make_source(Connection("web", str(folder), "", simulated=False)))


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


def test_each_line_is_kept_or_quarantined_as_it_would_be_alone(landing: Path):
    lines = [PLANTED.get(number, _event(number)) for number in range(1, LINES + 1)]
    _write(landing, "events-2026-05-01.ndjson.gz", lines)
    _load(landing)
    with duckdb.connect(str(landing.parent / "warehouse.duckdb"), read_only=True) as con:
        ids = {i for (i,) in con.sql("select id from raw_web.pixel_events").fetchall()}
        quarantined = dict(
            con.sql("select source_record_id, reason from raw_web.quarantine where disposition = 'rejected'").fetchall()
        )
        variant = con.sql("select seq__v_json from raw_web.pixel_events where id = 'ev-20'").fetchall()
        absorbed = con.sql("select loyalty_tier from raw_web.pixel_events where id = 'ev-60'").fetchall()
        (rejected,) = con.sql("select payload from raw_web.quarantine where source_record_id = 'ev-80'").fetchall()
    unreadable = set(UNREADABLE) | {50}  # bytes that are not UTF-8: the line is not JSON
    kept = {f"ev-{n}" for n in range(1, LINES + 1) if n not in unreadable and n not in (70, 80)}
    assert ids == kept
    named = {f"events-2026-05-01.ndjson.gz:{n}": reason for n, reason in UNREADABLE.items()}
    assert named.keys() <= quarantined.keys()
    for where, reason in named.items():
        assert reason in quarantined[where], (where, quarantined[where])
    assert "events-2026-05-01.ndjson.gz:50" in quarantined
    assert variant == [('"twenty"',)]
    assert absorbed and "GOLD" in absorbed[0][0]
    # A rejected event is kept as it came, not as the columns read it.
    assert orjson.loads(rejected[0]) == orjson.loads(PLANTED[80])


def test_a_file_cut_short_keeps_its_whole_lines_and_names_where_it_ends(landing: Path):
    whole = gzip.compress(b"\n".join(_event(number) for number in range(1, LINES + 1)) + b"\n")
    (landing / "events-2026-05-02.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    _load(landing)
    with duckdb.connect(str(landing.parent / "warehouse.duckdb"), read_only=True) as con:
        ids = [i for (i,) in con.sql("select id from raw_web.pixel_events").fetchall()]
        cut = con.sql("select source_record_id from raw_web.quarantine where reason like 'file ends early%'").fetchall()
    # Every event before the cut, in order of the file, each once.
    assert ids and len(ids) == len(set(ids)) < LINES
    assert sorted(int(i.removeprefix("ev-")) for i in ids) == list(range(1, len(ids) + 1))
    assert cut == [(f"events-2026-05-02.ndjson.gz:{len(ids) + 1}",)]
