"""Finding everything that identifies one person: their customer IDs, source records, emails and phones.

A request names one identifier; the person is every source record of the customer it belongs to, and their
identifiers in every form the CDP has seen (as the source typed them, and normalised), because each form may sit
in some table or file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from identity.normalize import normalize_email, normalize_phone
from warehouse import has_table, quote, tables

KINDS = ("email", "phone", "record", "customer_id")
_EMAIL_COLUMN = re.compile(r"email|recipient", re.IGNORECASE)
_PHONE_COLUMN = re.compile(r"phone|mobile", re.IGNORECASE)
# A raw table is a source's person table when most of its `id`s are source person records.
_PERSON_TABLE_SHARE = 0.5
# Shorter digit strings are extensions or codes, not phone numbers, and would match unrelated values.
MIN_PHONE_DIGITS = 7
# A bare source ID this long (Shopify's 13 digits, Square's 26 characters) names one record wherever it stands; a
# shorter one (HubSpot's "51") could be any number.
MIN_UNIQUE_ID_LENGTH = 10


@dataclass
class Subject:
    """One person as the CDP knows them."""

    customer_ids: set[str] = field(default_factory=set)
    records: set[tuple[str, str]] = field(default_factory=set)  # (source_system, source_record_id)
    emails: set[str] = field(default_factory=set)  # every form seen, plus normalised forms
    phones: set[str] = field(default_factory=set)
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
        return not (self.customer_ids or self.records or self.emails or self.phones)

    def add_email(self, value: object) -> None:
        # Columns named like emails also hold consent states ("subscribed"): only addresses count.
        if isinstance(value, str) and "@" in value:
            self.emails |= {value, value.strip().lower()}
            self.emails |= {e for e in (normalize_email(value), normalize_email(value, canonical_mailbox=False)) if e}

    def add_phone(self, value: object) -> None:
        if isinstance(value, str) and len(re.sub(r"\D", "", value)) >= MIN_PHONE_DIGITS:
            self.phones.add(value)
            normalised = normalize_phone(value)
            if normalised:
                self.phones.add(normalised)

    def normalised_emails(self) -> set[str]:
        return {e for e in (normalize_email(v) for v in self.emails) if e} | {
            e for e in (normalize_email(v, canonical_mailbox=False) for v in self.emails) if e
        }

    def normalised_phones(self) -> set[str]:
        return {p for p in (normalize_phone(v) for v in self.phones) if p}


def parse_record(value: str) -> tuple[str, str]:
    source, sep, record = value.partition(":")
    if not sep or not source or not record:
        raise ValueError(f"--record expects SOURCE:ID (e.g. shopify:123), got {value!r}")
    return source.strip().lower(), record.strip()


def find_subject(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> Subject:
    """The person `value` (an identifier of `kind`) belongs to; empty when the CDP holds nothing about them."""
    subject = Subject()
    if kind == "customer_id":
        subject.customer_ids.add(value)
    elif kind == "record":
        subject.records.add(parse_record(value))
    elif kind == "email":
        subject.add_email(value)
    elif kind == "phone":
        subject.add_phone(value)
    else:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {', '.join(KINDS)}")
    _records_from_identifiers(con, subject)
    _expand_to_customers(con, subject)
    _identifiers_from_records(con, subject)
    _linked_identifiers(con, subject)
    return subject


def _records_from_identifiers(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    if not has_table(con, "intermediate", "int_person_records"):
        return
    emails = sorted(subject.normalised_emails() | {e.strip().lower() for e in subject.emails})
    phones = sorted(subject.normalised_phones())
    rows = con.execute(
        """
        select source_system, source_record_id from intermediate.int_person_records
        where list_contains(?, lower(trim(email))) or list_contains(?, email_key) or list_contains(?, phone)
        """,
        [emails, emails, phones],
    ).fetchall()
    subject.records |= {(s, str(r)) for s, r in rows}


def _expand_to_customers(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    """All records of every customer any of the subject's records belongs to (and of the customer IDs named)."""
    for schema, table in (("identity", "customer_assignments"), ("marts", "customer_id_map")):
        if not has_table(con, schema, table):
            continue
        record_ids = sorted(subject.record_ids)
        customers = con.execute(
            f"select distinct customer_id from {schema}.{table} where list_contains(?, record_id)", [record_ids]
        ).fetchall()
        subject.customer_ids |= {c for (c,) in customers if c}
        rows = con.execute(
            f"select source_system, source_record_id from {schema}.{table} where list_contains(?, customer_id)",
            [sorted(subject.customer_ids)],
        ).fetchall()
        subject.records |= {(s, str(r)) for s, r in rows}


def _identifiers_from_records(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    """Emails and phones of the subject's records, as staged and as each source's person table holds them."""
    if has_table(con, "intermediate", "int_person_records"):
        rows = con.execute(
            "select email, phone from intermediate.int_person_records where list_contains(?, record_id)",
            [sorted(subject.record_ids)],
        ).fetchall()
        for email, phone in rows:
            subject.add_email(email)
            subject.add_phone(phone)
    for table in person_tables(con):
        source = table.schema.removeprefix("raw_")
        ids = sorted(subject.bare_ids(source))
        columns = [c for c in table.text_columns() if _EMAIL_COLUMN.search(c) or _PHONE_COLUMN.search(c)]
        if not ids or not columns:
            continue
        selected = ", ".join(quote(c) for c in columns)
        for row in con.execute(
            f"select {selected} from {table.ref} where list_contains(?, cast(id as varchar))", [ids]
        ).fetchall():
            for column, value in zip(columns, row, strict=True):
                (subject.add_email if _EMAIL_COLUMN.search(column) else subject.add_phone)(value)


def _linked_identifiers(con: duckdb.DuckDBPyConnection, subject: Subject) -> None:
    """The web client IDs linked to the subject's customers and the loyalty accounts of their Square records: every
    event on those browsers and every line of those ledgers is theirs. And their long source IDs as they stand."""
    subject.linked_ids |= {record for _, record in subject.records if len(record) >= MIN_UNIQUE_ID_LENGTH}
    customers = sorted(subject.customer_ids)
    if has_table(con, "identity", "web_client_links"):
        rows = con.execute(
            "select client_id from identity.web_client_links where list_contains(?, customer_id)", [customers]
        ).fetchall()
        subject.linked_ids |= {client for (client,) in rows if client}
    if has_table(con, "raw_square", "loyalty_accounts"):
        rows = con.execute(
            "select id from raw_square.loyalty_accounts where list_contains(?, customer_id)",
            [sorted(subject.bare_ids("square"))],
        ).fetchall()
        subject.linked_ids |= {account for (account,) in rows if account}


def person_tables(con: duckdb.DuckDBPyConnection) -> list:
    """Raw tables whose `id` is a source person record (customers, contacts), found from the assignments."""
    if not has_table(con, "identity", "customer_assignments"):
        return []
    found = []
    for table in tables(con):
        if not table.schema.startswith("raw_") or table.schema.endswith("_staging") or "id" not in table.columns:
            continue
        if table.is_view or table.name.startswith("_dlt"):
            continue
        source = table.schema.removeprefix("raw_")
        (share,) = con.execute(
            f"""
            select coalesce(avg(case when a.source_record_id is not null then 1.0 else 0.0 end), 0)
            from (select cast(id as varchar) as id from {table.ref} limit 1000) as t
            left join identity.customer_assignments as a
              on a.source_system = ? and a.source_record_id = t.id
            """,
            [source],
        ).fetchall()[0]
        if share > _PERSON_TABLE_SHARE:
            found.append(table)
    return found
