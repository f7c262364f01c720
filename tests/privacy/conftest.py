"""Forgotten people for the privacy tests: one on a copy of the session warehouse per module, and one of a planted
population (its own small night) shared by the modules that judge a forget against the simulator's truth."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import simulator.simulation as simulation
from simulator import running_simulator
from tests.conftest import SESSION_SEED, run_cdp, run_night
from tests.privacy.planted import Planted, planting_generate, record_refusal_in_dagster, record_refusal_in_dbt
from tests.privacy.scans import Needles, files_holding
from warehouse.paths import DBT_PROJECT_DIR


@dataclass(frozen=True)
class Forgotten:
    home: Path
    customer_id: str
    email: str
    phone: str | None
    records: list[tuple[str, str]]
    result: subprocess.CompletedProcess


def pick_person(warehouse: Path) -> tuple[str, str, str | None, list[tuple[str, str]]]:
    """A customer with several source records, an email and a phone no one else's record holds, and a Mailchimp
    membership: the hardest case to erase."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        customer_id, email, phone = con.sql("""
            with holders as (
                select p.email_key as value, count(distinct m.customer_id) as customers
                from intermediate.int_person_records as p join marts.customer_id_map as m using (record_id)
                group by all
                union all
                select p.phone, count(distinct m.customer_id)
                from intermediate.int_person_records as p join marts.customer_id_map as m using (record_id)
                group by all
            )
            select c.customer_id, c.email, c.phone
            from marts.customer_360 as c
            join exports.mailchimp_state as s using (customer_id)
            join marts.customer_id_map as m using (customer_id)
            where c.email is not null and c.phone is not null
              and not exists (select 1 from holders where value in (c.email, c.phone) and customers > 1)
            group by all having count(distinct m.record_id) >= 2
            order by c.customer_id limit 1
        """).fetchall()[0]
        records = con.execute(
            "select source_system, source_record_id from marts.customer_id_map where customer_id = ?", [customer_id]
        ).fetchall()
    return customer_id, email, phone, records


@pytest.fixture(scope="module")
def forgotten(nightly_run, cdp_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Forgotten:
    home = tmp_path_factory.mktemp("forgotten") / "home"
    shutil.copytree(cdp_home, home)
    customer_id, email, phone, records = pick_person(home / "warehouse.duckdb")
    # Named by an upper-cased email, as a person writes it in their request.
    result = run_cdp(home, "forget", "--email", email.upper(), "--requested-by", "dpo@example.com")
    assert result.returncode == 0, result.stderr[-3000:]
    return Forgotten(home, customer_id, email, phone, records, result)


PLANTED_PEOPLE = "250"
# The source systems' own copy of the person is not the CDP's to erase.
SOURCE_SYSTEMS = ("simulator",)


@dataclass(frozen=True)
class PlantedNight:
    """A night over a population with the forget traps of `planted.py`, and the subject's and member's customers."""

    home: Path
    planted: Planted
    customer_id: str  # the subject's
    member_customer_id: str
    dbt_trace: Path  # the failed dbt step's folder under dbt's target/

    def needles(self) -> Needles:
        return Needles.of(self.planted.own_email, self.planted.own_number)

    def truth(self) -> list[tuple[str, str, str, str]]:
        return truth_rows(self.home)

    def records_of(self, person: str) -> set[tuple[str, str]]:
        return {(system, record) for system, record, pid, _ in self.truth() if pid == person}


@pytest.fixture(scope="session")
def planted_night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlantedNight]:
    """One night over the planted population (its own small run), after which the email tool has refused the
    subject (`… looks fake or invalid`) and a Dagster step and a dbt model have failed quoting their email."""
    home = tmp_path_factory.mktemp("planted") / "home"
    found: list[Planted] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulation, "generate", planting_generate(found))
        with running_simulator(home=home, people=int(PLANTED_PEOPLE), seed=int(SESSION_SEED), in_thread=True) as url:
            env = {
                "CDP_PEOPLE": PLANTED_PEOPLE,
                "DESTINATIONS__MAILCHIMP__BASE_URL": f"{url}/3.0",
                "DESTINATIONS__MAILCHIMP__API_KEY": "planted-key",
                # The subject must reach the email tool to be refused: no control group (its draw is by the home's
                # random hash key), so only a segment's own holdout could keep them back.
                "CDP_CONTROL_GROUP_PCT": "0",
            }
            for source in ("SHOPIFY", "SQUARE", "HUBSPOT"):
                env |= {f"SOURCES__{source}__BASE_URL": url, f"SOURCES__{source}__ACCESS_TOKEN": "planted-token"}
            run_night(home, extra_env=env)
    planted = found[-1]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        customers = dict(
            con.execute(
                "select source_system || ':' || source_record_id, customer_id from marts.customer_id_map"
            ).fetchall()
        )
        refusals = con.execute(
            "select count(*) from marts.export_log where destination = 'mailchimp' and status = 'refused' "
            "and customer_id = ?",
            [customers[":".join(planted.till_record)]],
        ).fetchall()[0][0]
    night = PlantedNight(
        home,
        planted,
        customers[":".join(planted.till_record)],
        next(customers[f"{s}:{r}"] for s, r, pid, _ in sorted(truth_rows(home)) if pid == planted.member),
        record_refusal_in_dbt(DBT_PROJECT_DIR / "target", planted.own_email),
    )
    subject_records = {f"{s}:{r}" for s, r in night.records_of(planted.subject)}
    # Preconditions: identity kept the subject's records together and apart from everyone else's, and the email
    # tool refused the subject.
    assert {r for r, c in customers.items() if c == night.customer_id} == subject_records
    assert refusals > 0, "the email tool should have refused the subject's address"
    record_refusal_in_dagster(home / "dagster", f"{planted.own_email} looks fake or invalid")
    yield night
    shutil.rmtree(night.dbt_trace, ignore_errors=True)


def truth_rows(home: Path) -> list[tuple[str, str, str, str]]:
    """(source_system, source_record_id, person_id, household_id) of every record in the simulator's truth."""
    with (home / "simulator" / "truth.csv").open(newline="") as handle:
        return [tuple(row) for row in list(csv.reader(handle))[1:]]


