"""The analytics copy holds no personal data of anyone in the simulated population, unless asked to.

Every email, phone, name and birth date the source systems hold on a record of the simulator's truth, and every
web client ID the simulator's truth gives a person (`web_clients.csv`), is looked for in every text column of
`analytics.duckdb` (and birth dates in every date column): in the session's night, and in
the planted night, whose email tool refused members with a message quoting their address.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from identity import is_placeholder, normalize_date, phone_key
from privacy.analytics_copy import publish_copy
from tests.privacy.conftest import PlantedNight
from warehouse.catalog import tables
from warehouse.paths import DBT_PROJECT_DIR

# What each source system's person records hold about the person, by column: (table, kind → columns).
PERSON_FIELDS = {
    "shopify": (
        "raw_shopify.customers",
        {
            "email": ["email"],
            "phone": ["phone", "default_address__phone"],
            "name": ["first_name", "last_name", "default_address__first_name", "default_address__last_name"],
        },
    ),
    "square": (
        "raw_square.customers",
        {"email": ["email_address"], "phone": ["phone_number"], "name": ["given_name", "family_name"],
         "birth_date": ["birthday"]},
    ),
    "hubspot": (
        "raw_hubspot.contacts",
        {"email": ["email"], "phone": ["phone", "mobilephone"], "name": ["firstname", "lastname"],
         "birth_date": ["date_of_birth"]},
    ),
}  # fmt: skip
# A phone's national number is found in any format by its digits; shorter runs of digits are codes, not phones.
MIN_PHONE_DIGITS = 8
MIN_NAME_LENGTH = 2
MIN_EMAIL_LENGTH = 6
# The dbt seeds that are reference tables the project ships, about no person (the analysts' identity overrides may
# quote one, so they are scanned).
SEEDS = {path.stem for path in (DBT_PROJECT_DIR / "seeds").glob("*.csv")} - {"identity_overrides"}


@dataclass
class Population:
    """Every personal value the source systems hold on the truth's records, in the form a scan looks for."""

    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # national significant numbers
    names: set[str] = field(default_factory=set)  # lower-cased, whole given and family names and full names
    birth_dates: set[str] = field(default_factory=set)  # ISO
    client_ids: set[str] = field(default_factory=set)  # the browsers of one person (a shop's tablet is no one's)

    @classmethod
    def of(cls, home: Path) -> Population:
        with (home / "simulator" / "truth.csv").open(newline="") as handle:
            truth = {(r["source_system"], r["source_record_id"]): r["person_id"] for r in csv.DictReader(handle)}
        found = cls()
        typed_emails: dict[str, set[str]] = {}  # email as typed → people who typed it
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
            for source, (table, kinds) in PERSON_FIELDS.items():
                columns = [c for cs in kinds.values() for c in cs]
                for record_id, *values in con.execute(
                    f"select cast(id as varchar), {', '.join(columns)} from {table}"
                ).fetchall():
                    if (source, record_id) in truth:
                        row = dict(zip(columns, values, strict=True))
                        found._add(kinds, row)
                        for email in (row[c] for c in kinds["email"] if row[c]):
                            typed_emails.setdefault(email.strip().lower(), set()).add(truth[(source, record_id)])
        # An address typed wrong is still the person's; one typed for many people is the till's placeholder.
        found.emails |= {e for e, people in typed_emails.items() if len(people) == 1 and len(e) >= MIN_EMAIL_LENGTH}
        with (home / "simulator" / "web_clients.csv").open(newline="") as handle:
            found.client_ids = {r["client_id"].lower() for r in csv.DictReader(handle) if r["kind"] == "personal"}
        return found

    def _add(self, kinds: dict[str, list[str]], row: dict[str, str | None]) -> None:
        def typed(kind: str) -> list[str]:
            return [row[c].strip() for c in kinds.get(kind, []) if row[c] and not is_placeholder(row[c], kind)]

        self.emails |= {e.lower() for e in typed("email")}
        self.phones |= {p for p in (phone_key(v) for v in typed("phone")) if p and len(p) >= MIN_PHONE_DIGITS}
        names = [n.lower() for n in typed("name") if len(n) >= MIN_NAME_LENGTH]
        self.names |= set(names)
        if len(names) >= 2:
            self.names.add(f"{names[0]} {names[1]}")
        self.birth_dates |= {d for d in (normalize_date(v) for v in typed("birth_date")) if d}


class Scanner:
    def __init__(self, population: Population) -> None:
        self.population = population
        self.emails = re.compile("|".join(map(re.escape, sorted(population.emails, key=len, reverse=True))))
        self.dates = re.compile("|".join(map(re.escape, sorted(population.birth_dates))))

    def finds(self, cell: str) -> str | None:
        """What of the population `cell` holds, if anything."""
        text = cell.strip().lower()
        if match := self.emails.search(text):
            return f"email {match.group()}"
        if text in self.population.names:
            return f"name {text}"
        if text in self.population.client_ids:
            return f"web client {text}"
        if match := self.dates.search(text):
            return f"birth date {match.group()}"
        for run in re.findall(r"\+?\d[\d\s().-]{6,}\d", text):
            digits = re.sub(r"\D", "", run)
            if any(digits.endswith(p) for p in self.population.phones):
                return f"phone {run}"
        return None


