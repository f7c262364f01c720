"""dlt's DuckDB destination, with its delete-insert merge deleting by one key at a time.

A child table (`orders__line_items`) is merged on its `_dlt_id` with its parent's `_dlt_parent_id` as merge key
(`pages.hinted_child`), so dlt deletes the rows that match a staged row on either key:
`where exists (select 1 from staged as s where d._dlt_id = s._dlt_id or d._dlt_parent_id = s._dlt_parent_id)`.
DuckDB cannot hash-join on an OR, and runs it as a nested loop over every pair of held and staged rows: at 100,000
people Square's 1.3 million held line items against a day's 6,000 staged took 12 s, most of a night's Square load.
Deleting the rows that match on the primary key, then those that match on the merge key, deletes the same rows, each
statement a hash join. dlt splits the condition the same way for engines that cannot put an OR in a subquery
(`SqlMergeFollowupJob.gen_key_table_clauses` may return several clauses, and the merge runs one DELETE per clause).
"""

from __future__ import annotations

from collections.abc import Sequence

from dlt.common.destination.reference import DestinationReference
from dlt.common.schema.typing import TTableSchema
from dlt.destinations import duckdb
from dlt.destinations.impl.duckdb.duck import DuckDbClient
from dlt.destinations.job_client_impl import FollowupJobRequest
from dlt.destinations.sql_jobs import SqlMergeFollowupJob


class _KeyByKeyMergeJob(SqlMergeFollowupJob):
    @classmethod
    def gen_key_table_clauses(
        cls,
        root_table_name: str,
        staging_root_table_name: str,
        primary_keys: Sequence[str],
        merge_keys: Sequence[str],
        for_delete: bool,
        source_filter: str | None = None,
    ) -> list[str]:
        return [
            f"FROM {root_table_name} as d WHERE EXISTS (SELECT 1 FROM {staging_root_table_name} as s WHERE "
            f"{cls._gen_staging_rows_cond(clause.format(d='d', s='s'), source_filter)})"
            for clause in cls._gen_key_table_clauses(primary_keys, merge_keys)
        ]


class _KeyByKeyClient(DuckDbClient):
    def _create_merge_followup_jobs(self, table_chain: Sequence[TTableSchema]) -> list[FollowupJobRequest]:
        return [_KeyByKeyMergeJob.from_table_chain(table_chain, self.sql_client)]  # type: ignore[arg-type]


class key_by_key_duckdb(duckdb):  # noqa: N801 (dlt names its destination factories in lower case)
    """`dlt.destinations.duckdb`, merging key by key; same type, so a pipeline's state and schema carry over."""

    @property
    def client_class(self) -> type[DuckDbClient]:
        return _KeyByKeyClient

    @property
    def destination_type(self) -> str:
        return DestinationReference.normalize_type(f"{duckdb.__module__}.{duckdb.__qualname__}")