@dataclass(frozen=True)
class ForgottenPlanted:
    night: PlantedNight  # as it was before the forget
    home: Path  # a copy of it after `cdp forget --customer-id` of the subject
    result: subprocess.CompletedProcess
    found_before: dict[str, list[str]]  # where a byte scan found the subject just before the forget


def scan_areas(home: Path, needles: Needles) -> dict[str, list[str]]:
    """Files holding the needles in the three places a forget must clean: CDP_HOME (less the source systems'
    own state), DAGSTER_HOME (the default one, inside it) and the dbt project folder."""
    return {
        "CDP_HOME": files_holding(home, needles, skip=(*SOURCE_SYSTEMS, "dagster")),
        "DAGSTER_HOME": files_holding(home / "dagster", needles),
        "dbt_project": files_holding(DBT_PROJECT_DIR, needles),
    }


@pytest.fixture(scope="session")
def forgotten_planted(planted_night: PlantedNight, tmp_path_factory: pytest.TempPathFactory) -> ForgottenPlanted:
    home = tmp_path_factory.mktemp("forgotten_planted") / "home"
    shutil.copytree(planted_night.home, home)
    # The subject asked not to be contacted before asking to be forgotten; the household's address is suppressed.
    planted = planted_night.planted
    suppressed = [("email", "phone"), (planted.own_email, planted.own_phone), (planted.family_email, "")]
    with (home / "suppression.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(suppressed)
    found_before = scan_areas(home, planted_night.needles())
    result = run_cdp(
        home, "forget", "--customer-id", planted_night.customer_id, extra_env={"CDP_PEOPLE": PLANTED_PEOPLE}
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return ForgottenPlanted(planted_night, home, result, found_before)