def personal_values_in(analytics: Path, population: Population) -> dict[str, str]:
    """`schema.table.column` → an example of personal data found in it."""
    scanner = Scanner(population)
    birth_dates = sorted(date.fromisoformat(d) for d in population.birth_dates)
    hits: dict[str, str] = {}
    with duckdb.connect(str(analytics), read_only=True) as con:
        for table in tables(con):
            if table.name in SEEDS:
                continue  # reference data the project ships (a street word may also be somebody's surname)
            for column, data_type in table.columns.items():
                where = f"{table.schema}.{table.name}.{column}"
                quoted = '"' + column.replace('"', '""') + '"'
                if data_type in ("VARCHAR", "JSON"):
                    for (cell,) in con.execute(f"select distinct {quoted} from {table.ref} where {quoted} is not null"
                                               ).fetchall():  # fmt: skip
                        if found := scanner.finds(str(cell)):
                            hits[where] = found
                            break
                elif data_type == "DATE" or data_type.startswith("TIMESTAMP"):
                    (n,) = con.execute(
                        f"select count(*) from {table.ref} where cast({quoted} as date) in (select unnest(?))",
                        [birth_dates],
                    ).fetchall()[0]
                    if n:
                        hits[where] = f"{n} birth dates"
    return hits


@pytest.fixture(scope="module")
def session_population(nightly_run, cdp_home: Path) -> Population:
    return Population.of(cdp_home)


def test_the_population_scan_finds_what_the_warehouse_holds(session_population: Population, cdp_home: Path):
    """Control: the scan finds the population in the warehouse itself, where it is held in clear."""
    hits = personal_values_in(cdp_home / "warehouse.duckdb", session_population)
    assert {"marts.customer_360.email", "marts.customer_360.first_name", "marts.customer_360.phone"} <= set(hits)
    assert "marts.fct_web_events.client_id" in hits
    assert "marts.customer_360.date_of_birth" in hits
    assert len(session_population.emails) > 200 and len(session_population.birth_dates) > 50


def test_the_session_analytics_copy_holds_no_personal_data(session_population: Population, cdp_home: Path):
    assert personal_values_in(cdp_home / "analytics.duckdb", session_population) == {}


def test_the_planted_analytics_copy_holds_no_personal_data(planted_night: PlantedNight):
    """The email tool's refusals quote the address (`marts.export_log.error`), quarantine reasons quote values."""
    home = planted_night.home
    assert personal_values_in(home / "analytics.duckdb", Population.of(home)) == {}


# The tables of the intermediate layer a reader of the analytics copy needs: the console finds customers by their
# source records and dates its segment history by the run's as-of time (cdp_orchestration/console/queries/).
READ_FROM_THE_STEPS = {("intermediate", "int_person_records"), ("intermediate", "int_run_as_of")}


def test_the_analytics_copy_holds_the_marts_and_not_the_steps_towards_them(nightly_run, cdp_home: Path):
    """Analysts query the marts; the staging and intermediate models only lead there and hold each source's records
    again. The copy leaves them out (data minimisation), but what the console reads."""
    with duckdb.connect(str(cdp_home / "warehouse.duckdb"), read_only=True) as con:
        built = {(t.schema, t.name) for t in tables(con)}
    with duckdb.connect(str(cdp_home / "analytics.duckdb"), read_only=True) as con:
        published = {(t.schema, t.name) for t in tables(con)}
    steps = {(schema, name) for schema, name in built if schema == "intermediate" or name.startswith("stg_")}
    marts = {(schema, name) for schema, name in built if schema == "marts"}
    assert steps & published == READ_FROM_THE_STEPS
    assert marts <= published


def test_birth_dates_are_generalised_to_a_band_and_a_month(cdp_home: Path, built_warehouse):
    """No birth date within a year: age is a band, the month stays, the day and what gives it away go."""
    with duckdb.connect(str(cdp_home / "analytics.duckdb"), read_only=True) as con:
        columns = dict(
            con.sql(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'customer_360'"
            ).fetchall()
        )
        bands = [b for (b,) in con.sql("select distinct age from marts.customer_360 where age is not null").fetchall()]
    assert not {"date_of_birth", "birth_day", "next_birthday", "days_to_next_birthday"} & set(columns)
    assert columns["age"] == "VARCHAR" and bands and all(re.fullmatch(r"\d+-\d+|\d+\+", b) for b in bands), bands
    assert columns["birth_month"] in ("INTEGER", "BIGINT")


def test_full_pii_publishes_the_values_in_clear(home_copy: Path, in_home, monkeypatch):
    from privacy.classification import load_classification

    in_home(home_copy)
    monkeypatch.setenv("CDP_ANALYTICS_PII", "full")
    publish_copy(load_classification(DBT_PROJECT_DIR / "target" / "manifest.json"))
    population = Population.of(home_copy)
    hits = personal_values_in(home_copy / "analytics.duckdb", population)
    assert {"marts.customer_360.email", "marts.customer_360.phone", "marts.customer_360.date_of_birth"} <= set(hits)
    with duckdb.connect(str(home_copy / "analytics.duckdb"), read_only=True) as con:
        con.execute(f"attach '{home_copy / 'warehouse.duckdb'}' as w (read_only)")
        differ = con.sql(
            "select count(*) from (select * from w.marts.customer_360 except all select * from marts.customer_360)"
        ).fetchall()[0][0]
    assert differ == 0
