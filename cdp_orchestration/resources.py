"""The resources every area shares: the warehouse, and the source systems and email tool of one run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

import warehouse
from cdp_orchestration.settings import simulated_people, simulated_seed
from dlt_sources.connections import FILE_SOURCES, Connection, configured_connection, configured_destination
from dlt_sources.pipelines import SOURCES

# The simulator accepts any token; a recognisable one keeps logs honest about what was used.
SIMULATOR_TOKEN = "simulator-token"
# API destinations resolved like the sources; each is served by the simulator under its real path prefix.
DESTINATIONS = {"mailchimp": "/3.0"}


class WarehouseResource(ConfigurableResource):
    """The warehouse file (`$CDP_HOME/warehouse.duckdb` unless `path` is set); steps writing it share one pool."""

    path: str | None = None

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return warehouse.connect(read_only=read_only, path=Path(self.path) if self.path else None)


class SourceSystems(ConfigurableResource):
    """The source systems and the email tool for one run; one bundled simulator serves whichever is not configured."""

    _connections: dict[str, Connection] = PrivateAttr(default_factory=dict)
    _destinations: dict[str, Connection] = PrivateAttr(default_factory=dict)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[SourceSystems]:
        with ExitStack() as stack:
            connections = {source: configured_connection(source) for source in SOURCES}
            destinations = {name: configured_destination(name) for name in DESTINATIONS}
            if not all(connections.values()) or not all(destinations.values()):
                from simulator import running_simulator, web_landing_dir

                base_url = stack.enter_context(
                    running_simulator(home=warehouse.cdp_home(), people=simulated_people(), seed=simulated_seed())
                )
                if context.log:
                    context.log.info(f"Simulator serving unconfigured sources at {base_url}")
                for source, connection in connections.items():
                    if connection is None and source in FILE_SOURCES:
                        # The simulator's collector lands the web shop's events in a folder of its state.
                        landing = str(web_landing_dir(warehouse.cdp_home()))
                        connections[source] = Connection(source, landing, "", simulated=True)
                    elif connection is None:
                        connections[source] = Connection(source, base_url, SIMULATOR_TOKEN, simulated=True)
                for name, destination in destinations.items():
                    if destination is None:
                        destinations[name] = Connection(
                            name, base_url + DESTINATIONS[name], SIMULATOR_TOKEN, simulated=True
                        )
            self._connections = connections  # type: ignore[assignment]
            self._destinations = destinations  # type: ignore[assignment]
            yield self

    def connection(self, source: str) -> Connection:
        return self._connections[source]

    def destination(self, name: str) -> Connection:
        """The API destination `name` (e.g. mailchimp): its base URL (…/3.0) and API key."""
        return self._destinations[name]
