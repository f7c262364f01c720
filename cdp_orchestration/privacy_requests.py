"""Privacy requests as the CDP carries them out, whoever asks: `cdp forget` and the console's admins alike.

The privacy library erases the person from the warehouse; this composition adds what only the orchestration knows
of: the destinations that hold the person outside it and must be told at the next sync.
"""

from __future__ import annotations

import duckdb

from activation import owe_removals
from privacy import ForgetResult, Subject, forget


def _owed_by_destinations(con: duckdb.DuckDBPyConnection, subject: Subject) -> dict[str, int]:
    # What the email tools hold of the person, so the next sync erases them there too.
    return owe_removals(con, subject.customer_ids, subject.emails)


def forget_person(kind: str, value: str, requested_by: str) -> ForgetResult:
    """Forgets a person in the warehouse, its files and copies, and in every destination at the next sync."""
    return forget(kind, value, requested_by, before_erasure=[_owed_by_destinations])
