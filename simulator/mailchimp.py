"""Mailchimp Marketing API v3 (the email tool the CDP exports to): lists, members, tags, batches, and tags as the
static segments Mailchimp keeps them as (listed, and members added to or removed from one 500 at a time).

Stateful: lists and members live in ``$CDP_HOME/simulator/mailchimp.sqlite`` and survive restarts
and day changes. Each simulated day some subscribed members unsubscribe or bounce (status
``unsubscribed`` / ``cleaned``), which the CDP reads back as suppressions.

The store also keeps a request journal: every request that changed members, with its body and, for a batch, the
members it refused, written in the same transaction as the change, so it says exactly what the tool applied.
Tests judge the CDP's exports against it. Two test controls act on the store, whoever runs the server: a revoked
API key (answered 401 as Mailchimp answers a disabled key) and a hold that keeps the answer to the n-th batch back
after applying it, so a test can kill its client between the tool's change and the client's record of it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import sqlite3
import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .campaigns import STORE_FILE
from .config import now_ts, simulator_dir
from .simulation import Simulation
from .web import json_body, json_response

STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional", "archived")
DAILY_UNSUBSCRIBE, DAILY_BOUNCE = 0.01, 0.005
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_ERROR_DOC = "https://mailchimp.com/developer/marketing/docs/errors/"
_TITLES = {
    400: "Invalid Resource",
    401: "API Key Missing",
    403: "Forbidden",
    404: "Resource Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# A held batch answers anyway after this long, so a test that fails to kill its client does not hang forever.
HOLD_LIMIT_SECONDS = 600.0
HOLD_POLL_SECONDS = 0.05


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: md5 of the lower-cased address."""
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


def error(status: int, detail: str, title: str | None = None) -> Response:
    """An error as application/problem+json ``{type, title, status, detail, instance}``."""
    body = {
        "type": _ERROR_DOC,
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": "3f2b8c1e-7d4a-4c9b-a1e2-5b6c7d8e9f00",
    }
    return json_response(
        body, status, {"Retry-After": "1"} if status == 429 else None, media_type="application/problem+json"
    )


def fault_response(status: int) -> Response:
    return error(
        status,
        {
            429: "You have exceeded the limit of 10 simultaneous connections.",
            500: "An unexpected internal error has occurred.",
            503: "This service is temporarily unavailable.",
        }.get(status, "Error."),
    )


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def store_path(home: str | os.PathLike[str] | None = None) -> Path:
    return simulator_dir(home) / STORE_FILE


class _Store:
    """Lists, members, the request journal and the test controls in sqlite; each `with` block is one transaction."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        self._db.executescript("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS lists (id TEXT PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS members (list_id TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL,
                                                PRIMARY KEY (list_id, hash));
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
                                                method TEXT NOT NULL, path TEXT NOT NULL, body TEXT NOT NULL,
                                                status INTEGER NOT NULL, refused TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS revoked_keys (key TEXT PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS tag_sends (list_id TEXT NOT NULL, hash TEXT NOT NULL, email TEXT NOT NULL,
                                                  tag TEXT NOT NULL, day INTEGER NOT NULL,
                                                  PRIMARY KEY (list_id, hash, tag, day));
        """)

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._db.execute("ROLLBACK" if kind else "COMMIT")
        self._lock.release()

    def close(self) -> None:
        self._db.close()


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _controlled(home: str | os.PathLike[str] | None, change: str, args: tuple[Any, ...]) -> None:
    store = _Store(store_path(home))
    try:
        with store as db:
            db.execute(change, args)
    finally:
        store.close()


def revoke_api_key(key: str, home: str | os.PathLike[str] | None = None) -> None:
    """Test control: the account disables `key`; requests with it get Mailchimp's 401 "API Key Invalid"."""
    _controlled(home, "INSERT OR IGNORE INTO revoked_keys VALUES (?)", (key,))


def hold_after_batches(batches: int, home: str | os.PathLike[str] | None = None) -> None:
    """Test control: the `batches`-th batch request from now is applied and journaled, then its answer is held
    back (until `release_hold` or HOLD_LIMIT_SECONDS); `held_batch` tells when. Fires once."""
    _controlled(home, "INSERT OR REPLACE INTO meta VALUES ('hold_after_batches', ?)", (str(batches),))


