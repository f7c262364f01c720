"""Finding one person: their source records, and the identifiers only those records hold.

The person is the records identity resolution assigned to their customer (or the one record named). Their emails
and phones identify them elsewhere (an order's email, an email event's recipient, a quarantined payload) only
when no other person's record holds the same value: a household's shared address or phone belongs to the others
too, and a placeholder the till types for everyone (`0000000000`, `noemail@…`) to no one. Identity's cleaning
rules decide what is a placeholder and when two values are the same (`normalize_email`, `normalize_phone`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from dlt_sources.common.upgrade import source_of_raw_schema
from identity import normalize_email, normalize_phone, phone_key
from warehouse import has_table, quote, tables

KINDS = ("email", "phone", "record", "customer_id")
_EMAIL_COLUMN = re.compile(r"email|recipient", re.IGNORECASE)
_PHONE_COLUMN = re.compile(r"phone|mobile", re.IGNORECASE)
# A raw table is a source's person table when most of its `id`s are source person records.
_PERSON_TABLE_SHARE = 0.5
# Shorter digit strings are extensions or codes, not phone numbers, and would match unrelated values.
MIN_PHONE_DIGITS = 7
_PERSON_RECORDS = ("intermediate", "int_person_records")
# A bare source ID this long (Shopify's 13 digits, Square's 26 characters) names one record wherever it stands; a
# shorter one (HubSpot's "51") could be any number.
MIN_UNIQUE_ID_LENGTH = 10


class AmbiguousIdentifier(ValueError):
    """The identifier a request names belongs to several customers (a household's shared address)."""


@dataclass
class Subject:
    """One person as the CDP knows them: their customers and records, and the identifiers only they hold."""

    customer_ids: set[str] = field(default_factory=set)
    records: set[tuple[str, str]] = field(default_factory=set)  # (source_system, source_record_id)
    emails: set[str] = field(default_factory=set)  # lower-cased: as typed and as normalised
    phones: set[str] = field(default_factory=set)  # lower-cased as typed, and E.164
    # IDs that stand for the person in other tables: their web client IDs (browsers stitched to their customer),
    # their loyalty account IDs, and source IDs long enough to be nothing else (a web event names its logged-in
    # Shopify customer by the bare ID).
    linked_ids: set[str] = field(default_factory=set)

    @property
    def record_ids(self) -> set[str]:
        return {f"{source}:{record}" for source, record in self.records}

    def bare_ids(self, source: str) -> set[str]:
        return {record for s, record in self.records if s == source}

    def is_empty(self) -> bool:
        return not (self.customer_ids or self.records)

    def normalised_emails(self) -> set[str]:
        forms = (normalize_email(v, canonical_mailbox=canonical) for v in self.emails for canonical in (True, False))
        return {e for e in forms if e}

    def normalised_phones(self) -> set[str]:
        return {p for p in (normalize_phone(v) for v in self.phones) if p}

    def phone_digits(self) -> set[str]:
        """The phones as the digits a phone column holds in any format: as typed, E.164, national with and without
        its trunk zero."""
        digits = {re.sub(r"\D", "", p) for p in self.phones}
        national = {n for n in (phone_key(p) for p in self.normalised_phones()) if n}
        return {d for d in digits | national | {"0" + n for n in national} if len(d) >= MIN_PHONE_DIGITS}


def parse_record(value: str) -> tuple[str, str]:
    source, sep, record = value.partition(":")
    if not sep or not source or not record:
        raise ValueError(f"--record expects SOURCE:ID (e.g. shopify:123), got {value!r}")
    return source.strip().lower(), record.strip()


def subject_named(kind: str, value: str) -> Subject:
    """A subject holding only the identifier a request names, as it is (no lookup in the warehouse)."""
    subject = Subject()
    if kind == "customer_id":
        subject.customer_ids.add(value)
    elif kind == "record":
        subject.records.add(parse_record(value))
    elif kind == "email":
        subject.emails |= {value.strip().lower()}
    elif kind == "phone":
        subject.phones |= {value.strip().lower()}
    else:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {', '.join(KINDS)}")
    return subject


def find_subject(con: duckdb.DuckDBPyConnection, kind: str, value: str, raw_catalog: str | None = None) -> Subject:
    """The person `value` (an identifier of `kind`) belongs to; empty when the CDP holds nothing about them.

    The raw tables are read from `raw_catalog` when given (a Spark home's landed files, `parquet_files.LANDED`), else
    from the warehouse with everything else.

    Raises `AmbiguousIdentifier` when an email or phone belongs to several customers, and `ValueError` when it is
    a placeholder or not an email or phone at all: neither names one person.
    """
    if kind in ("email", "phone"):
        subject = Subject(records=_records_holding(con, kind, value))
    else:
        subject = subject_named(kind, value)
    _expand_to_customers(con, subject)
    if kind in ("email", "phone") and len(subject.customer_ids) > 1:
        raise AmbiguousIdentifier(
            f"{len(subject.customer_ids)} customers hold this {kind} ({', '.join(sorted(subject.customer_ids))}): "
            "a household's shared address or phone names no one person. Name the person with --customer-id or "
            "--record (`cdp export-person --customer-id …` shows what each holds)."
        )
    _identifiers_only_they_hold(con, subject, raw_catalog)
    _linked_identifiers(con, subject, raw_catalog)
    return subject


def _records_holding(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> set[tuple[str, str]]:
    """The person records whose cleaned email is `value`'s, or whose phone is the same national number."""
    cleaned = normalize_email(value) if kind == "email" else phone_key(value)
    if cleaned is None:
        raise ValueError(
            f"{value!r} is a placeholder or not a valid {kind}: it names no one person. Name the person with "
            "--customer-id or --record."
        )
    if not has_table(con, *_PERSON_RECORDS):
        return set()
    matches = "email_key = ?" if kind == "email" else "ends_with(regexp_replace(phone, '[^0-9]', '', 'g'), ?)"
    rows = con.execute(
        f"select source_system, source_record_id from intermediate.int_person_records where {matches}", [cleaned]
    ).fetchall()
    return {(s, str(r)) for s, r in rows}


def _expand_to_customers(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    """All records of every customer any of the subject's records belongs to (and of the customer IDs named)."""
    for schema, table in (("identity", "customer_assignments"), ("marts", "customer_id_map")):
        if not has_table(con, schema, table):
            continue
        customers = con.execute(
            f"select distinct customer_id from {schema}.{table} where list_contains(?, record_id)",
            [sorted(subject.record_ids)],
        ).fetchall()
        subject.customer_ids |= {c for (c,) in customers if c}
        rows = con.execute(
            f"select source_system, source_record_id from {schema}.{table} where list_contains(?, customer_id)",
            [sorted(subject.customer_ids)],
        ).fetchall()
        subject.records |= {(s, str(r)) for s, r in rows}


def _identifiers_only_they_hold(con: duckdb.DuckDBPyConnection, subject: Subject, raw_catalog: str | None) -> None:
    """The subject's emails and phones, as staged and as each source's person table holds them, that are not
    placeholders and that no record of anyone else holds. Values are compared cleaned (`Ann@X.com ` is
    `ann@x.com`), phones by their national number, which a wrong or missing country does not change."""
    typed_emails, typed_phones = _typed_values(con, subject, raw_catalog)
    emails = {k for k in map(normalize_email, typed_emails) if k} - _emails_held_by_others(con, subject, typed_emails)
    nationals = {n for n in map(phone_key, typed_phones) if n} - _phones_held_by_others(con, subject, typed_phones)
    for value in typed_emails:
        if normalize_email(value) in emails:
            forms = {value.strip().lower(), normalize_email(value), normalize_email(value, canonical_mailbox=False)}
            subject.emails |= {f for f in forms if f}
    for value in typed_phones:
        if phone_key(value) in nationals:
            subject.phones |= {f for f in (value.strip().lower(), normalize_phone(value)) if f}


def _typed_values(
    con: duckdb.DuckDBPyConnection, subject: Subject, raw_catalog: str | None
) -> tuple[set[str], set[str]]:
    """Every email and phone the subject's records hold, staged and as each source typed them."""
    emails: set[str] = set()
    phones: set[str] = set()
    if has_table(con, *_PERSON_RECORDS):
        for email, phone in con.execute(
            "select email, phone from intermediate.int_person_records where list_contains(?, record_id)",
            [sorted(subject.record_ids)],
        ).fetchall():
            emails |= {email} if email else set()
            phones |= {phone} if phone else set()
    for table in person_tables(con, raw_catalog):
        ids = sorted(subject.bare_ids(source_of_raw_schema(table.schema) or ""))
        columns = [c for c in table.text_columns() if _EMAIL_COLUMN.search(c) or _PHONE_COLUMN.search(c)]
        if not ids or not columns:
            continue
        selected = ", ".join(quote(c) for c in columns)
        for row in con.execute(
            f"select {selected} from {in_catalog(raw_catalog, table.ref)} where list_contains(?, cast(id as varchar))",
            [ids],
        ).fetchall():
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and value.strip():
                    (emails if _EMAIL_COLUMN.search(column) else phones).add(value)
    return emails, phones


def _emails_held_by_others(con: duckdb.DuckDBPyConnection, subject: Subject, typed: set[str]) -> set[str]:
    """The cleaned emails of `typed` that a person record outside the subject's also holds."""
    keys = sorted({k for k in map(normalize_email, typed) if k})
    if not keys or not has_table(con, *_PERSON_RECORDS):
        return set()
    rows = con.execute(
        "select distinct email_key from intermediate.int_person_records "
        "where list_contains(?, email_key) and not list_contains(?, record_id)",
        [keys, sorted(subject.record_ids)],
    ).fetchall()
    return {k for (k,) in rows}


def _phones_held_by_others(con: duckdb.DuckDBPyConnection, subject: Subject, typed: set[str]) -> set[str]:
    """The national numbers of `typed` that a person record outside the subject's also holds, in any format."""
    nationals = sorted({n for n in map(phone_key, typed) if n})
    if not nationals or not has_table(con, *_PERSON_RECORDS):
        return set()
    rows = con.execute(
        """
        select distinct n.national from unnest(?) as n(national)
        join intermediate.int_person_records as p
          on ends_with(regexp_replace(p.phone, '[^0-9]', '', 'g'), n.national)
        where not list_contains(?, p.record_id)
        """,
        [nationals, sorted(subject.record_ids)],
    ).fetchall()
    return {n for (n,) in rows}


def _linked_identifiers(con: duckdb.DuckDBPyConnection, subject: Subject, raw_catalog: str | None) -> None:
    """The web client IDs linked to the subject's customers and the loyalty accounts of their Square records: every
    event on those browsers and every line of those ledgers is theirs. And their long source IDs as they stand."""
    subject.linked_ids |= {record for _, record in subject.records if len(record) >= MIN_UNIQUE_ID_LENGTH}
    customers = sorted(subject.customer_ids)
    if has_table(con, "identity", "web_client_links"):
        rows = con.execute(
            "select client_id from identity.web_client_links where list_contains(?, customer_id)", [customers]
        ).fetchall()
        subject.linked_ids |= {client for (client,) in rows if client}
    if _has_raw_table(con, raw_catalog, "raw_square", "loyalty_accounts"):
        rows = con.execute(
            f"select id from {in_catalog(raw_catalog, 'raw_square.loyalty_accounts')} "
            "where list_contains(?, customer_id)",
            [sorted(subject.bare_ids("square"))],
        ).fetchall()
        subject.linked_ids |= {account for (account,) in rows if account}


def person_tables(con: duckdb.DuckDBPyConnection, raw_catalog: str | None = None) -> list:
    """Raw tables (of `raw_catalog` when given) whose `id` is a source person record (customers, contacts), found
    from the warehouse's assignments."""
    if not has_table(con, "identity", "customer_assignments"):
        return []
    found = []
    for table in tables(con, raw_catalog):
        # dlt's staging copies are searched as their raw tables are (`erase.copy_without`); the older tables an
        # upgrade kept are person tables of their own (`source_of_raw_schema`).
        source = source_of_raw_schema(table.schema)
        if not source or table.schema.endswith("_staging") or "id" not in table.columns:
            continue
        # The warehouse's views are dbt's; a catalogue of files holds nothing but views (parquet_files.attach).
        if (table.is_view and raw_catalog is None) or table.name.startswith("_dlt"):
            continue
        (share,) = con.execute(
            f"""
            select coalesce(avg(case when a.source_record_id is not null then 1.0 else 0.0 end), 0)
            from (select cast(id as varchar) as id from {in_catalog(raw_catalog, table.ref)} limit 1000) as t
            left join identity.customer_assignments as a
              on a.source_system = ? and a.source_record_id = t.id
            """,
            [source],
        ).fetchall()[0]
        if share > _PERSON_TABLE_SHARE:
            found.append(table)
    return found


def in_catalog(catalog: str | None, ref: str) -> str:
    """`ref` (a table's `schema.name`) in `catalog` when given, else in the database in use."""
    return f"{catalog}.{ref}" if catalog else ref


def _has_raw_table(con: duckdb.DuckDBPyConnection, catalog: str | None, schema: str, name: str) -> bool:
    if catalog is None:
        return has_table(con, schema, name)
    return any(t.schema == schema and t.name == name for t in tables(con, catalog))
