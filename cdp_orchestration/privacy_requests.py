"""Privacy requests as the CDP carries them out, whoever asks: `cdp forget` and the console's admins alike.

The privacy library erases the person from the warehouse and every file it finds them in; this composition adds what
only the orchestration knows of: the destinations that hold the person outside it and must be told at the next sync,
Dagster's run history, the dbt project's classification of personal columns, and what must stay as it is.
"""

from __future__ import annotations

import duckdb

from activation import owe_removals
from activation.erasures import owed_path
from cdp_orchestration.settings import dagster_home
from cdp_orchestration.transform.project import classification
from privacy import ForgetResult, Subject, forget
from simulator.config import simulator_dir


def _owed_by_destinations(con: duckdb.DuckDBPyConnection, subject: Subject, request_id: str) -> dict[str, int]:
    # What the email tools hold of the person, so the next sync erases them there too.
    return owe_removals(con, subject.customer_ids, subject.emails, request_id)


def forget_person(kind: str, value: str, requested_by: str) -> ForgetResult:
    """Forgets a person in the warehouse, its files and copies, Dagster's run history, and in every destination at
    the next sync. The simulator's state is a source system's own copy, and the removals owed to the destinations
    are what the next sync needs: both stay."""
    return forget(
        kind,
        value,
        requested_by,
        classification(),
        before_erasure=[_owed_by_destinations],
        reach=[dagster_home()],
        leave_alone=[simulator_dir(), owed_path()],
    )
