"""A simulated population with the traps a forget must not fall into, planted in the source systems.

One person (the *subject*) has a till record whose phone is a placeholder (`0000000000`), typed at the same till
for strangers too; a family email they share with a member of their household; and their own email, which the
email tool refuses (`… looks fake or invalid`: a top-level domain with a digit, which the CDP still accepts). A
stranger's email holds the subject's as a substring, and that stranger's record is quarantined with its payload.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import simulator.simulation as simulation
from simulator.catalog import COUNTRY_BY_CODE
from simulator.ids import customer_record_id
from simulator.model import Customer, World

PLACEHOLDER_PHONE = "0000000000"
STRANGERS_AT_THE_TILL = 4


@dataclass(frozen=True)
class Planted:
    """Who was planted where, by the simulator's own person and record IDs."""

    subject: str  # person_id as in truth.csv
    member: str  # the household member sharing the family email
    family_email: str
    own_email: str
    own_phone: str  # E.164
    own_number: str  # its national significant number: the digits every format of it holds
    till_record: tuple[str, str]  # (source_system, source_record_id) of the subject's till record
    strangers_at_the_till: list[tuple[str, str]]
    substring_stranger: tuple[str, str]


def person_id(record: Customer) -> str:
    return f"P{record.person.pid:07d}"


def record_key(record: Customer) -> tuple[str, str]:
    return record.system, customer_record_id(record.system, record.seq)


def _pick_household(world: World) -> tuple[dict[str, list[Customer]], dict[str, list[Customer]]]:
    """The records of a subject with a till, web shop and CRM record, and of a household member with a CRM record."""
    by_person: dict[int, dict[str, list[Customer]]] = defaultdict(lambda: defaultdict(list))
    for system, records in world.customers.items():
        for record in records:
            by_person[record.person.pid][system].append(record)
    households: dict[int, list[int]] = defaultdict(list)
    for person in world.people:
        households[person.household].append(person.pid)
    for members in households.values():
        for pid in members:
            subject = by_person[pid]
            if not all(len(subject[s]) == 1 for s in ("square", "shopify", "hubspot")):
                continue
            for other in members:
                if other != pid and by_person[other]["hubspot"]:
                    return subject, by_person[other]
    raise AssertionError("no household with a subject in all three systems and a member in the CRM")


def _slug(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name.lower()) if c.isascii() and c.isalpha())


def _unused_number(world: World, like: str) -> str:
    """A national number shaped like `like` that no person or record of the world holds (households share one)."""
    held = {p.phone for p in world.people} | {p.household_phone for p in world.people}
    held |= {"".join(filter(str.isdigit, r.phone or ""))[-len(like) :] for rs in world.customers.values() for r in rs}
    return next(n for n in (f"{like[:-3]}{k:03d}" for k in range(1000)) if n not in held)


def plant(world: World) -> Planted:
    subject, member = _pick_household(world)
    till, shop, crm = subject["square"][0], subject["shopify"][0], subject["hubspot"][0]
    person = till.person
    own_email = f"{_slug(person.first)}.{_slug(person.last)}.{person.pid}@mail.example.c0m"
    family_email = f"{_slug(person.last)}.family.{person.household}@rumahkita.id"
    own_number = _unused_number(world, person.phone)
    own_phone = f"+{COUNTRY_BY_CODE[person.country].calling_code}{own_number}"
    # The till: their own email, and the phone the cashier types when the customer gives none.
    till.email, till.phone = own_email, PLACEHOLDER_PHONE
    # The CRM: their own email and phone, the latest edit, and consent to email (so the email tool is sent them).
    crm.email, crm.phone, crm.subscribed = own_email, own_phone, True
    crm.updated = max(till.updated, shop.updated) + 1
    # The web shop: the household's shared address, as in the member's CRM record; their own phone.
    shop.email, shop.phone = family_email, own_phone
    member["hubspot"][0].email = family_email
    household = {person.household}
    strangers = [r for r in world.customers["square"] if r.person.household not in household]
    for stranger in strangers[:STRANGERS_AT_THE_TILL]:
        stranger.phone = PLACEHOLDER_PHONE
    substring = next(r for r in world.customers["shopify"] if r.person.household not in household)
    substring.email = "jo" + own_email
    substring.defect = "long_string"  # quarantined (loaded with issues) with its payload
    world.malformed.append(("shopify", "customer", customer_record_id("shopify", substring.seq), "long_string"))
    return Planted(
        subject=person_id(till),
        member=person_id(member["hubspot"][0]),
        family_email=family_email,
        own_email=own_email,
        own_phone=own_phone,
        own_number=own_number,
        till_record=record_key(till),
        strangers_at_the_till=[record_key(r) for r in strangers[:STRANGERS_AT_THE_TILL]],
        substring_stranger=record_key(substring),
    )


def planting_generate(found: list[Planted]) -> Callable[..., World]:
    """A `simulator.simulation.generate` that plants the traps into every world it makes (what it planted is
    appended to `found`)."""
    original = simulation.generate

    def generate(*args, **kwargs) -> World:
        world = original(*args, **kwargs)
        found.append(plant(world))
        return world

    return generate


def record_refusal_in_dagster(dagster_home: Path, message: str) -> None:
    """A Dagster run whose export step fails with the email tool's refusal, as a night's does when the tool
    refuses every member it is sent: the message lands in the run's event log and, printed, in its compute log."""
    from dagster import DagsterInstance, job, op

    @op
    def send_members() -> None:
        print(message)
        raise RuntimeError(f"mailchimp accepted none of 1 records; first error: {message}")

    @job
    def exports_refused() -> None:
        send_members()

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        exports_refused.execute_in_process(instance=instance, raise_on_error=False)


def record_refusal_in_dbt(target: Path, value: str) -> Path:
    """The log and run results dbt writes when a model fails on a value (DuckDB quotes the value it could not
    convert), in a step folder of its own under dbt's `target/`."""
    folder = target / f"dbt_failed-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    error = f"Conversion Error: Could not convert string '{value}' to INT64"
    (folder / "dbt.log").write_text(f"12:00:00  Runtime Error in model stg_square__customers\n  {error}\n")
    results = {"results": [{"unique_id": "model.cdp.stg_square__customers", "status": "error", "message": error}]}
    (folder / "run_results.json").write_text(json.dumps(results))
    return folder
