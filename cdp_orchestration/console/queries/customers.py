"""Customer search and the profile: traits, timeline, joined records, segment stays and what was sent where.

Search runs on the analytics copy as published: on a pseudonymised copy the typed email, phone or name is turned
into the keyed hashes the copy holds (the CDP's key, `warehouse.keyed_hash`), in each form the CDP itself stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from activation import load_destinations
from cdp_orchestration.console.analytics import rows
from cdp_orchestration.console.queries.identity import PairExplainer
from identity import normalize_email, normalize_phone
from privacy.person import parse_record
from warehouse import has_table, keyed_hash

SEARCH_LIMIT = 50
TIMELINE_LIMIT = 300
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
_RECORD = re.compile(r"^[a-z][a-z0-9_]*:\S+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
# The consent column a destination names (destinations.yml) → the timeline events that give or take it.
CONSENT_EVENTS = {
    "email_consent": ("consent_granted", "consent_withdrawn", "email_unsubscribed"),
    "ads_consent": ("consent_ads_granted", "consent_ads_withdrawn"),
}
SUMMARY_COLUMNS = """c.customer_id, c.first_name, c.last_name, c.email, c.phone, c.city, c.country, c.lifecycle_stage,
    c.order_count, c.total_spend_reporting, c.reporting_currency, c.source_record_count"""


def kind_of(text: str) -> str:
    """What a search box entry is: an email, a phone, a source record, or a name / customer ID."""
    if "@" in text:
        return "email"
    if _PHONE.match(text) and sum(ch.isdigit() for ch in text) >= 7:
        return "phone"
    if _RECORD.match(text):
        return "record"
    return "name"


def _name_forms(token: str) -> list[str]:
    # Names are stored as the source typed them; these are the ways people type them.
    return sorted({token, token.lower(), token.upper(), token.title(), token.capitalize()})


@dataclass(frozen=True)
class Searcher:
    pseudonymised: bool

    def published(self, values: set[str | None]) -> list[str]:
        """Values as the analytics copy holds them: keyed hashes on a pseudonymised copy."""
        kept = sorted(v for v in values if v)
        return [keyed_hash(v) for v in kept] if self.pseudonymised else kept

    def search(self, cursor: duckdb.DuckDBPyConnection, text: str) -> list[dict[str, Any]]:
        text = text.strip()
        if not text:
            return []
        kind = kind_of(text)
        if kind == "email":
            typed = {text.lower(), normalize_email(text), normalize_email(text, canonical_mailbox=False)}
            forms = self.published(typed)
            where = "(p.email in (select unnest(?)) or p.email_key in (select unnest(?)))"
            params: list[Any] = [forms, forms]
        elif kind == "phone":
            forms = self.published({text, normalize_phone(text)})
            where, params = "p.phone in (select unnest(?))", [forms]
        elif kind == "record":
            source, record = parse_record(text)
            where, params = "p.record_id = ?", [f"{source}:{record}"]
        else:
            return self._by_name_or_id(cursor, text)
        return rows(
            cursor,
            f"""select {SUMMARY_COLUMNS} from marts.customer_360 as c
                where c.customer_id in (
                    select m.customer_id from intermediate.int_person_records as p
                    join marts.customer_id_map as m using (record_id) where {where})
                order by c.customer_id limit {SEARCH_LIMIT}""",
            params,
        )

    def _by_name_or_id(self, cursor: duckdb.DuckDBPyConnection, text: str) -> list[dict[str, Any]]:
        tokens = text.split()[:4]
        if self.pseudonymised:
            # Every word is one of the record's names, exactly (in any of the usual letter cases).
            conditions = ["(p.first_name in (select unnest(?)) or p.last_name in (select unnest(?)))"] * len(tokens)
            params: list[Any] = [self.published(set(_name_forms(t))) for t in tokens for _ in range(2)]
        else:
            # Every word is part of a name, ignoring case and accents.
            conditions = [
                "(contains(strip_accents(lower(p.first_name)), strip_accents(lower(?)))"
                " or contains(strip_accents(lower(p.last_name)), strip_accents(lower(?))))"
            ] * len(tokens)
            params = [t for t in tokens for _ in range(2)]
        return rows(
            cursor,
            f"""select {SUMMARY_COLUMNS} from marts.customer_360 as c
                where lower(c.customer_id) = lower(?)
                   or c.customer_id in (
                       select m.customer_id from intermediate.int_person_records as p
                       join marts.customer_id_map as m using (record_id) where {" and ".join(conditions)})
                order by lower(c.customer_id) = lower(?) desc, c.customer_id limit {SEARCH_LIMIT}""",
            [text, *params, text],
        )


@dataclass
class Profile:
    customer: dict[str, Any]
    records: list[dict[str, Any]]
    joined_pairs: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    id_history: list[dict[str, Any]]
    segments: list[dict[str, Any]]
    exports: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    timeline_total: int
    consent_events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Moved:
    """A customer ID that is no longer current: merged into another, split, or erased by a privacy request."""

    change: str
    new_customer_id: str | None
    changed_at: datetime


def moved(cursor: duckdb.DuckDBPyConnection, customer_id: str) -> Moved | None:
    found = rows(
        cursor,
        """select change, new_customer_id, changed_at from identity.id_history
           where old_customer_id = ? order by changed_at desc limit 1""",
        [customer_id],
    )
    return Moved(**found[0]) if found else None


def profile(cursor: duckdb.DuckDBPyConnection, customer_id: str, explainer: PairExplainer) -> Profile | None:
    customers = rows(cursor, "select * from marts.customer_360 where customer_id = ?", [customer_id])
    if not customers:
        return None
    records = rows(
        cursor,
        """select m.record_id, m.source_system, m.source_record_id, p.first_name, p.last_name, p.email, p.phone,
                  p.date_of_birth, p.address, p.postcode, p.city, p.country, p.created_at, p.updated_at
           from marts.customer_id_map as m left join intermediate.int_person_records as p using (record_id)
           where m.customer_id = ? order by m.source_system, m.source_record_id""",
        [customer_id],
    )
    record_ids = [r["record_id"] for r in records]
    pairs = rows(
        cursor,
        """select e.*, ml.customer_id as customer_l, mr.customer_id as customer_r
           from identity.match_evidence as e
           left join marts.customer_id_map as ml on ml.record_id = e.record_id_l
           left join marts.customer_id_map as mr on mr.record_id = e.record_id_r
           where list_contains(?, e.record_id_l) or list_contains(?, e.record_id_r)
           order by e.match_probability desc, e.record_id_l, e.record_id_r""",
        [record_ids, record_ids],
    )
    explained = [explainer.explain(pair) for pair in pairs]
    joined = [pair for pair in explained if pair.joined]
    candidates = [pair for pair in explained if not pair.joined]
    timeline_total = rows(
        cursor, "select count(*) as n from marts.fct_customer_events where customer_id = ?", [customer_id]
    )[0]["n"]
    timeline = rows(
        cursor,
        f"""select event_at, event_type, source_system, channel, record_id, reference_id, detail, amount, currency
            from marts.fct_customer_events where customer_id = ?
            order by event_at desc, event_id limit {TIMELINE_LIMIT}""",
        [customer_id],
    )
    consent_types = sorted({t for types in CONSENT_EVENTS.values() for t in types})
    consent_events = rows(
        cursor,
        """select event_at, event_type, source_system, detail from marts.fct_customer_events
           where customer_id = ? and list_contains(?, event_type) order by event_at""",
        [customer_id, consent_types],
    )
    return Profile(
        customer=customers[0],
        records=records,
        joined_pairs=joined,
        candidates=candidates[: explainer.candidates_shown],
        id_history=rows(
            cursor,
            """select old_customer_id, new_customer_id, change, changed_at from identity.id_history
               where old_customer_id = ? or new_customer_id = ? order by changed_at""",
            [customer_id, customer_id],
        ),
        segments=rows(
            cursor,
            """select segment, entered_at, exited_at from marts.segment_history where customer_id = ?
               order by exited_at is not null, entered_at desc, segment""",
            [customer_id],
        ),
        exports=_exports_with_consent(cursor, customer_id, consent_events),
        timeline=timeline,
        timeline_total=timeline_total,
        consent_events=consent_events,
    )


def _exports_with_consent(
    cursor: duckdb.DuckDBPyConnection, customer_id: str, consent_events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every export record of the customer, with the consent that allowed it: the destination's consent as it stood
    at the run's as-of time (the sources' clock the night computed consent by), i.e. its latest change before."""
    consent_of = {d.name: d.consent for d in load_destinations()}
    as_of = (
        "(select max(observed_at) from meta.source_clock as k where k.run_id = e.run_id)"
        if has_table(cursor, "meta", "source_clock")
        else "null"
    )
    exports = rows(
        cursor,
        f"""select e.sync_id, e.run_id, e.destination, e.segment, e.action, e.status, e.error, e.sent_at,
                   {as_of} as as_of_at
            from marts.export_log as e where e.customer_id = ? order by e.sent_at desc, e.destination, e.segment""",
        [customer_id],
    )
    for export in exports:
        column = consent_of.get(export["destination"])
        export["consent"] = column
        relevant = [
            event
            for event in consent_events
            if event["event_type"] in CONSENT_EVENTS.get(column or "", ())
            and (export["as_of_at"] is None or event["event_at"] <= export["as_of_at"])
        ]
        export["consent_event"] = relevant[-1] if relevant else None
    return exports
