"""dbt-duckdb plugin: the cleaning functions of `identity.normalize` as DuckDB scalar functions.

Referenced from `dbt_project/profiles.yml` (`plugins:`), so staging calls `cdp_normalize_email(email)` and the
cleaning rules stay in one place, `identity/`. Thin on purpose: names and types only, no logic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
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


# DuckDB name -> (function, argument types, return type)
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


def register(conn: DuckDBPyConnection) -> None:
    """Registers every function on `conn` (usable without dbt, e.g. by tests or a notebook)."""
    for name, (function, arguments, returns) in FUNCTIONS.items():
        try:
            conn.remove_function(name)
        except Exception:  # not registered yet on this connection
            pass
        # "special": the Python function sees NULLs itself (a phone without a country still normalises).
        conn.create_function(name, function, arguments, returns, null_handling="special", side_effects=False)


class Plugin(BasePlugin):
    """dbt-duckdb calls `configure_connection` on every connection it opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
