"""A member the email tool refuses does not stop the night; a destination that refuses everything does.

One small population whose first customers carry addresses Mailchimp refuses as fake (planted in the simulator's
world, as a till would type them), run night after night in this process against one simulator in a thread. The
simulated Mailchimp's request journal, not the CDP's own log, says what reached the tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import simulator.simulation as simulation
from activation.config import load_destinations
from activation.planning import plan
from simulator import mailchimp as simulated_mailchimp
from simulator import running_simulator

pytestmark = pytest.mark.long_scenario  # `make test-scenarios`, not `make test`

PEOPLE, SEED = 100, 5
API_KEY = "0123456789abcdef0123456789abcdef-us1"
MAILCHIMP = next(d for d in load_destinations() if d.name == "mailchimp")
# People whose every address becomes one Mailchimp refuses: a top-level domain with a digit, as typed at a till.
PLANTED_PEOPLE = 12


def fake_address(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local}@{domain.rsplit('.', 1)[0]}.c0m"


def plant_fake_addresses(planted: set[str]):
    """A `generate` that gives the first subscribed people addresses the email tool refuses; fills `planted`."""
    original = simulation.generate

    def generate(*args, **kwargs):
        world = original(*args, **kwargs)
        chosen = {c.person.pid for c in world.customers["hubspot"] if c.subscribed and c.email}
        chosen = set(sorted(chosen)[:PLANTED_PEOPLE])
        for records in world.customers.values():
            for record in records:
                if record.person.pid in chosen and record.email:
                    record.email = fake_address(record.email.strip().lower())
                    planted.add(record.email)
        return world

    return generate


class Nights:
    """Nights run into one home against one simulator, and the addresses planted there."""

    def __init__(self, home: Path, planted: set[str]) -> None:
        self.home, self.planted = home, planted

    def run(self, capsys: pytest.CaptureFixture[str], select: str | None = None) -> tuple[int, str, str]:
        """One night (only the `select`ed assets when given): its exit status and what it printed."""
        from cdp_orchestration.cli import run_nightly

        capsys.readouterr()
        status = run_nightly(select)
        printed = capsys.readouterr()
        return status, printed.out, printed.err

    def journal(self) -> list[dict]:
        return simulated_mailchimp.journal(self.home)


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    home = tmp_path_factory.mktemp("refusals")
    planted: set[str] = set()
    with pytest.MonkeyPatch.context() as env:
        env.setattr(simulation, "generate", plant_fake_addresses(planted))
        with running_simulator(home=home, people=PEOPLE, seed=SEED, in_thread=True) as base_url:
            settings = {
                "CDP_HOME": str(home),
                "CDP_PEOPLE": str(PEOPLE),
                "CDP_SEED": str(SEED),
                "CDP_FAULTS": "0",
                "DAGSTER_HOME": str(home / "dagster"),
                "DESTINATIONS__MAILCHIMP__BASE_URL": f"{base_url}/3.0",
                "DESTINATIONS__MAILCHIMP__API_KEY": API_KEY,
            }
            for source in ("SHOPIFY", "SQUARE", "HUBSPOT"):
                settings[f"SOURCES__{source}__BASE_URL"] = base_url
                settings[f"SOURCES__{source}__ACCESS_TOKEN"] = "test-token"
            for name, value in settings.items():
                env.setenv(name, value)
            yield Nights(home, planted)


def refused_by_the_tool(entries: list[dict]) -> set[str]:
    return {email.lower() for entry in entries for email in entry["refused"]}


def test_a_refused_member_does_not_stop_the_night_and_is_not_sent_again(nights: Nights, capsys) -> None:
    status, first_out, err = nights.run(capsys)
    assert status == 0, err[-3000:]
    first = nights.journal()
    refused = refused_by_the_tool(first)
    assert refused, "no planted address reached the email tool: the test proves nothing"
    assert refused <= nights.planted

    # The same day again: nothing changed, so nothing at all goes to the tool, and the night succeeds.
    status, second_out, err = nights.run(capsys)
    assert status == 0, f"the second night failed:\n{err[-3000:]}"
    assert nights.journal() == first, "the second night sent requests to the email tool"

    # Both summaries count the refused members; the log keeps the tool's own reason for each.
    for out in (first_out, second_out):
        assert re.search(rf"\b{len(refused)} members? refused by mailchimp", out), out[-2000:]
    with duckdb.connect(str(nights.home / "warehouse.duckdb"), read_only=True) as con:
        logged = con.sql("select distinct error from marts.export_log where status = 'refused'").fetchall()
    reasons = " ".join(error for (error,) in logged)
    assert all(f"{email} looks fake or invalid" in reasons for email in refused), reasons


def test_a_refused_member_is_sent_again_when_their_data_changes(nights: Nights, tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes((nights.home / "warehouse.duckdb").read_bytes())
    refused = sorted(refused_by_the_tool(nights.journal()))
    with duckdb.connect(str(copy)) as con:
        assert plan(con, MAILCHIMP).empty
        con.execute("update marts.customer_360 set first_name = 'Renamed' where lower(trim(email)) = ?", [refused[0]])
        planned = plan(con, MAILCHIMP)
    assert set(planned["email"]) == {refused[0]}, planned


def test_a_revoked_api_key_stops_the_night_naming_the_setting(nights: Nights, capsys) -> None:
    simulated_mailchimp.revoke_api_key(API_KEY, nights.home)
    # Only the step that meets the email tool: the nights before ran the rest.
    status, _, err = nights.run(capsys, select='key:"exports/mailchimp"')
    assert status == 1
    assert "destinations.mailchimp.api_key" in err, err[-3000:]
    assert API_KEY not in err
