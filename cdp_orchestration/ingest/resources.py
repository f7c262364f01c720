"""Where each source system and the email tool are reached: their configured URL and credential, or the simulator."""

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
# API destinations resolved like the sources; each is served by the simulator under its real path prefix.
DESTINATIONS = {"mailchimp": "/3.0"}


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


def configured_destination(destination: str) -> Connection | None:
    """The API destination configured the dlt way (`destinations.<name>.base_url` / `api_key`), or None."""
    base_url = dlt.config.get(f"destinations.{destination}.base_url")
    if not base_url:
        return None
    key = dlt.secrets.get(f"destinations.{destination}.api_key")
    if not key:
        raise SourceConfigurationError(
            f"destinations.{destination}.base_url is set to {base_url} but destinations.{destination}.api_key is "
            f"not. Put the key in .dlt/secrets.toml under [destinations.{destination}] or in "
            f"DESTINATIONS__{destination.upper()}__API_KEY, or unset the base URL to use the simulator."
        )
    return Connection(destination, str(base_url).rstrip("/"), str(key), simulated=False)


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
    """The source systems and the email tool for one run; one bundled simulator serves whichever is not configured."""

    _connections: dict[str, Connection] = PrivateAttr(default_factory=dict)
    _destinations: dict[str, Connection] = PrivateAttr(default_factory=dict)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[SourceSystems]:
        with ExitStack() as stack:
            connections = {source: configured_connection(source) for source in SOURCES}
            destinations = {name: configured_destination(name) for name in DESTINATIONS}
            if not all(connections.values()) or not all(destinations.values()):
                from dlt_sources.simulator import running_simulator

                base_url = stack.enter_context(
                    running_simulator(home=cdp_home(), people=simulated_people(), seed=simulated_seed())
                )
                if context.log:
                    context.log.info(f"Simulator serving unconfigured sources at {base_url}")
                for source, connection in connections.items():
                    if connection is None:
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
