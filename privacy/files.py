"""The person's traces outside the warehouse: export files, the suppression list, and every log, run history and
artefact under the folders a forget is given (CDP_HOME, DAGSTER_HOME, dbt's output folders).

Export files lose the person's rows. Elsewhere each file that holds one of their identifiers is cleaned as what it
is: text (logs, compute logs, dbt's run results and compiled SQL, JSON) has the identifier replaced by a marker;
an SQLite database (Dagster's run and event logs) has it replaced in every row, then is vacuumed so no freed page
keeps it; any other file (a pickle, dbt's msgpack, a parquet file) is derived output and is deleted. Identifiers
match whole, never inside another value: `ann@x.com` is not replaced inside `joann@x.com`.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from identity import normalize_phone, phone_key
from privacy.person import Subject
from warehouse import keyed_hash, quote

REDACTED = b"[erased]"
SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at offset 8 of a DuckDB file
TEXT_SUFFIXES = {".log", ".out", ".err", ".json", ".txt", ".sql", ".csv", ".html", ".yml", ".yaml", ".md", ".jsonl"}
# A suppressed identifier the list must not hold in clear: `hmac-sha256:<email|phone>:<keyed hash>`.
SUPPRESSED_HASH_PREFIX = "hmac-sha256:"
# dlt's packages still to load (a load that stopped): their files are the only copy of what they hold.
PENDING_PACKAGES = ("*/load/new", "*/load/normalized", "*/normalize/extracted")
_SEPARATOR = rb"[\s().+-]{0,3}"
_NOT_DIGITS = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def member_ids(subject: Subject) -> set[str]:
    """Mailchimp's ids of the subject's members: the md5 of each lower-cased email."""
    return {hashlib.md5(e.encode()).hexdigest() for e in subject.emails}


def file_tokens(subject: Subject) -> set[str]:
    """Every cell value that identifies the subject in an export file: plain, and hashed as ad platforms want."""
    plain = {v.strip().lower() for v in subject.emails | subject.phones | subject.customer_ids | subject.record_ids}
    digits = {re.sub(r"\D", "", p) for p in subject.phones} - {""}
    variants = plain | digits | {"+" + d for d in digits}
    # Google's rule drops the dots of a Gmail mailbox before hashing; dropping them for any domain costs nothing.
    parts = (e.rpartition("@") for e in plain)
    undotted = {f"{local.replace('.', '')}@{domain}" for local, _, domain in parts if local}
    return variants | {_sha(v) for v in variants | undotted}


def rewrite_exports(exports_dir: Path, subject: Subject) -> dict[str, int]:
    """Rewrites every CSV under `exports_dir` without the subject's rows; returns rows removed per file."""
    tokens = file_tokens(subject)
    removed: dict[str, int] = {}
    for path in sorted(exports_dir.rglob("*.csv")) if exports_dir.exists() else []:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        kept = [r for r in rows if not any(cell.lstrip("'").strip().lower() in tokens for cell in r)]
        if len(kept) == len(rows):
            continue
        _write_csv(path, kept)
        removed[f"exports/{path.relative_to(exports_dir)}"] = len(rows) - len(kept)
    return removed


def suppressed_hash(kind: str, value: str) -> str:
    """How the suppression list holds an identifier that must not stay in clear: its keyed hash, of the email
    trimmed and lower-cased, or of the phone's E.164 digits (how exports compare them)."""
    cleaned = value.strip().lower() if kind == "email" else re.sub(r"\D", "", normalize_phone(value) or value)
    return f"{SUPPRESSED_HASH_PREFIX}{kind}:{keyed_hash(cleaned)}"


def hash_suppressions(path: Path, subject: Subject) -> int:
    """Replaces the subject's emails and phones in the suppression list with their keyed hashes: they stay never
    to be contacted, should they come back, without the list naming them. Returns the cells replaced."""
    if not path.exists():
        return 0
    phones = {phone_key(p) for p in subject.normalised_phones()} - {None}

    def hashed(cell: str) -> str:
        value = cell.strip()
        if value.lower() in subject.emails:
            return suppressed_hash("email", value)
        if value and not value.startswith(SUPPRESSED_HASH_PREFIX) and "@" not in value and phone_key(value) in phones:
            return suppressed_hash("phone", value)
        return cell

    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    replaced = [[hashed(cell) for cell in row] for row in rows]
    changed = sum(a != b for old, new in zip(rows, replaced, strict=True) for a, b in zip(old, new, strict=True))
    if changed:
        _write_csv(path, replaced)
    return changed


def held_in_pending_packages(pipelines: Path, subject: Subject) -> list[Path]:
    """dlt's packages still to load that hold the subject: a forget would leave them there, and a rewrite of their
    files would break the load that resumes from them."""
    redaction = Redaction(subject)
    return [
        path
        for folder in PENDING_PACKAGES
        for pending in pipelines.glob(folder)
        for path in pending.rglob("*")
        if redaction.finds(_bytes_of(path))
    ]


