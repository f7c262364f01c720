"""Mailchimp Marketing API v3: list members upserted in batches, segments as tags (added with the upsert, removed
500 members at a time through the tag's static segment), unsubscribes as status, and people forgotten by `cdp forget`
deleted permanently (Mailchimp's erasure: the member and their history go).

Only the plan (the difference since the last acknowledged state) is sent. Each request's rows are recorded in flight
before it goes out, and its outcomes are committed before the next goes out. Two kinds of "no" are told apart:
- a member refused: a batch answers 200 and lists the member in `errors` (an address that looks fake, a member in a
  compliance state). The member's data is the problem; it is logged
  `refused` with Mailchimp's reason and sent again only when that data changes (planning.py);
- the destination failing: the request itself fails after the retries (5xx, 429, timeouts, connection errors). The
  rows are logged `failed` and the next round or sync sends them again; a refused API key or a wrong base URL
  stops the sync with an `ExportError` naming the setting.
HTTP faults are retried with backoff honouring Retry-After (common/http.py). A retried request may reach Mailchimp
twice when its answer was lost; upserts and tag changes are idempotent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests

from activation.config import ExportError
from activation.state import LIST_ROW, Outcome, outcome
from dlt_sources.common.http import checked_json, refuse_plain_http, retrying_session

BATCH_SIZE = 500  # Mailchimp's limit for POST /lists/{id}, and for each list of POST /lists/{id}/segments/{id}
PAGE_SIZE = 1000
REPORTED_STATUSES = ("unsubscribed", "cleaned")


class MailchimpError(RuntimeError):
    """The email tool answered a request with an error status after the retries."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class MailchimpClient:
    base_url: str  # …/3.0
    api_key: str
    setting: str = "destinations.mailchimp"  # where base_url and api_key are configured, for error messages
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        refuse_plain_http(self.base_url)
        self.session = retrying_session(self.timeout_seconds)
        self.session.auth = ("cdp", self.api_key)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer (None for 204); a refused API key is an `ExportError`, other errors `MailchimpError`."""
        response = self.session.request(method, f"{self.base_url}{path}", **kwargs)
        if response.status_code == 204:
            return None
        try:
            return checked_json(response)
        except requests.HTTPError as error:
            status = response.status_code
            if status in (401, 403):
                variable = self.setting.upper().replace(".", "__")
                raise ExportError(
                    f"Mailchimp refused the API key (HTTP {status}: {_problem_title(response)}). Set a valid key in "
                    f"{self.setting}.api_key (.dlt/secrets.toml or {variable}__API_KEY), then run again: "
                    "nothing is sent twice."
                ) from error
            raise MailchimpError(f"{method} {path}: {status} {response.text[:300]}", status) from error

    def list_id(self, name: str, options: dict[str, Any]) -> str:
        """The id of the list named `name`, created with the destination's contact details if it does not exist.

        The sync's first call: a destination that does not answer it stops the sync here, saying what to check.
        """
        try:
            lists = self.call("GET", "/lists", params={"count": PAGE_SIZE})["lists"]
        except (MailchimpError, requests.RequestException) as error:
            raise ExportError(
                f"Mailchimp at {self.base_url} did not answer ({error}). Check {self.setting}.base_url (it ends in "
                "/3.0) and the network, then run again: nothing is sent twice."
            ) from error
        for found in lists:
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

    def _paged(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item under `key` of a GET answered page by page (`count`, `offset`, `total_items`)."""
        offset = 0
        while True:
            page = self.call("GET", path, params={**params, "count": PAGE_SIZE, "offset": offset})
            yield from page[key]
            offset += len(page[key])
            if not page[key] or offset >= page["total_items"]:
                return

    def reported(self, list_id: str) -> list[tuple[str, str]]:
        """(email, status) of every member the list holds as unsubscribed or cleaned (bounced, complained)."""
        return [
            (member["email_address"], status)
            for status in REPORTED_STATUSES
            for member in self._paged(f"/lists/{list_id}/members", "members", {"status": status})
        ]

    def batch_upsert(self, list_id: str, members: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
        """Upserts up to 500 members; (acknowledged emails, Mailchimp's reason by refused email)."""
        answer = self.call("POST", f"/lists/{list_id}", json={"members": members, "update_existing": True})
        done = {m["email_address"].lower() for m in answer["new_members"] + answer["updated_members"]}
        refused = {e["email_address"].lower(): e["error"] for e in answer["errors"]}
        return done, refused

    def tag_ids(self, list_id: str) -> dict[str, int]:
        """The ID of each tag of the list: Mailchimp keeps a tag as a static segment of that name."""
        segments = self._paged(f"/lists/{list_id}/segments", "segments", {"type": "static"})
        return {segment["name"]: segment["id"] for segment in segments}

    def remove_from_tag(self, list_id: str, tag_id: int, emails: list[str]) -> tuple[set[str], set[str]]:
        """Takes the tag off up to 500 members; (emails it was taken off, emails the list does not hold)."""
        answer = self.call("POST", f"/lists/{list_id}/segments/{tag_id}", json={"members_to_remove": emails})
        removed = {m["email_address"].lower() for m in answer["members_removed"]}
        absent = {e.lower() for error in answer["errors"] for e in error["email_addresses"]}
        return removed, absent

    def delete_permanently(self, list_id: str, member_hash: str) -> bool:
        """Erases the member and their history from the list; False when the list does not hold them."""
        return self._call_on_member("POST", f"/lists/{list_id}/members/{member_hash}/actions/delete-permanent")

    def _call_on_member(self, method: str, path: str, **kwargs: Any) -> bool:
        """A call on one member; False when the list does not hold the member (404)."""
        try:
            self.call(method, path, **kwargs)
        except MailchimpError as error:
            if error.status == 404:
                return False
            raise
        return True


def _problem_title(response: requests.Response) -> str:
    """The `title` of Mailchimp's problem+json error body (e.g. "API Key Invalid"), or the HTTP reason."""
    try:
        return str(response.json().get("title") or response.reason)
    except ValueError:
        return str(response.reason)


def _upsert_payload(rows: list[Any]) -> dict[str, Any] | None:
    """The batch entry for one member from its planned rows, or None when it needs no upsert."""
    list_row = next((row for row in rows if row.segment == LIST_ROW), None)
    tag_adds = sorted(row.segment for row in rows if row.segment != LIST_ROW and row.action == "add")
    payload: dict[str, Any] = {"email_address": rows[0].email}
    if list_row is not None:
        if list_row.action == "remove":
            if list_row.reported:
                return None
            payload["status"] = "unsubscribed"
        else:
            payload["merge_fields"] = json.loads(list_row.fields)
            if list_row.action == "add":
                payload["status"] = "subscribed"
    if tag_adds:
        payload["tags"] = tag_adds
        payload.setdefault("status_if_new", "subscribed")
    return payload if len(payload) > 1 else None


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def send(
    client: MailchimpClient,
    list_id: str,
    plan: pd.DataFrame,
    acknowledge: Callable[[list[Outcome]], None],
    sending: Callable[[list[Any]], None],
) -> list[Outcome]:
    """Sends the plan; `sending` records each request's rows before it goes out, `acknowledge` commits its outcomes
    before the next. Returns the failures."""
    by_member = _by_member(plan)
    failures: list[Outcome] = []

    upserts: list[tuple[dict[str, Any], list[Any]]] = []
    skipped: list[Outcome] = []
    removals: dict[str, list[Any]] = defaultdict(list)  # tag → its rows to remove
    for _, rows in sorted(by_member.items()):
        upsert_rows = [row for row in rows if row.segment == LIST_ROW or row.action == "add"]
        payload = _upsert_payload(rows)
        if payload is not None:
            upserts.append((payload, upsert_rows))
        else:
            skipped += [outcome(row, "skipped", "reported by the destination") for row in upsert_rows]
        for row in rows:
            if row.segment != LIST_ROW and row.action == "remove":
                removals[row.segment].append(row)
    acknowledge(skipped)

    for batch in _chunks(upserts, BATCH_SIZE):
        sending([row for _, rows in batch for row in rows])
        try:
            done, refused = client.batch_upsert(list_id, [payload for payload, _ in batch])
            failed_as = "not acknowledged"
        except (MailchimpError, requests.RequestException) as error:
            done, refused, failed_as = set(), {}, str(error)
        answered: list[Outcome] = []
        for payload, rows in batch:
            email = payload["email_address"].lower()
            for row in rows:
                if email in done:
                    answered.append(outcome(row, "sent"))
                elif email in refused:
                    answered.append(outcome(row, "refused", refused[email]))
                else:
                    failures.append(outcome(row, "failed", failed_as))
        acknowledge(answered)
    if removals:
        failures += _remove_tags(client, list_id, removals, acknowledge, sending)
    return failures


def _remove_tags(
    client: MailchimpClient,
    list_id: str,
    removals: dict[str, list[Any]],
    acknowledge: Callable[[list[Outcome]], None],
    sending: Callable[[list[Any]], None],
) -> list[Outcome]:
    """Takes each tag off its members, 500 to a request (one request per member was a round trip to Mailchimp's
    servers for each of a day's thousands of removals); returns the failures. A member the list does not hold, or
    who no longer holds the tag, is skipped: the list is already as planned."""
    try:
        tag_ids = client.tag_ids(list_id)
    except (MailchimpError, requests.RequestException) as error:
        return [outcome(row, "failed", str(error)) for rows in removals.values() for row in rows]
    failures: list[Outcome] = []
    for tag, rows in sorted(removals.items()):
        if tag not in tag_ids:
            acknowledge([outcome(row, "skipped", "no member holds the tag") for row in rows])
            continue
        for chunk in _chunks(rows, BATCH_SIZE):
            sending(chunk)
            try:
                removed, absent = client.remove_from_tag(list_id, tag_ids[tag], [row.email for row in chunk])
            except (MailchimpError, requests.RequestException) as error:
                failures += [outcome(row, "failed", str(error)) for row in chunk]
                continue
            acknowledge([_removal_outcome(row, removed, absent) for row in chunk])
    return failures


def _removal_outcome(row: Any, removed: set[str], absent: set[str]) -> Outcome:
    """Sent when the tag came off the member; skipped (the list already as planned) when the list does not hold
    them or they no longer held it."""
    email = row.email.lower()
    if email in removed:
        return outcome(row, "sent")
    return outcome(row, "skipped", "not a member of the list" if email in absent else "without the tag")


def erase(
    client: MailchimpClient,
    list_id: str,
    owed: pd.DataFrame,
    acknowledge: Callable[[list[Outcome]], None],
    sending: Callable[[list[Any]], None],
) -> list[Outcome]:
    """Deletes forgotten people's members permanently; one call settles every owed row of a member (their list row
    and tags). Returns the failures, which stay owed to the next sync: an erasure is never given up as refused."""
    failures: list[Outcome] = []
    for record_key, rows in sorted(_by_member(owed).items()):
        sending(rows)
        outcomes = _member_outcomes(rows, lambda key=record_key: client.delete_permanently(list_id, key))
        failures += [o for o in outcomes if o.status == "failed"]
        acknowledge([o for o in outcomes if o.status != "failed"])
    return failures


def _by_member(plan: pd.DataFrame) -> dict[str, list[Any]]:
    """The planned rows of each member (record key)."""
    by_member: dict[str, list[Any]] = defaultdict(list)
    for row in plan.itertuples(index=False):
        by_member[row.record_key].append(row)
    return by_member


def _member_outcomes(rows: list[Any], call: Callable[[], bool]) -> list[Outcome]:
    """The outcome of one call that settles all of a member's `rows`: sent, skipped when the list does not hold the
    member, failed (tried again by the next sync) when Mailchimp answers an error."""
    try:
        existed = call()
    except (MailchimpError, requests.RequestException) as error:
        return [outcome(row, "failed", str(error)) for row in rows]
    status, note = ("sent", None) if existed else ("skipped", "not a member of the list")
    return [outcome(row, status, note) for row in rows]
