"""The email tool's API: a stateful round trip that survives a restart, tags as static segments, its journal and its
test controls."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from simulator import advance_day, mailchimp, running_simulator

AUTH = ("anystring", "test-key-us1")
LIST = {
    "name": "CDP",
    "contact": {"company": "CDP", "address1": "x", "city": "x", "state": "x", "zip": "1", "country": "ID"},
    "permission_reminder": "You bought from us.",
    "email_type_option": False,
    "campaign_defaults": {"from_name": "CDP", "from_email": "cdp@example.com", "subject": "", "language": "en"},
}


def _hash(email: str) -> str:
    return hashlib.md5(email.lower().encode()).hexdigest()


def test_round_trip_and_restart(tmp_path: Path) -> None:
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0, in_thread=True) as url:
        mc = httpx.Client(base_url=f"{url}/3.0", auth=AUTH)
        assert mc.get("/ping").json()["health_status"] == "Everything's Chimpy!"
        list_id = mc.post("/lists", json=LIST).json()["id"]
        members = [
            {"email_address": f"Person{i}@Example.com", "status": "subscribed", "merge_fields": {"FNAME": f"P{i}"}}
            for i in range(5)
        ]
        members.append({"email_address": "not-an-email", "status": "subscribed"})
        batch = mc.post(f"/lists/{list_id}", json={"members": members, "update_existing": True}).json()
        assert (batch["total_created"], batch["total_updated"], batch["error_count"]) == (5, 0, 1)
        assert batch["errors"][0]["email_address"] == "not-an-email"
        again = mc.post(f"/lists/{list_id}", json={"members": members[:2], "update_existing": True}).json()
        assert (again["total_created"], again["total_updated"]) == (0, 2)
        h0 = _hash("person0@example.com")
        assert (
            mc.post(
                f"/lists/{list_id}/members/{h0}/tags", json={"tags": [{"name": "vip", "status": "active"}]}
            ).status_code
            == 204
        )
        assert [t["name"] for t in mc.get(f"/lists/{list_id}/members/{h0}").json()["tags"]] == ["vip"]
        h1 = _hash("person1@example.com")
        assert mc.patch(f"/lists/{list_id}/members/{h1}", json={"status": "unsubscribed"}).status_code == 200
        refused = mc.put(
            f"/lists/{list_id}/members/{h1}", json={"email_address": "person1@example.com", "status": "subscribed"}
        )
        assert refused.status_code == 400 and refused.json()["title"] == "Member In Compliance State"
        put = mc.put(
            f"/lists/{list_id}/members/{_hash('new@example.com')}",
            json={"email_address": "new@example.com", "status_if_new": "subscribed"},
        )
        assert put.status_code == 200 and put.json()["status"] == "subscribed"
        h2 = _hash("person2@example.com")
        assert mc.post(f"/lists/{list_id}/members/{h2}/actions/delete-permanent").status_code == 204
        assert mc.get(f"/lists/{list_id}/members/{h2}").status_code == 404
        missing = mc.get("/lists/nope")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0, in_thread=True) as url:
        mc = httpx.Client(base_url=f"{url}/3.0", auth=AUTH)
        page = mc.get(f"/lists/{list_id}/members", params={"count": 100}).json()
        assert page["total_items"] == 5
        by_email = {m["email_address"].lower(): m for m in page["members"]}
        assert [t["name"] for t in by_email["person0@example.com"]["tags"]] == ["vip"]
        assert mc.get(f"/lists/{list_id}/members", params={"status": "unsubscribed"}).json()["total_items"] == 1
        assert (
            mc.post(
                f"/lists/{list_id}/members/{h0}/tags", json={"tags": [{"name": "vip", "status": "inactive"}]}
            ).status_code
            == 204
        )
        assert mc.get(f"/lists/{list_id}/members/{h0}").json()["tags"] == []


def test_tags_are_static_segments_whose_members_are_removed_by_email(tmp_path: Path) -> None:
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0, in_thread=True) as url:
        mc = httpx.Client(base_url=f"{url}/3.0", auth=AUTH)
        list_id = mc.post("/lists", json=LIST).json()["id"]
        tagged = [{"email_address": f"p{i}@example.com", "status": "subscribed", "tags": ["vip"]} for i in range(3)]
        plain = {"email_address": "plain@example.com", "status": "subscribed", "tags": ["lapsed"]}
        mc.post(f"/lists/{list_id}", json={"members": [*tagged, plain], "update_existing": True})
        listed = mc.get(f"/lists/{list_id}/segments", params={"type": "static", "count": 10}).json()
        counts = {segment["name"]: segment["member_count"] for segment in listed["segments"]}
        assert counts == {"lapsed": 1, "vip": 3} and listed["total_items"] == 2
        vip = next(segment["id"] for segment in listed["segments"] if segment["name"] == "vip")
        answer = mc.post(
            f"/lists/{list_id}/segments/{vip}",
            json={"members_to_remove": ["P0@example.com", "plain@example.com", "nobody@example.com"]},
        ).json()
        # Removed: the member who held it; left alone: a member without it; in errors: an address the list lacks.
        assert [m["email_address"] for m in answer["members_removed"]] == ["p0@example.com"]
        assert answer["errors"][0]["email_addresses"] == ["nobody@example.com"] and answer["error_count"] == 1
        tags = {
            m["email_address"]: [t["name"] for t in m["tags"]]
            for m in mc.get(f"/lists/{list_id}/members", params={"count": 10}).json()["members"]
        }
        assert tags == {
            "p0@example.com": [],
            "p1@example.com": ["vip"],
            "p2@example.com": ["vip"],
            "plain@example.com": ["lapsed"],
        }
        assert [e["path"] for e in mailchimp.journal(tmp_path)][-1] == f"/3.0/lists/{list_id}/segments/{vip}"
        too_many = [f"x{i}@example.com" for i in range(501)]
        assert mc.post(f"/lists/{list_id}/segments/{vip}", json={"members_to_remove": too_many}).status_code == 400
        assert mc.post(f"/lists/{list_id}/segments/1", json={"members_to_remove": []}).status_code == 404


def test_members_unsubscribe_and_bounce_as_days_pass(tmp_path: Path) -> None:
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0, in_thread=True) as url:
        mc = httpx.Client(base_url=f"{url}/3.0", auth=AUTH)
        list_id = mc.post("/lists", json=LIST).json()["id"]
        members = [{"email_address": f"m{i}@example.com", "status": "subscribed"} for i in range(400)]
        assert mc.post(f"/lists/{list_id}", json={"members": members}).json()["total_created"] == 400
        advance_day(10, home=tmp_path)
        lost = sum(
            mc.get(f"/lists/{list_id}/members", params={"status": s}).json()["total_items"]
            for s in ("unsubscribed", "cleaned")
        )
        assert 10 < lost < 120


def test_journal_holds_every_applied_change_and_the_controls_act(tmp_path: Path) -> None:
    with running_simulator(home=tmp_path, people=50, seed=1, faults=0.0, in_thread=True) as url:
        mc = httpx.Client(base_url=f"{url}/3.0", auth=AUTH, timeout=30)
        list_id = mc.post("/lists", json=LIST).json()["id"]
        members = [{"email_address": "a@example.com", "status": "subscribed"}, {"email_address": "b@x.c0m"}]
        batch = mc.post(f"/lists/{list_id}", json={"members": members, "update_existing": True}).json()
        refused = batch["errors"][0]
        assert refused["email_address"] == "b@x.c0m" and "looks fake or invalid" in refused["error"]
        assert {"error_code", "field", "field_message"} <= refused.keys()
        h = _hash("a@example.com")
        mc.post(f"/lists/{list_id}/members/{h}/tags", json={"tags": [{"name": "vip", "status": "active"}]})
        mc.get(f"/lists/{list_id}/members/{h}")
        assert mc.post(f"/lists/{list_id}/members/{_hash('nobody@example.com')}/tags", json={"tags": []}).is_error

        entries = mailchimp.journal(tmp_path)
        assert [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in entries] == [("POST", list_id), ("POST", "tags")]
        assert entries[0]["body"]["members"] == members and entries[0]["refused"] == ["b@x.c0m"]

        mailchimp.hold_after_batches(2, tmp_path)
        mc.post(f"/lists/{list_id}", json={"members": members[:1]})
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(mc.post, f"/lists/{list_id}", json={"members": members[:1], "update_existing": True})
            while mailchimp.held_batch(tmp_path) is None:
                assert not answer.done(), "the second batch was answered: the hold did not fire"
                time.sleep(0.05)
            assert mailchimp.held_batch(tmp_path) == mailchimp.journal(tmp_path)[-1]["seq"]
            time.sleep(0.3)
            assert not answer.done(), "a held batch was answered before its release"
            mailchimp.release_hold(tmp_path)
            assert answer.result(timeout=10).json()["total_updated"] == 1

        mailchimp.revoke_api_key(AUTH[1], tmp_path)
        invalid = mc.get("/ping")
        assert invalid.status_code == 401 and invalid.json()["title"] == "API Key Invalid"
        assert httpx.get(f"{url}/3.0/ping", auth=("x", "another-key")).status_code == 200
