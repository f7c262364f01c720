"""Square's Loyalty API, HubSpot's feedback submissions and the web shop's landing folder, as the simulator serves them:
the real shapes, paged as the services page, every record exactly once."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson

from simulator import generate, web_landing_dir
from simulator.browsing import Web
from simulator.config import Tuning, web_defects_dir
from simulator.pixels import finished_days, write_landing
from simulator.simulation import Simulation
from simulator.state import SimState, advance_state
from tests.simulator.conftest import BEARER, Walker


def _world(home: Path):
    return generate(SimState(**json.loads((home / "simulator" / "state.json").read_text())))


def test_the_loyalty_program_has_tiers_accrual_and_expiry(simulator: Walker) -> None:
    response = simulator.request("GET", "/v2/loyalty/programs/main", headers=BEARER)
    program = simulator.body(response)["program"]
    assert program["status"] == "ACTIVE" and program["expiration_policy"]["expiration_duration"] == "P365D"
    assert [tier["points"] for tier in program["reward_tiers"]] == sorted(t["points"] for t in program["reward_tiers"])
    assert program["accrual_rules"][0]["accrual_type"] == "SPEND"
    missing = simulator.request("GET", "/v2/loyalty/programs/no-such-program", headers=BEARER)
    assert missing.status_code == 404 and simulator.body(missing)["errors"][0]["code"] == "NOT_FOUND"


def test_every_account_and_event_once_newest_events_first(simulator: Walker, home: Path) -> None:
    world = _world(home)
    accounts = simulator.square_search("loyalty_accounts", "/v2/loyalty/accounts/search", {"limit": 200})
    assert len(accounts) == len({a["id"] for a in accounts}) == len(world.loyalty_accounts) > 0
    assert all(a["mapping"]["phone_number"].startswith("+") and a["customer_id"] for a in accounts)
    events = simulator.square_search("events", "/v2/loyalty/events/search", {"limit": 30})
    assert len(events) == len({e["id"] for e in events}) == len(world.loyalty_events)
    created = [e["created_at"] for e in events]
    assert created == sorted(created, reverse=True), "Square sorts loyalty events newest first"
    balances: dict[str, int] = {}
    for event in events:
        detail = next(v for k, v in event.items() if k == event["type"].lower())
        balances[event["loyalty_account_id"]] = balances.get(event["loyalty_account_id"], 0) + detail.get("points", 0)
    assert {a["id"]: a["balance"] for a in accounts} == {a["id"]: balances.get(a["id"], 0) for a in accounts}


def test_event_search_filters_and_limits(simulator: Walker) -> None:
    everything = simulator.square_search("events", "/v2/loyalty/events/search", {"limit": 30})
    middle = sorted(e["created_at"] for e in everything)[len(everything) // 2]
    since = simulator.square_search(
        "events",
        "/v2/loyalty/events/search",
        {"limit": 30, "query": {"filter": {"date_time_filter": {"created_at": {"start_at": middle}}}}},
    )
    assert {e["id"] for e in since} == {e["id"] for e in everything if e["created_at"] >= middle}
    too_many = simulator.request("POST", "/v2/loyalty/events/search", headers=BEARER, json={"limit": 31})
    assert too_many.status_code == 400
    account = everything[0]["loyalty_account_id"]
    own = simulator.square_search(
        "events",
        "/v2/loyalty/events/search",
        {"query": {"filter": {"loyalty_account_filter": {"loyalty_account_id": account}}}},
    )
    assert own and all(e["loyalty_account_id"] == account for e in own)
    unauthorized = simulator.request("POST", "/v2/loyalty/events/search", json={})
    assert unauthorized.status_code == 401


def test_every_survey_answer_with_its_contact(simulator: Walker, home: Path) -> None:
    properties = "hs_survey_type,hs_value,hs_response_group,hs_sentiment,hs_content,hs_submission_timestamp"
    answers = simulator.hubspot_list("feedback_submissions", properties=properties, associations="contacts")
    world = _world(home)
    assert len(answers) == len({a["id"] for a in answers}) == len(world.feedback) > 0
    contacts = {c["id"] for c in simulator.hubspot_list("contacts")}
    for answer in answers:
        (link,) = answer["associations"]["contacts"]["results"]
        assert link["id"] in contacts
        assert all(value is None or isinstance(value, str) for value in answer["properties"].values())
    assert {a["properties"]["hs_survey_type"] for a in answers} <= {"NPS", "CSAT", "CES"}


def test_each_finished_day_is_one_gzipped_file_dated_at_its_end(simulator: Walker, home: Path) -> None:
    folder = web_landing_dir(home)
    files = sorted(folder.glob("events-*.ndjson.gz"))
    web = Web(_world(home))
    expected = {f"events-{day.isoformat()}.ndjson.gz": len(events) for day, events, _ in finished_days(web)}
    assert {f.name: sum(1 for _ in gzip.open(f)) for f in files} == expected
    newest = files[-1]
    assert newest.stat().st_mtime == web.world.now - 2 * 3600, "closed at midnight UTC of the simulated clock"
    lines = gzip.decompress(newest.read_bytes()).splitlines()
    readable = []
    for line in lines:
        try:
            readable.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
    assert len(readable) >= 0.95 * len(lines)
    names = {event["name"] for event in readable}
    assert {"page_viewed", "product_viewed"} <= names
    assert all(event["type"] == "standard" and "context" in event and "data" in event for event in readable)


def test_a_file_already_landed_is_never_written_again(simulator: Walker, home: Path) -> None:
    files = sorted(web_landing_dir(home).glob("*.ndjson.gz"))
    stamps = {f.name: (f.stat().st_mtime_ns, f.stat().st_ino) for f in files}
    write_landing(Web(_world(home)), web_landing_dir(home), web_defects_dir(home))
    assert {f.name: (f.stat().st_mtime_ns, f.stat().st_ino) for f in files} == stamps


def _landed(home: Path, started: Simulation) -> tuple[dict[str, bytes], list[tuple[str, ...]]]:
    """The decompressed landing files by name, and the web lines of the malformed truth of the simulator `started`."""
    files = {f.name: gzip.decompress(f.read_bytes()) for f in web_landing_dir(home).glob("*.ndjson.gz")}
    return files, sorted(tuple(m) for m in started.world.malformed if m[0] == "web")


def test_days_landed_before_are_not_drawn_again_and_change_nothing(tmp_path: Path) -> None:
    # One home started on day 0, then moved on a day at a time and started again each day: each start reads the
    # defects of the days it landed before instead of drawing them again. The other starts once, on the last day,
    # and draws every day.
    stepped, at_once = tmp_path / "stepped", tmp_path / "at_once"
    last = Simulation(stepped, Tuning.from_env(), people=300, seed=5)
    for _ in range(3):
        advance_state(1, home=stepped)
        last = Simulation(stepped, Tuning.from_env())
    advance_state(3, home=at_once)
    drawn = Simulation(at_once, Tuning.from_env(), people=300, seed=5)
    files, malformed = _landed(stepped, last)
    assert malformed, "the days hold malformed lines"
    assert (files, malformed) == _landed(at_once, drawn)
