"""The one registry of cleaning functions for DuckDB: the names dbt staging calls, bound to ``identity.normalize``.

``register(con)`` puts every function on a connection; the dbt-duckdb plugin, tests and notebooks all call it,
so staging SQL reuses the cleaning rules instead of restating them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from duckdb import DuckDBPyConnection
from duckdb.sqltypes import BOOLEAN, VARCHAR

from identity import normalize


def _email(value: str | None) -> str | None:
    # The address as typed, validated and lower-cased: the one to send to.
    return normalize.normalize_email(value, canonical_mailbox=False)


def _email_key(value: str | None) -> str | None:
    # The provider's canonical mailbox (gmail dots, +tags): the one to join on.
    return normalize.normalize_email(value, canonical_mailbox=True)


def _phone(value: str | None, country: str | None) -> str | None:
    return normalize.normalize_phone(value, country)


def _is_placeholder(value: str | None, kind: str | None) -> bool:
    return normalize.is_placeholder(value, kind or "text")


# DuckDB name -> (function, argument types, return type). Wrappers fix the arity DuckDB sees (it counts
# defaulted parameters) and the choice between the send-to and the join-on email.
FUNCTIONS: dict[str, tuple[Callable[..., Any], list[Any], Any]] = {
    "cdp_normalize_email": (_email, [VARCHAR], VARCHAR),
    "cdp_email_key": (_email_key, [VARCHAR], VARCHAR),
    "cdp_normalize_phone": (_phone, [VARCHAR, VARCHAR], VARCHAR),
    "cdp_normalize_name": (normalize.normalize_name, [VARCHAR], VARCHAR),
    "cdp_normalize_date": (normalize.normalize_date, [VARCHAR], VARCHAR),
    "cdp_normalize_address": (normalize.normalize_address, [VARCHAR], VARCHAR),
    "cdp_normalize_postcode": (normalize.normalize_postcode, [VARCHAR], VARCHAR),
    "cdp_normalize_city": (normalize.normalize_city, [VARCHAR], VARCHAR),
    "cdp_normalize_country": (normalize.normalize_country, [VARCHAR], VARCHAR),
    "cdp_is_placeholder": (_is_placeholder, [VARCHAR, VARCHAR], BOOLEAN),
}


def register(con: DuckDBPyConnection) -> list[str]:
    """Register every function of ``FUNCTIONS`` on ``con`` (again if already there); returns their names."""
    for name, (function, arguments, returns) in FUNCTIONS.items():
        try:
            con.remove_function(name)
        except Exception:  # not registered yet on this connection
            pass
        # "special": the Python function sees NULLs itself (a phone without a country still normalises).
        con.create_function(name, function, arguments, returns, null_handling="special", side_effects=False)
    return list(FUNCTIONS)


def register_spark(spark: Any) -> list[str]:
    """Register every function of ``FUNCTIONS`` on a Spark session as a Python UDF of the same name, for the dbt
    models built on Spark (``CDP_ENGINE=spark``): the same rules, run in Spark's Python workers.

    Arrow-batched (Spark 4's ``useArrow``): rows reach the workers in columnar batches rather than one pickle each."""
    from pyspark.sql.functions import udf
    from pyspark.sql.types import BooleanType, StringType

    types = {str(VARCHAR): StringType(), str(BOOLEAN): BooleanType()}
    for name, (function, _arguments, returns) in FUNCTIONS.items():
        spark.udf.register(name, udf(function, types[str(returns)], useArrow=True))
    return list(FUNCTIONS)
