"""dbt-duckdb plugin: the cleaning functions of `identity` as DuckDB scalar functions.

Referenced from `dbt_project/profiles.yml` (`plugins:`), so staging calls `cdp_normalize_email(email)`; the
registry of names and the rules live in `identity/udfs.py` and `identity/normalize.py`.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from identity.udfs import register


class Plugin(BasePlugin):
    """dbt-duckdb calls `configure_connection` on every connection it opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