def scrub(roots: Iterable[Path], subject: Subject, leave_alone: Iterable[Path] = ()) -> dict[str, int]:
    """Removes the subject's identifiers from every file under `roots` but the DuckDB files and `leave_alone`
    (files or folders); returns what was done per file: identifiers replaced, or -1 for a file deleted."""
    redaction = Redaction(subject)
    skipped = {p.resolve() for p in leave_alone}
    done: dict[str, int] = {}
    seen: set[Path] = set()
    for root in roots:
        for path in sorted(root.rglob("*")) if root.exists() else []:
            resolved = path.resolve()
            if resolved in seen or not path.is_file() or skipped & {resolved, *resolved.parents}:
                continue
            seen.add(resolved)
            if path.suffix == ".wal" or _is_duckdb(path):
                continue  # the warehouse and its copies are rewritten, not scrubbed; a log of one is part of it
            data = _bytes_of(path)
            if not redaction.finds(data):
                continue
            if data.startswith(SQLITE_MAGIC):
                done[str(path)] = _scrub_sqlite(path, redaction.pattern)
            elif path.suffix in TEXT_SUFFIXES or _is_text(data):
                redacted, count = redaction.pattern.subn(REDACTED, data)
                _replace_bytes(path, redacted)
                done[str(path)] = count
            else:
                path.unlink()
                done[str(path)] = -1
    return done


def _bytes_of(path: Path) -> bytes:
    """The file's bytes; none for a file gone since its folder was listed (a night's dbt step removes its own output
    folder once Dagster has read it, and a forget may run beside a night)."""
    try:
        return path.read_bytes() if path.is_file() else b""
    except FileNotFoundError:
        return b""


class Redaction:
    """The subject's identifiers in files, each matching whole: emails, Mailchimp member ids, record and customer
    IDs as they are (case aside), phones as their digits in any format."""

    def __init__(self, subject: Subject) -> None:
        # An address is whole when no character of one touches it (quotes around it are not part of it).
        words = [(rb"(?<![a-z0-9._%+-])", e.encode(), rb"(?![a-z0-9-]|\.[a-z0-9])") for e in subject.emails]
        words += [(rb"(?<![0-9a-f])", m.encode(), rb"(?![0-9a-f])") for m in member_ids(subject)]
        words += [(rb"(?<![\w:])", i.lower().encode(), rb"(?!\w)") for i in subject.record_ids | subject.customer_ids]
        self.literals = sorted({word for _, word, _ in words})
        self.nationals = sorted({n.encode() for n in (phone_key(p) for p in subject.normalised_phones()) if n})
        alternatives = [before + re.escape(word) + after for before, word, after in sorted(words)]
        for national in self.nationals:
            number = _SEPARATOR.join(re.escape(bytes([d])) for d in national)
            # An optional country code and trunk zero before the national number, no digit around it.
            prefix = rb"(?<!\d)(?:\+?\d{1,3}" + _SEPARATOR + rb")?(?:0" + _SEPARATOR + rb")?"
            alternatives.append(prefix + number + rb"(?!\d)")
        self.pattern = re.compile(b"|".join(alternatives) or rb"(?!)", re.IGNORECASE)

    def finds(self, data: bytes) -> bool:
        """Whether `data` holds an identifier. A regular expression reads a few MB/s, dbt's artefacts are hundreds
        of MB: plain searches of the lower-cased bytes, and of the digits alone, rule most files out first."""
        lowered = data.lower()
        if not any(word in lowered for word in self.literals):
            digits = data.translate(None, _NOT_DIGITS)
            if not any(national in digits for national in self.nationals):
                return False
        return bool(self.pattern.search(data))


def _scrub_sqlite(path: Path, pattern: re.Pattern[bytes]) -> int:
    """Replaces the identifiers in every text and blob of the database, then rewrites it (VACUUM) so no freed page
    keeps them; returns the values changed."""

    def redact(value: str | bytes | None) -> str | bytes | None:
        if isinstance(value, bytes):
            return pattern.sub(REDACTED, value)
        if isinstance(value, str):
            return pattern.sub(REDACTED, value.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape")
        return value

    changed = 0
    with sqlite3.connect(path, timeout=60) as db:
        db.create_function("cdp_redact", 1, redact, deterministic=True)
        tables = db.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite%'")
        names = [n for (n,) in tables]
        for table in names:
            for column in [row[1] for row in db.execute(f"pragma table_info({quote(table)})")]:
                c = quote(column)
                changed += db.execute(
                    f"update {quote(table)} set {c} = cdp_redact({c}) "
                    f"where typeof({c}) in ('text', 'blob') and cdp_redact({c}) is not {c}"
                ).rowcount
    with sqlite3.connect(path, timeout=60, isolation_level=None) as db:
        db.execute("vacuum")
        db.execute("pragma wal_checkpoint(truncate)")
    return changed


def _is_duckdb(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(12)[8:12] == DUCKDB_MAGIC
    except FileNotFoundError:
        return False  # gone since listed: _bytes_of finds nothing in it either


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def _replace_bytes(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.chmod(partial, path.stat().st_mode & 0o777)
    os.replace(partial, path)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    partial = path.with_suffix(".csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
