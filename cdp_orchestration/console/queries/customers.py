"""Customer search and the profile: traits, timeline, joined records, segment stays and what was sent where.

Search runs on the analytics copy as published: on a pseudonymised copy the typed email, phone or name is turned
into the keyed hashes the copy holds (the CDP's key, `warehouse.keyed_hash`), in each form the CDP itself stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from activation import load_destinations
from cdp_orchestration.console.analytics import rows
from cdp_orchestration.console.i18n import N_
from cdp_orchestration.console.queries.identity import PairExplainer, PairExplanation
from identity import normalize_email, normalize_phone
from privacy.person import parse_record
from warehouse import column_names, has_table, keyed_hash

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
# The personal columns the profile shows; the analytics copy leaves some out (privacy/classification.py: a birth
# date is dropped unless an analyst asks for it), and those show as not known.
PERSONAL_COLUMNS = (
    "first_name", "last_name", "email", "phone", "date_of_birth", "address", "postcode", "city", "country",
)  # fmt: skip
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
        """Customers whose source records match `text`, or whose customer ID it is. Three small steps (records,
        their customers, the customers' summaries) cost a fraction of one query joining them at 100,000 customers."""
        text = text.strip()
        if not text:
            return []
        where, params = self._records_matching(text)
        records = [r for (r,) in cursor.execute(f"select record_id from intermediate.int_person_records as p {where}",
                                                params).fetchall()]  # fmt: skip
        customers = {text, text.lower()} | {
            c for (c,) in cursor.execute(
                "select customer_id from marts.customer_id_map where list_contains(?, record_id)", [records]
            ).fetchall()
        }  # fmt: skip
        return rows(
            cursor,
            f"""select {SUMMARY_COLUMNS} from marts.customer_360 as c where list_contains(?, c.customer_id)
                order by c.customer_id = ? desc, c.customer_id limit {SEARCH_LIMIT}""",
            [sorted(customers), text],
        )

    def _records_matching(self, text: str) -> tuple[str, list[Any]]:
        """The `where` clause (on int_person_records as p) finding the records `text` names, and its parameters."""
        kind = kind_of(text)
        if kind == "email":
            forms = self.published(
                {text.lower(), normalize_email(text), normalize_email(text, canonical_mailbox=False)}
            )
            return "where list_contains(?, p.email) or list_contains(?, p.email_key)", [forms, forms]
        if kind == "phone":
            return "where list_contains(?, p.phone)", [self.published({text, normalize_phone(text)})]
        if kind == "record":
            source, record = parse_record(text)
            return "where p.record_id = ?", [f"{source}:{record}"]
        tokens = text.split()[:4]
        if self.pseudonymised:
            # Every word is one of the record's names, exactly (in any of the usual letter cases).
            condition = "(list_contains(?, p.first_name) or list_contains(?, p.last_name))"
            params: list[Any] = [self.published(set(_name_forms(t))) for t in tokens for _ in range(2)]
        else:
            # Every word is part of a name, ignoring case and accents.
            condition = (
                "(contains(strip_accents(lower(p.first_name)), strip_accents(lower(?)))"
                " or contains(strip_accents(lower(p.last_name)), strip_accents(lower(?))))"
            )
            params = [t for t in tokens for _ in range(2)]
        return "where " + " and ".join([condition] * len(tokens)), params


# How a web tie of identity.match_evidence tied a browser to one of the customer's records.
WEB_TIE_RULES = {
    "web_checkout_customer": N_("a completed checkout named them"),
    "web_logged_in": N_("they were logged in"),
    "web_checkout_email": N_("a checkout gave an email only they hold"),
}


@dataclass
class Profile:
    customer: dict[str, Any]
    records: list[dict[str, Any]]
    joined_pairs: list[PairExplanation]
    candidates: list[PairExplanation]
    web_ties: list[dict[str, Any]]  # browsers tied to their records (rows of match_evidence with a client_id)
    id_history: list[dict[str, Any]]
    segments: list[dict[str, Any]]
    exports: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    timeline_total: int


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
    """Everything the profile page shows. Each table is read once, filtered on the customer's keys first: at 100,000
    customers a scan of the timeline is most of a page's time."""
    customers = rows(cursor, "select * from marts.customer_360 where customer_id = ?", [customer_id])
    if not customers:
        return None
    published = column_names(cursor, "intermediate", "int_person_records")
    personal = ", ".join(c if c in published else f"null as {c}" for c in PERSONAL_COLUMNS)
    mapped = rows(
        cursor, "select record_id, source_system, source_record_id from marts.customer_id_map where customer_id = ?",
        [customer_id],
    )  # fmt: skip
    record_ids = sorted(r["record_id"] for r in mapped)
    held = {
        r["record_id"]: r
        for r in rows(
            cursor,
            f"""select record_id, {personal}, created_at, updated_at
               from intermediate.int_person_records
               where record_id in (select record_id from marts.customer_id_map where customer_id = ?)""",
            [customer_id],
        )
    }
    records = sorted(
        ({**r, **held.get(r["record_id"], {})} for r in mapped), key=lambda r: (r["source_system"], r["record_id"])
    )
    # One query for every link: the scored pairs of records, and the web ties (rows with a client_id), which join a
    # browser to a record by a rule and have no agreement to explain.
    links = rows(
        cursor,
        """select * from identity.match_evidence where list_contains(?, record_id_l) or list_contains(?, record_id_r)
           order by match_probability desc, record_id_l, record_id_r""",
        [record_ids, record_ids],
    )
    pairs = [link for link in links if link.get("client_id") is None]
    web_ties = sorted(
        (
            {**link, "rule": WEB_TIE_RULES.get(link["match_type"], link["match_type"])}
            for link in links
            if link.get("client_id") is not None
        ),
        key=lambda tie: (tie["tied_at"], tie["client_id"]),
    )
    others = sorted({p["record_id_l"] for p in pairs} | {p["record_id_r"] for p in pairs} - set(record_ids))
    owner = {r: customer_id for r in record_ids} | {
        r["record_id"]: r["customer_id"]
        for r in rows(
            cursor,
            "select record_id, customer_id from marts.customer_id_map where list_contains(?, record_id)",
            [others],
        )
    }
    pairs = [{**p, "customer_l": owner.get(p["record_id_l"]), "customer_r": owner.get(p["record_id_r"])} for p in pairs]
    explained = [explainer.explain(pair) for pair in pairs]
    events = rows(
        cursor,
        """select event_at, event_type, source_system, channel, record_id, reference_id, detail, amount, currency
           from marts.fct_customer_events where customer_id = ? order by event_at desc, event_id""",
        [customer_id],
    )
    consent_types = {t for types in CONSENT_EVENTS.values() for t in types}
    consent_events = [e for e in reversed(events) if e["event_type"] in consent_types]
    return Profile(
        customer=dict.fromkeys(PERSONAL_COLUMNS) | customers[0],
        records=records,
        joined_pairs=[pair for pair in explained if pair.joined],
        candidates=[pair for pair in explained if not pair.joined][: explainer.candidates_shown],
        web_ties=web_ties,
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
        timeline=events[:TIMELINE_LIMIT],
        timeline_total=len(events),
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