def release_hold(home: str | os.PathLike[str] | None = None) -> None:
    """Test control: a held answer goes out; a hold not fired yet is cancelled."""
    _controlled(home, "DELETE FROM meta WHERE key IN ('hold_after_batches', 'holding')", ())


def held_batch(home: str | os.PathLike[str] | None = None) -> int | None:
    """The journal `seq` of the batch whose answer is being held back, if any."""
    store = _Store(store_path(home))
    try:
        with store as db:
            value = _meta(db, "holding")
    finally:
        store.close()
    return int(value) if value else None


def journal(home: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Every member-changing request the tool applied, in order: seq, at, method, path, body (the request's JSON),
    status (of the answer) and refused (the emails a batch refused, which it did not apply)."""
    store = _Store(store_path(home))
    try:
        with store as db:
            rows = db.execute("SELECT seq, at, method, path, body, status, refused FROM journal ORDER BY seq")
            columns = ("seq", "at", "method", "path", "body", "status", "refused")
            entries = [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]
    finally:
        store.close()
    for entry in entries:
        entry["body"], entry["refused"] = orjson.loads(entry["body"]), orjson.loads(entry["refused"])
    return entries


def _get_member(db: sqlite3.Connection, list_id: str, hash_: str) -> dict[str, Any] | None:
    row = db.execute("SELECT body FROM members WHERE list_id=? AND hash=?", (list_id, hash_)).fetchone()
    return orjson.loads(row[0]) if row else None


# Each tag a member of a list holds, one row per member and tag.
_MEMBER_TAGS = "members, json_each(members.body, '$.tags') AS tag WHERE members.list_id=?"


def _tags_held(db: sqlite3.Connection, list_id: str) -> list[tuple[str, int, int]]:
    """(name, id, members holding it) of every tag a member of the list holds, by name."""
    return db.execute(
        f"""SELECT json_extract(tag.value, '$.name'), json_extract(tag.value, '$.id'), count(*) FROM {_MEMBER_TAGS}
            AND json_extract(members.body, '$.status')!='archived' GROUP BY 1, 2 ORDER BY 1""",
        (list_id,),
    ).fetchall()


def _tag_name(db: sqlite3.Connection, list_id: str, tag_id: str) -> str | None:
    """The name of the tag `tag_id` (as the URL gives it) if a member of the list holds it: the first one found
    says it, not a count over every member."""
    if not tag_id.isdigit():
        return None
    found = db.execute(
        f"SELECT json_extract(tag.value, '$.name') FROM {_MEMBER_TAGS} AND json_extract(tag.value, '$.id')=? LIMIT 1",
        (list_id, int(tag_id)),
    ).fetchone()
    return found[0] if found else None


def _put_member(db: sqlite3.Connection, member: dict[str, Any]) -> None:
    db.execute(
        "INSERT OR REPLACE INTO members (list_id, hash, body) VALUES (?, ?, ?)",
        (member["list_id"], member["id"], orjson.dumps(member)),
    )


class _Rejected(Exception):
    def __init__(self, status: int, detail: str, title: str | None = None, field: str = "") -> None:
        super().__init__(detail)
        self.status, self.detail, self.title, self.field = status, detail, title, field


def _api_key(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().partition(":")[2].strip()
        except ValueError:
            return ""
    return value.strip() if scheme.lower() in ("bearer", "oauth") else ""


class MailchimpApi:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.store = _Store(store_path(sim.home))

    # ------------------------------------------------------------ helpers
    def _unauthorized(self, request: Request) -> Response | None:
        key = _api_key(request)
        if not key:
            return error(401, "Your request did not include an API key.")
        with self.store as db:
            revoked = db.execute("SELECT 1 FROM revoked_keys WHERE key=?", (key,)).fetchone()
        if revoked:
            return error(
                401,
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
                "API Key Invalid",
            )
        return None

    def _now(self) -> int:
        return self.sim.world.now

    def _day(self) -> int:
        return self.sim.world.state.day

    def _churn(self, db: sqlite3.Connection) -> None:
        """Apply the daily unsubscribes and bounces of every simulated day not applied yet."""
        day = self.sim.world.state.day
        row = db.execute("SELECT value FROM meta WHERE key='churn_day'").fetchone()
        if row is None:
            db.execute("INSERT INTO meta VALUES ('churn_day', ?)", (str(day),))
            return
        done = int(row[0])
        if done >= day:
            return
        seed = self.sim.world.state.seed
        for list_id, hash_, body in db.execute("SELECT list_id, hash, body FROM members").fetchall():
            member = orjson.loads(body)
            for d in range(done + 1, day + 1):
                if member["status"] != "subscribed":
                    break
                u = int(hashlib.md5(f"{seed}:{d}:{list_id}:{hash_}".encode()).hexdigest()[:8], 16) / 2**32
                if u < DAILY_UNSUBSCRIBE + DAILY_BOUNCE:
                    member["status"] = "unsubscribed" if u < DAILY_UNSUBSCRIBE else "cleaned"
                    member["unsubscribe_reason"] = "N/A (Unsubscribed by recipient)" if u < DAILY_UNSUBSCRIBE else None
                    member["last_changed"] = _iso(now_ts(d))
                    _put_member(db, member)
        db.execute("UPDATE meta SET value=? WHERE key='churn_day'", (str(day),))

    def _require_list(self, db: sqlite3.Connection, list_id: str) -> bytes:
        """The stored list, or Mailchimp's 404 when there is none."""
        row = db.execute("SELECT body FROM lists WHERE id=?", (list_id,)).fetchone()
        if not row:
            raise _Rejected(404, "The requested resource could not be found.")
        return row[0]

    def _list(self, db: sqlite3.Connection, list_id: str) -> dict[str, Any]:
        """The list with its member counts, as GET answers it (the counts read every member: asked for only there)."""
        lst = orjson.loads(self._require_list(db, list_id))
        counts = dict(
            db.execute(
                "SELECT json_extract(body, '$.status'), count(*) FROM members WHERE list_id=? GROUP BY 1", (list_id,)
            ).fetchall()
        )
        lst["stats"] = {
            "member_count": counts.get("subscribed", 0),
            "unsubscribe_count": counts.get("unsubscribed", 0),
            "cleaned_count": counts.get("cleaned", 0),
        }
        return lst

    def _upsert(
        self,
        db: sqlite3.Connection,
        list_id: str,
        body: dict[str, Any],
        hash_: str | None,
        allow_new: bool,
        allow_update: bool,
    ) -> tuple[dict[str, Any], bool]:
        """Create or update one member; (member, created)."""
        email = str(body.get("email_address") or "").strip()
        if email and not _EMAIL.match(email):
            raise _Rejected(
                400, f"{email} looks fake or invalid, please enter a real email address.", field="email_address"
            )
        hash_ = hash_ or (subscriber_hash(email) if email else None)
        if not hash_:
            raise _Rejected(
                400, "The resource submitted could not be validated. email_address is required.", field="email_address"
            )
        if email and subscriber_hash(email) != hash_:
            raise _Rejected(400, "The email address does not match the subscriber hash.", field="email_address")
        member = _get_member(db, list_id, hash_)
        status = body.get("status")
        if status is not None and status not in STATUSES:
            raise _Rejected(400, f"Invalid status {status!r}.")
        now = _iso(self._now())
        if member is None:
            if not allow_new:
                raise _Rejected(404, "The requested resource could not be found.")
            status = status or body.get("status_if_new")
            if not email or status not in STATUSES:
                raise _Rejected(
                    400,
                    "The resource submitted could not be validated. "
                    "email_address and status (or status_if_new) are required.",
                )
            member = {
                "id": hash_,
                "email_address": email,
                "unique_email_id": hash_[:10],
                "contact_id": hash_[::-1],
                "email_type": "html",
                "status": status,
                "merge_fields": {},
                "stats": {"avg_open_rate": 0, "avg_click_rate": 0},
                "timestamp_signup": now,
                "timestamp_opt": now if status == "subscribed" else "",
                "member_rating": 2,
                "last_changed": now,
                "language": "",
                "vip": False,
                "source": "API - Generic",
                "tags_count": 0,
                "tags": [],
                "list_id": list_id,
            }
            created = True
        else:
            if not allow_update:
                raise _Rejected(400, f"{member['email_address']} is already a list member.", "Member Exists")
            if status == "subscribed" and member["status"] in ("unsubscribed", "cleaned"):
                raise _Rejected(
                    400,
                    f"{member['email_address']} is in a compliance state due to unsubscribe, bounce, "
                    "or compliance review and cannot be subscribed.",
                    "Member In Compliance State",
                )
            if status and status != member["status"]:
                member["status"], member["last_changed"] = status, now
            if email:
                member["email_address"] = email
            created = False
        if isinstance(body.get("merge_fields"), dict):
            member["merge_fields"] = {**member["merge_fields"], **body["merge_fields"]}
            member["full_name"] = (
                f"{member['merge_fields'].get('FNAME', '')} {member['merge_fields'].get('LNAME', '')}".strip()
            )
        if isinstance(body.get("tags"), list):
            self._set_tags(db, member, [{"name": t, "status": "active"} for t in body["tags"] if isinstance(t, str)])
        _put_member(db, member)
        return member, created

    def _set_tags(self, db: sqlite3.Connection, member: dict[str, Any], changes: list[dict[str, Any]]) -> None:
        """Applies tag changes; a tag new to a subscribed member starts its segment's automation, which emails them
        that day (`tag_sends`, read by campaigns.py)."""
        tags = {t["name"]: t for t in member.get("tags", [])}
        before = set(tags)
        for change in changes:
            name = str(change.get("name", "")).strip()
            if not name:
                raise _Rejected(400, "Tag name is required.")
            if change.get("status", "active") == "inactive":
                tags.pop(name, None)
            else:
                tags.setdefault(name, {"id": int(hashlib.md5(name.encode()).hexdigest()[:6], 16), "name": name})
        member["tags"] = sorted(tags.values(), key=lambda t: t["name"])
        member["tags_count"] = len(member["tags"])
        if member["status"] == "subscribed":
            db.executemany(
                "INSERT OR IGNORE INTO tag_sends VALUES (?, ?, ?, ?, ?)",
                [
                    (member["list_id"], member["id"], member["email_address"].strip().lower(), tag, self._day())
                    for tag in sorted(set(tags) - before)
                ],
            )

    async def _handle(self, request: Request, action: Any, changes_members: bool = False) -> Response:
        if refused := self._unauthorized(request):
            return refused
        held = False
        try:
            body = await json_body(request) if request.method in ("POST", "PUT", "PATCH") else {}
            with self.store as db:
                self._churn(db)
                response = action(db, request.path_params, request.query_params, body)
                if changes_members and response.status_code < 300:
                    held = self._journal(db, request, body, response, is_batch=action == self._batch)
        except _Rejected as rejected:
            return error(rejected.status, rejected.detail, rejected.title)
        except ValueError as exc:
            return error(400, str(exc), "JSON Parse Error")
        if held:
            await self._wait_for_release()
        return response

    def _journal(
        self, db: sqlite3.Connection, request: Request, body: dict[str, Any], response: Response, is_batch: bool
    ) -> bool:
        """Journals an applied member change; True when the test hold fires on it (a batch only)."""
        refused = [e["email_address"] for e in orjson.loads(response.body)["errors"]] if is_batch else []
        seq = db.execute(
            "INSERT INTO journal (at, method, path, body, status, refused) VALUES (?, ?, ?, ?, ?, ?)",
            (
                _iso(self._now()),
                request.method,
                request.url.path,
                orjson.dumps(body),
                response.status_code,
                orjson.dumps(refused),
            ),
        ).lastrowid
        remaining = _meta(db, "hold_after_batches")
        if not is_batch or remaining is None:
            return False
        if int(remaining) > 1:
            db.execute("UPDATE meta SET value=? WHERE key='hold_after_batches'", (str(int(remaining) - 1),))
            return False
        db.execute("DELETE FROM meta WHERE key='hold_after_batches'")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('holding', ?)", (str(seq),))
        return True

    async def _wait_for_release(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HOLD_LIMIT_SECONDS
        while loop.time() < deadline:
            with self.store as db:
                if _meta(db, "holding") is None:
                    return
            await asyncio.sleep(HOLD_POLL_SECONDS)
        with self.store as db:
            db.execute("DELETE FROM meta WHERE key='holding'")

    # ---------------------------------------------------------- endpoints
    def _ping(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        return json_response({"health_status": "Everything's Chimpy!"})

    def _lists(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        ids = [row[0] for row in db.execute("SELECT id FROM lists ORDER BY rowid")]
        return json_response({"lists": [self._list(db, i) for i in ids], "total_items": len(ids)})

    def _create_list(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        missing = [k for k in ("name", "contact", "permission_reminder", "campaign_defaults") if not body.get(k)]
        if missing:
            raise _Rejected(400, f"The resource submitted could not be validated: missing {', '.join(missing)}.")
        count = db.execute("SELECT count(*) FROM lists").fetchone()[0]
        list_id = hashlib.md5(f"{body['name']}:{count}".encode()).hexdigest()[:10]
        lst = {
            "id": list_id,
            "web_id": count + 1,
            "name": body["name"],
            "contact": body["contact"],
            "permission_reminder": body["permission_reminder"],
            "campaign_defaults": body["campaign_defaults"],
            "email_type_option": bool(body.get("email_type_option", False)),
            "date_created": _iso(self._now()),
            "visibility": body.get("visibility", "pub"),
        }
        db.execute("INSERT INTO lists VALUES (?, ?)", (list_id, orjson.dumps(lst)))
        return json_response(self._list(db, list_id))

    def _get_list(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        return json_response(self._list(db, path["list_id"]))

    def _batch(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        list_id = path["list_id"]
        self._require_list(db, list_id)
        members = body.get("members")
        if not isinstance(members, list) or len(members) > 500:
            raise _Rejected(400, "members must be a list of at most 500 members.")
        created, updated, errors = [], [], []
        for entry in members:
            email = str((entry or {}).get("email_address", ""))
            try:
                member, is_new = self._upsert(db, list_id, entry, None, True, bool(body.get("update_existing")))
            except _Rejected as rejected:
                # Mailchimp's documented shape of a member the batch refused; the rest of the batch goes on.
                code = "ERROR_CONTACT_EXISTS" if rejected.title == "Member Exists" else "ERROR_GENERIC"
                errors.append(
                    {
                        "email_address": email,
                        "error": rejected.detail,
                        "error_code": code,
                        "field": rejected.field,
                        "field_message": rejected.detail if rejected.field else "",
                    }
                )
                continue
            (created if is_new else updated).append(member)
        return json_response(
            {
                "new_members": created,
                "updated_members": updated,
                "errors": errors,
                "total_created": len(created),
                "total_updated": len(updated),
                "error_count": len(errors),
            }
        )

    def _members(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        list_id = path["list_id"]
        self._require_list(db, list_id)
        count = min(1000, max(1, int(query.get("count", 10))))
        offset = max(0, int(query.get("offset", 0)))
        where, args = "list_id=?", [list_id]
        if query.get("status"):
            where, args = where + " AND json_extract(body, '$.status')=?", [*args, query["status"]]
        else:
            where += " AND json_extract(body, '$.status')!='archived'"
        total = db.execute(f"SELECT count(*) FROM members WHERE {where}", args).fetchone()[0]
        rows = db.execute(
            f"SELECT body FROM members WHERE {where} ORDER BY rowid LIMIT ? OFFSET ?", [*args, count, offset]
        ).fetchall()
        return json_response({"members": [orjson.loads(r[0]) for r in rows], "list_id": list_id, "total_items": total})

    def _member(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        self._require_list(db, path["list_id"])
        member = _get_member(db, path["list_id"], path["hash"].lower())
        if member is None:
            raise _Rejected(404, "The requested resource could not be found.")
        return json_response(member)

    def _put(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        self._require_list(db, path["list_id"])
        return json_response(self._upsert(db, path["list_id"], body, path["hash"].lower(), True, True)[0])

    def _patch(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        self._require_list(db, path["list_id"])
        return json_response(self._upsert(db, path["list_id"], body, path["hash"].lower(), False, True)[0])

    def _archive(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        member = _get_member(db, path["list_id"], path["hash"].lower())
        if member is None:
            raise _Rejected(404, "The requested resource could not be found.")
        member["status"], member["last_changed"] = "archived", _iso(self._now())
        _put_member(db, member)
        return Response(status_code=204)

    def _delete_permanent(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        if _get_member(db, path["list_id"], path["hash"].lower()) is None:
            raise _Rejected(404, "The requested resource could not be found.")
        db.execute("DELETE FROM members WHERE list_id=? AND hash=?", (path["list_id"], path["hash"].lower()))
        return Response(status_code=204)

    def _segments(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        """The list's static segments: each tag its members hold, with how many hold it."""
        list_id = path["list_id"]
        self._require_list(db, list_id)
        count = min(1000, max(1, int(query.get("count", 10))))
        offset = max(0, int(query.get("offset", 0)))
        held = [] if query.get("type", "static") != "static" else _tags_held(db, list_id)
        segments = [
            {"id": tag_id, "name": name, "member_count": members, "type": "static", "list_id": list_id}
            for name, tag_id, members in held[offset : offset + count]
        ]
        return json_response({"segments": segments, "list_id": list_id, "total_items": len(held)})

    def _segment_members(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        """Adds and removes members of a static segment (a tag) by email, at most 500 of each; an address the list
        does not hold is answered in `errors`, one that already is as asked is left alone."""
        list_id = path["list_id"]
        self._require_list(db, list_id)
        name = _tag_name(db, list_id, path["segment_id"])
        if name is None:
            raise _Rejected(404, "The requested resource could not be found.")
        changes = {"active": body.get("members_to_add") or [], "inactive": body.get("members_to_remove") or []}
        if any(not isinstance(emails, list) or len(emails) > 500 for emails in changes.values()):
            raise _Rejected(400, "members_to_add and members_to_remove must be lists of at most 500 emails.")
        done: dict[str, list[dict[str, Any]]] = {"active": [], "inactive": []}
        missing = []
        for status, emails in changes.items():
            for email in emails:
                member = _get_member(db, list_id, subscriber_hash(str(email)))
                if member is None:
                    missing.append(email)
                    continue
                if any(tag["name"] == name for tag in member["tags"]) == (status == "inactive"):
                    self._set_tags(db, member, [{"name": name, "status": status}])
                    _put_member(db, member)
                    done[status].append(member)
        errors = [{"email_addresses": missing, "error": "Email addresses not found in the list."}] if missing else []
        return json_response(
            {
                "members_added": done["active"],
                "members_removed": done["inactive"],
                "errors": errors,
                "total_added": len(done["active"]),
                "total_removed": len(done["inactive"]),
                "error_count": len(missing),
            }
        )

    def _tags(self, db: sqlite3.Connection, path: Any, query: Any, body: dict[str, Any]) -> Response:
        member = _get_member(db, path["list_id"], path["hash"].lower())
        if member is None:
            raise _Rejected(404, "The requested resource could not be found.")
        if body:
            if not isinstance(body.get("tags"), list):
                raise _Rejected(400, "tags must be a list.")
            self._set_tags(db, member, body["tags"])
            _put_member(db, member)
            return Response(status_code=204)
        return json_response({"tags": member["tags"], "total_items": member["tags_count"]})

    def routes(self) -> list[Route]:
        def route(path: str, action: Any, methods: list[str], changes_members: bool = False) -> Route:
            handler = partial(self._handle, action=action, changes_members=changes_members)
            return Route(f"/3.0{path}", handler, methods=methods)

        member = "/lists/{list_id}/members/{hash}"
        return [
            route("/ping", self._ping, ["GET"]),
            route("/lists", self._lists, ["GET"]),
            route("/lists", self._create_list, ["POST"]),
            route("/lists/{list_id}", self._get_list, ["GET"]),
            route("/lists/{list_id}", self._batch, ["POST"], changes_members=True),
            route("/lists/{list_id}/members", self._members, ["GET"]),
            route(member, self._member, ["GET"]),
            route(member, self._put, ["PUT"], changes_members=True),
            route(member, self._patch, ["PATCH"], changes_members=True),
            route(member, self._archive, ["DELETE"], changes_members=True),
            route("/lists/{list_id}/segments", self._segments, ["GET"]),
            route("/lists/{list_id}/segments/{segment_id}", self._segment_members, ["POST"], changes_members=True),
            route(f"{member}/tags", self._tags, ["GET"]),
            route(f"{member}/tags", self._tags, ["POST"], changes_members=True),
            route(f"{member}/actions/delete-permanent", self._delete_permanent, ["POST"], changes_members=True),
        ]
