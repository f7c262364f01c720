"""The console's own small store, `$CDP_HOME/console/console.sqlite` (owner-only): users, the audit log, failed
logins (for throttling) and the key that signs session cookies.

SQLite, not the warehouse: the console must write while the night holds the warehouse, and it never writes the
analytics copy it reads.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse import cdp_home

SCHEMA = """
create table if not exists users (
    name text primary key,
    role text not null,
    password_hash text not null,
    locale text not null default 'en',
    session_epoch text not null,
    disabled integer not null default 0,
    created_at text not null
);
create table if not exists audit_log (
    id integer primary key,
    at text not null,
    actor text not null,
    action text not null,
    customer_id text,
    detail text
);
create index if not exists audit_log_at on audit_log (at);
create table if not exists login_failures (key text not null, at real not null);
create index if not exists login_failures_key on login_failures (key, at);
create table if not exists settings (name text primary key, value text not null);
"""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    locale: str
    # Changes when the password, role or status changes: sessions signed with an older epoch end.
    session_epoch: str
    disabled: bool = False


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    customer_id: str | None
    detail: str | None


def console_dir() -> Path:
    path = cdp_home() / "console"
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ConsoleStore:
    """Every read and write of the console's state, on one SQLite connection shared by the server's threads.

    One long-lived connection in write-ahead-log mode: an audit entry per profile view is then a write without an
    fsync (synchronous=NORMAL stays consistent through any crash; a power cut may lose the last entries), where a
    connection per call paid a checkpoint and its fsyncs each time.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or console_dir() / "console.sqlite"
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        self._con.execute("pragma journal_mode = wal")
        self._con.execute("pragma synchronous = normal")
        with self._connect() as con:
            con.executescript(SCHEMA)
            con.execute("insert or ignore into settings values ('session_key', ?)", [secrets.token_hex(32)])
        for created in (self.path, *(self.path.with_name(self.path.name + suffix) for suffix in ("-wal", "-shm"))):
            if created.exists():
                os.chmod(created, 0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The connection, for one transaction (committed on success, rolled back on error), one thread at a time."""
        with self._lock, self._con:
            yield self._con

    def session_key(self) -> str:
        with self._connect() as con:
            return con.execute("select value from settings where name = 'session_key'").fetchone()[0]

    # Users

    def add_user(self, name: str, role: str, password_hash: str, locale: str = "en") -> None:
        with self._connect() as con:
            try:
                con.execute(
                    "insert into users (name, role, password_hash, locale, session_epoch, created_at) "
                    "values (?, ?, ?, ?, ?, ?)",
                    [name, role, password_hash, locale, secrets.token_hex(8), now_iso()],
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"a user named {name!r} already exists") from None

    def user(self, name: str) -> User | None:
        with self._connect() as con:
            row = con.execute(
                "select name, role, locale, session_epoch, disabled from users where name = ?", [name]
            ).fetchone()
        return User(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    def users(self) -> list[User]:
        with self._connect() as con:
            rows = con.execute("select name, role, locale, session_epoch, disabled from users order by name").fetchall()
        return [User(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def has_users(self) -> bool:
        with self._connect() as con:
            return con.execute("select count(*) from users").fetchone()[0] > 0

    def password_hash(self, name: str) -> str | None:
        with self._connect() as con:
            row = con.execute("select password_hash from users where name = ? and not disabled", [name]).fetchone()
        return row[0] if row else None

    def set_locale(self, name: str, locale: str) -> None:
        with self._connect() as con:
            con.execute("update users set locale = ? where name = ?", [locale, name])

    def update_user(self, name: str, *, role: str | None = None, disabled: bool | None = None) -> None:
        """Changes a user's role or status and ends their sessions."""
        with self._connect() as con:
            updated = con.execute(
                "update users set role = coalesce(?, role), disabled = coalesce(?, disabled), session_epoch = ? "
                "where name = ?",
                [role, None if disabled is None else int(disabled), secrets.token_hex(8), name],
            ).rowcount
        if not updated:
            raise ValueError(f"no user named {name!r}")

    def admins(self) -> int:
        with self._connect() as con:
            return con.execute("select count(*) from users where role = 'admin' and not disabled").fetchone()[0]

    # Audit log: who did what to which customer, never contact details.

    def audit(self, actor: str, action: str, customer_id: str | None = None, detail: str | None = None) -> None:
        with self._connect() as con:
            con.execute(
                "insert into audit_log (at, actor, action, customer_id, detail) values (?, ?, ?, ?, ?)",
                [now_iso(), actor, action, customer_id, detail],
            )

    def audit_entries(self, limit: int = 500, customer_id: str | None = None) -> list[AuditEntry]:
        with self._connect() as con:
            rows = con.execute(
                "select at, actor, action, customer_id, detail from audit_log "
                "where ? is null or customer_id = ? order by id desc limit ?",
                [customer_id, customer_id, limit],
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    # Failed logins, by key (a user name or a client address, hashed by the caller).

    def record_failure(self, keys: list[str], at: float) -> None:
        with self._connect() as con:
            con.executemany("insert into login_failures values (?, ?)", [(key, at) for key in keys])

    def failures_since(self, key: str, since: float) -> list[float]:
        with self._connect() as con:
            rows = con.execute(
                "select at from login_failures where key = ? and at >= ? order by at", [key, since]
            ).fetchall()
        return [row[0] for row in rows]

    def clear_failures(self, key: str) -> None:
        with self._connect() as con:
            con.execute("delete from login_failures where key = ?", [key])

    def drop_failures_before(self, at: float) -> None:
        with self._connect() as con:
            con.execute("delete from login_failures where at < ?", [at])
