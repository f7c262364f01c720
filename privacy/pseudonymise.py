"""What the analysts' copy may hold: personal columns as keyed hashes, no raw payloads, no raw schemas.

Analysts count, join and segment; they do not need to read an email. The same keyed hash replaces the same value
everywhere, so joins on a hashed email still work. `CDP_ANALYTICS_PII=full` publishes the values themselves (for an
installation whose analysts are entitled to them).
"""

from __future__ import annotations

import os
import re

from warehouse.keys import HASH_FUNCTION

PII_SETTING = "CDP_ANALYTICS_PII"
# Column names that hold emails, phones, names, addresses or birth dates in any layer of the warehouse.
PII_COLUMN = re.compile(
    r"email|recipient|phone|mobile|(^|_)(first|last|given|family|full)_?name$|^(firstname|lastname)$"
    r"|address|street|postcode|(^|_)zip$|date_of_birth|birth_?date|birthday|(^|_)dob$",
    re.IGNORECASE,
)
# Named after emails or birthdays but holding no address or date: consent flags and states, counts (`emails_sent`,
# `email_contactable_customers`, `days_to_next_birthday`), the identity model's agreement levels (`gamma_email`),
# IDs (`email_event_id`) and the system a value came from (`email_consent_source`).
_NOT_PII = re.compile(
    r"(^is_|_state$|_status$|_consent$|_consented$|optout|unsubscribed|verified|_count$|_at$"
    r"|^emails_|_customers$|^days_to_|^gamma_|_id$|_source$)"
)
# Raw payloads of quarantined records: their reason and counts are published, the record itself is not.
PAYLOAD_COLUMN = "payload"


def full_pii() -> bool:
    return os.environ.get(PII_SETTING, "").strip().lower() == "full"


def is_pii_column(name: str) -> bool:
    return bool(PII_COLUMN.search(name)) and not _NOT_PII.search(name)


def is_published_schema(schema: str) -> bool:
    """Raw schemas (and dlt's staging copies of them) stay in the warehouse."""
    return full_pii() or not schema.startswith("raw_")


def select_list(columns: list[tuple[str, str]]) -> str:
    """The published columns of one table: personal text columns hashed, payloads dropped (unless full PII)."""
    items: list[str] = []
    for name, data_type in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        if full_pii():
            items.append(quoted)
        elif name == PAYLOAD_COLUMN:
            continue
        elif is_pii_column(name):
            text = quoted if data_type == "VARCHAR" else f"cast({quoted} as varchar)"
            items.append(f"{HASH_FUNCTION}({text}) as {quoted}")
        else:
            items.append(quoted)
    return ", ".join(items) or "1 as no_columns"
