"""Mailchimp Marketing API v3: list members upserted in batches, segments as tags, unsubscribes as status.

Only the plan (the difference since the last acknowledged state) is sent. Each batch's acknowledged members are
committed to the state before the next batch goes out; per-member errors are left out of the state, so the next
round or sync plans them again. HTTP faults are retried with backoff honouring Retry-After (common/http.py).
A retried request may reach Mailchimp twice when its answer was lost; upserts and tag changes are idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests

from cdp_orchestration.exports.state import LIST_ROW, Outcome
from dlt_sources.common.http import checked_json, retrying_session

BATCH_SIZE = 500  # Mailchimp's limit for POST /lists/{id}
PAGE_SIZE = 1000
REPORTED_STATUSES = ("unsubscribed", "cleaned")


class MailchimpError(RuntimeError):
    """The email tool refused a request after the retries."""


@dataclass
class MailchimpClient:
    base_url: str  # …/3.0
    api_key: str
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        self.session = retrying_session(self.timeout_seconds)
        self.session.auth = ("cdp", self.api_key)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}{path}", **kwargs)
        if response.status_code == 204:
            return None
        try:
            return checked_json(response)
        except requests.HTTPError as error:
            raise MailchimpError(f"{method} {path}: {response.status_code} {response.text[:300]}") from error

    def list_id(self, name: str, options: dict[str, Any]) -> str:
        """The id of the list named `name`, created with the destination's contact details if it does not exist."""
        for found in self.call("GET", "/lists", params={"count": PAGE_SIZE})["lists"]:
            if found["name"] == name:
                return found["id"]
        created = self.call(
            "POST",
            "/lists",
            json={
                "name": name,
                "contact": options["list_contact"],
                "permission_reminder": options["permission_reminder"],
                "email_type_option": False,
                "campaign_defaults": {
                    "from_name": options.get("from_name", name),
                    "from_email": options["from_email"],
                    "subject": "",
                    "language": "en",
                },
            },
        )
        return created["id"]

    def reported(self, list_id: str) -> list[tuple[str, str]]:
        """(email, status) of every member the list holds as unsubscribed or cleaned (bounced, complained)."""
        found = []
        for status in REPORTED_STATUSES:
            offset = 0
            while True:
                page = self.call(
                    "GET",
                    f"/lists/{list_id}/members",
                    params={"status": status, "count": PAGE_SIZE, "offset": offset},
                )
                found += [(member["email_address"], status) for member in page["members"]]
                offset += len(page["members"])
                if not page["members"] or offset >= page["total_items"]:
                    break
        return found

    def batch_upsert(self, list_id: str, members: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
        """Upserts up to 500 members; (acknowledged emails, error by email)."""
        answer = self.call("POST", f"/lists/{list_id}", json={"members": members, "update_existing": True})
        done = {m["email_address"].lower() for m in answer["new_members"] + answer["updated_members"]}
        errors = {e["email_address"].lower(): e["error"] for e in answer["errors"]}
        return done, errors

    def remove_tags(self, list_id: str, member_hash: str, tags: list[str]) -> bool:
        """Marks the tags inactive on the member; False when the member does not exist (nothing to remove)."""
        try:
            self.call(
                "POST",
                f"/lists/{list_id}/members/{member_hash}/tags",
                json={"tags": [{"name": tag, "status": "inactive"} for tag in tags]},
            )
        except MailchimpError as error:
            if " 404 " in str(error):
                return False
            raise
        return True


def _upsert_payload(rows: pd.DataFrame) -> dict[str, Any] | None:
    """The batch entry for one member from its planned rows, or None when it needs no upsert."""
    list_rows = rows[rows["segment"] == LIST_ROW]
    tag_adds = rows[(rows["segment"] != LIST_ROW) & (rows["action"] == "add")]
    payload: dict[str, Any] = {"email_address": rows["email"].iloc[0]}
    if not list_rows.empty:
        row = list_rows.iloc[0]
        if row["action"] == "remove":
            if row["reported"]:
                return None
            payload["status"] = "unsubscribed"
        else:
            payload["merge_fields"] = json.loads(row["fields"])
            if row["action"] == "add":
                payload["status"] = "subscribed"
    if not tag_adds.empty:
        payload["tags"] = sorted(tag_adds["segment"])
        payload.setdefault("status_if_new", "subscribed")
    return payload if len(payload) > 1 else None


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def send(
    client: MailchimpClient,
    list_id: str,
    plan: pd.DataFrame,
    acknowledge: Callable[[list[Outcome]], None],
) -> list[Outcome]:
    """Sends the plan; `acknowledge` commits each batch's outcomes before the next. Returns the failures."""
    failures: list[Outcome] = []

    def outcome(row: Any, status: str, error: str | None = None) -> Outcome:
        return Outcome(row.segment, row.record_key, row.customer_id, row.action, status, error)

    upserts: list[tuple[dict[str, Any], pd.DataFrame]] = []
    skipped: list[Outcome] = []
    for _, rows in plan.groupby("record_key", sort=True):
        payload = _upsert_payload(rows)
        upsert_rows = rows[(rows["segment"] == LIST_ROW) | (rows["action"] == "add")]
        if payload is not None:
            upserts.append((payload, upsert_rows))
        else:
            skipped += [outcome(r, "skipped", "reported by the destination") for r in upsert_rows.itertuples()]
    acknowledge(skipped)

    for batch in _batches(upserts, BATCH_SIZE):
        try:
            done, errors = client.batch_upsert(list_id, [payload for payload, _ in batch])
        except (MailchimpError, requests.RequestException) as error:
            done, errors = set(), {payload["email_address"]: str(error) for payload, _ in batch}
        sent: list[Outcome] = []
        for payload, rows in batch:
            email = payload["email_address"].lower()
            for row in rows.itertuples():
                if email in done:
                    sent.append(outcome(row, "sent"))
                else:
                    failures.append(outcome(row, "failed", errors.get(email, "not acknowledged")))
        acknowledge(sent)

    removals = plan[(plan["segment"] != LIST_ROW) & (plan["action"] == "remove")]
    for record_key, rows in removals.groupby("record_key", sort=True):
        try:
            existed = client.remove_tags(list_id, str(record_key), sorted(rows["segment"]))
        except (MailchimpError, requests.RequestException) as error:
            failures += [outcome(r, "failed", str(error)) for r in rows.itertuples()]
            continue
        status, note = ("sent", None) if existed else ("skipped", "not a member of the list")
        acknowledge([outcome(r, status, note) for r in rows.itertuples()])
    return failures
