"""Where each source system is reached: its configured base URL and token, or the bundled simulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import dlt
import requests
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from cdp_orchestration.settings import SOURCES, cdp_home, simulated_people, simulated_seed

# The simulator accepts any token; a recognisable one keeps logs honest about what was used.
SIMULATOR_TOKEN = "simulator-token"


class SourceConfigurationError(RuntimeError):
    """A source is configured wrongly, unreachable or refuses its credential; the message says what to fix."""


@dataclass(frozen=True)
class Connection:
    source: str
    base_url: str
    access_token: str
    simulated: bool


def configured_connection(source: str) -> Connection | None:
    """The connection configured the dlt way for `source`, or None when its base URL is not set."""
    base_url = dlt.config.get(f"sources.{source}.base_url")
    if not base_url:
        return None
    token = dlt.secrets.get(f"sources.{source}.access_token")
    if not token:
        raise SourceConfigurationError(
            f"sources.{source}.base_url is set to {base_url} but sources.{source}.access_token is not. "
            f"Put the token in .dlt/secrets.toml under [sources.{source}] or in "
            f"SOURCES__{source.upper()}__ACCESS_TOKEN, or unset the base URL to use the simulator."
        )
    return Connection(source, str(base_url), str(token), simulated=False)


def source_clock(connection: Connection, timeout_seconds: float = 15.0) -> datetime:
    """The source's own time, from the HTTP `Date` header of its answer (the wall clock if it sends none).

    Also the reachability check: an unreachable source stops the run here with a message that says so.
    """
    try:
        response = requests.get(connection.base_url, timeout=timeout_seconds)
    except requests.RequestException as error:
        raise SourceConfigurationError(
            f"The {connection.source} source at {connection.base_url} cannot be reached ({type(error).__name__}). "
            f"Check sources.{connection.source}.base_url and the network, or unset it to use the simulator."
        ) from error
    date = response.headers.get("Date")
    return parsedate_to_datetime(date).astimezone(UTC) if date else datetime.now(UTC)


class SourceSystems(ConfigurableResource):
    """The three source systems for one run; starts the bundled simulator for any that is not configured."""

    _connections: dict[str, Connection] = PrivateAttr(default_factory=dict)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[SourceSystems]:
        with ExitStack() as stack:
            connections = {source: configured_connection(source) for source in SOURCES}
            if not all(connections.values()):
                from dlt_sources.simulator import running_simulator

                base_url = stack.enter_context(
                    running_simulator(home=cdp_home(), people=simulated_people(), seed=simulated_seed())
                )
                if context.log:
                    context.log.info(f"Simulator serving unconfigured sources at {base_url}")
                for source, connection in connections.items():
                    if connection is None:
                        connections[source] = Connection(source, base_url, SIMULATOR_TOKEN, simulated=True)
            self._connections = connections  # type: ignore[assignment]
            yield self

    def connection(self, source: str) -> Connection:
        return self._connections[source]
