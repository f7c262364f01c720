"""Asset keys that make dbt's models one lineage with the loads before them and the identity step between."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_PREFIX = "raw_"


class CdpDbtTranslator(DagsterDbtTranslator):
    """Models keyed `<schema>/<model>`; raw sources mapped onto the dlt assets that load them."""

    def __init__(self) -> None:
        # Child tables of one dlt resource (orders, orders__line_items) are sources of one asset.
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            schema, table = dbt_resource_props["schema"], dbt_resource_props["name"]
            if schema.startswith(RAW_PREFIX):
                return AssetKey(["dlt", schema.removeprefix(RAW_PREFIX), table.split("__")[0]])
            return AssetKey([schema, table])
        schema = dbt_resource_props.get("config", {}).get("schema") or "seeds"
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return (
            "transform"
            if dbt_resource_props["resource_type"] == "seed"
            else (dbt_resource_props.get("config", {}).get("schema") or "transform")
        )
