"""The warehouse and the installation's state: where files live under `CDP_HOME`, connections and transactions,
the catalogue of what the warehouse holds, and the installation's hash key.

The base every domain library stands on; it imports no other package of the project.
"""

from warehouse.catalog import Table, column_names, has_table, quote, tables
from warehouse.connection import connect, quiet, registered, transaction
from warehouse.keys import keyed_hash, register_keyed_hash
from warehouse.paths import (
    REPO_ROOT,
    analytics_path,
    cdp_home,
    dbt_runs_dir,
    logs_dir,
    pipelines_dir,
    warehouse_path,
)

__all__ = [
    "REPO_ROOT",
    "Table",
    "analytics_path",
    "cdp_home",
    "column_names",
    "connect",
    "dbt_runs_dir",
    "has_table",
    "keyed_hash",
    "logs_dir",
    "pipelines_dir",
    "quiet",
    "quote",
    "register_keyed_hash",
    "registered",
    "tables",
    "transaction",
    "warehouse_path",
]
